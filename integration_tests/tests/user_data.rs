//! User data across the board: personal contacts, phonebooks and favorites survive a daemon
//! restart; users and tenants see only their own data on every route; concurrent creates keep one
//! row per distinct contact. Their events are tested in `user_data_events.rs`.

use integration_tests::daemon::Daemon;
use integration_tests::postgres::TestDatabase;
use integration_tests::users::{call_json as call, post_concurrently, post_csv as csv, start_on};
use reqwest::Method;
use serde_json::{json, Value};

const TOKENS: &str = "tokens:\n  alice: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  bob: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  other: {user_uuid: 10000000-0000-4000-8000-00000000000c, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n  - {uuid: 20000000-0000-4000-8000-000000000002, name: other, parent_uuid: null}\n";

async fn start(database: &TestDatabase) -> Daemon {
    start_on(
        database,
        TOKENS,
        "alice",
        json!({"bus": {"enabled": false}}),
    )
    .await
}

#[tokio::test]
async fn user_data_survives_a_restart_and_stays_with_its_owner() {
    let database = TestDatabase::create().await;
    let mut dird = start(&database).await;
    let (_, mine) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        json!({"firstname": "Mine"}),
    )
    .await;
    let personal_item = format!("/0.1/personal/{}", mine["id"].as_str().expect("id"));
    let (_, book) = call(
        &dird,
        Method::POST,
        "/0.1/phonebooks",
        "alice",
        json!({"name": "book"}),
    )
    .await;
    let book_item = format!("/0.1/phonebooks/{}", book["uuid"].as_str().expect("uuid"));
    let (_, entry) = call(
        &dird,
        Method::POST,
        &format!("{book_item}/contacts"),
        "alice",
        json!({"firstname": "Entry", "number": "1001"}),
    )
    .await;
    let entry_item = format!("{book_item}/contacts/{}", entry["id"].as_str().expect("id"));
    let (_, source) = call(
        &dird,
        Method::POST,
        "/0.1/backends/phonebook/sources",
        "alice",
        json!({"phonebook_uuid": book["uuid"], "searched_columns": ["firstname"]}),
    )
    .await;
    let (_, display) = call(
        &dird,
        Method::POST,
        "/0.1/displays",
        "alice",
        json!({"name": "d", "columns": [{"field": "firstname"}]}),
    )
    .await;
    let refs = json!([{"uuid": source["uuid"]}]);
    let (status, _) = call(&dird, Method::POST, "/0.1/profiles", "alice", json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": {"lookup": {"sources": refs}, "favorites": {"sources": refs}}})).await;
    assert_eq!(status, 201);
    let favorite = format!(
        "/0.1/directories/favorites/book/{}",
        entry["id"].as_str().expect("id")
    );
    assert_eq!(
        call(&dird, Method::PUT, &favorite, "alice", Value::Null)
            .await
            .0,
        204
    );

    // Other users and tenants see none of it, on every route.
    for (method, path, token) in [
        (Method::GET, personal_item.as_str(), "bob"),
        (Method::PUT, personal_item.as_str(), "bob"),
        (Method::DELETE, personal_item.as_str(), "bob"),
        (Method::GET, book_item.as_str(), "other"),
        (Method::PUT, book_item.as_str(), "other"),
        (Method::DELETE, book_item.as_str(), "other"),
        (Method::GET, entry_item.as_str(), "other"),
        (Method::PUT, entry_item.as_str(), "other"),
        (Method::DELETE, entry_item.as_str(), "other"),
    ] {
        let body = if method == Method::PUT {
            json!({"firstname": "stolen", "name": "stolen"})
        } else {
            Value::Null
        };
        let (status, answer) = call(&dird, method.clone(), path, token, body).await;
        assert_eq!(status, 404, "{method} {path} as {token}: {answer}");
    }
    let (status, answer) = call(
        &dird,
        Method::POST,
        &format!("{book_item}/contacts"),
        "other",
        json!({"firstname": "x"}),
    )
    .await;
    assert_eq!(status, 404, "{answer}");
    let (status, answer) = csv(
        &dird,
        &format!("{book_item}/contacts/import"),
        "other",
        "firstname\nx\n",
    )
    .await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(
        call(&dird, Method::GET, "/0.1/personal", "bob", Value::Null)
            .await
            .1["items"],
        json!([])
    );
    assert_eq!(
        call(&dird, Method::GET, "/0.1/phonebooks", "other", Value::Null)
            .await
            .1["total"],
        0
    );
    let (_, favorites) = call(
        &dird,
        Method::GET,
        "/0.1/directories/favorites/default",
        "bob",
        Value::Null,
    )
    .await;
    assert_eq!(
        favorites["results"],
        json!([]),
        "favorites are per user: {favorites}"
    );
    assert_eq!(
        call(
            &dird,
            Method::GET,
            &format!(
                "/0.1/backends/phonebook/sources/{}/contacts",
                source["uuid"].as_str().expect("uuid")
            ),
            "other",
            Value::Null
        )
        .await
        .0,
        404
    );

    // A restart on the same database: everything is still there, unchanged.
    let before: Vec<Value> = {
        let mut all = Vec::new();
        for path in [
            personal_item.as_str(),
            book_item.as_str(),
            entry_item.as_str(),
        ] {
            all.push(call(&dird, Method::GET, path, "alice", Value::Null).await.1);
        }
        all
    };
    dird.stop();
    let dird = start(&database).await;
    for (path, expected) in [
        personal_item.as_str(),
        book_item.as_str(),
        entry_item.as_str(),
    ]
    .iter()
    .zip(&before)
    {
        let (status, body) = call(&dird, Method::GET, path, "alice", Value::Null).await;
        assert_eq!((status, &body), (200, expected), "{path}");
    }
    let (_, favorites) = call(
        &dird,
        Method::GET,
        "/0.1/directories/favorites/default",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        favorites["results"].as_array().map(Vec::len),
        Some(1),
        "{favorites}"
    );
    let (_, found) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=entr",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        found["results"][0]["column_values"],
        json!(["Entry"]),
        "{found}"
    );
}

#[tokio::test]
async fn concurrent_phonebook_creates_keep_one_row_per_distinct_contact() {
    let database = TestDatabase::create().await;
    let dird = start(&database).await;
    let (_, book) = call(
        &dird,
        Method::POST,
        "/0.1/phonebooks",
        "alice",
        json!({"name": "book"}),
    )
    .await;
    let contacts = format!(
        "/0.1/phonebooks/{}/contacts",
        book["uuid"].as_str().expect("uuid")
    );
    let distinct = (0..200)
        .map(|i| json!({"firstname": format!("User {i}")}).to_string())
        .collect();
    let statuses = post_concurrently(&dird, &contacts, "alice", distinct).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let statuses = post_concurrently(
        &dird,
        &contacts,
        "alice",
        vec![r#"{"firstname": "Same"}"#.to_owned(); 50],
    )
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
    let rows: i64 = database
        .client()
        .await
        .query_one("SELECT count(*) FROM dird_contact", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(rows, 201);
    let (_, listed) = call(
        &dird,
        Method::GET,
        &format!("{contacts}?limit=1"),
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(listed["total"], 201);
}
