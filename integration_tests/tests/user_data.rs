//! User data across the board: every personal-contact, phonebook and phonebook-contact change is
//! published (routing key, headers, body) on the real broker; personal contacts, phonebooks and
//! favorites survive a daemon restart; users and tenants see only their own data on every route.

use integration_tests::broker::{clean_up, Received, Recorder};
use integration_tests::daemon::{base_config, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::postgres::TestDatabase;
use integration_tests::users::post_concurrently;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const ALICE: &str = "10000000-0000-4000-8000-00000000000a";
const MASTER: &str = "20000000-0000-4000-8000-000000000001";
const TOKENS: &str = "tokens:\n  alice: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  bob: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  other: {user_uuid: 10000000-0000-4000-8000-00000000000c, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n  - {uuid: 20000000-0000-4000-8000-000000000002, name: other, parent_uuid: null}\n";

async fn start(database: &TestDatabase, bus: Value) -> Daemon {
    let dir = shared_tempdir();
    let config = base_config(
        free_port(),
        json!({"auth": static_auth(dir.path(), TOKENS), "db_uri": database.uri(), "bus": bus}),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("alice", "database", "ok", Duration::from_secs(15))
        .await;
    dird
}

async fn call(dird: &Daemon, method: Method, path: &str, token: &str, body: Value) -> (u16, Value) {
    let body = (!body.is_null()).then(|| body.to_string());
    dird.send(method, path, token, None, body.as_deref()).await
}

async fn csv(dird: &Daemon, path: &str, token: &str, text: &str) -> (u16, Value) {
    dird.post_bytes(
        path,
        token,
        "text/csv; charset=utf-8",
        text.as_bytes().to_vec(),
    )
    .await
}

#[tokio::test]
async fn every_change_of_user_data_is_published() {
    let recorder = Recorder::start().await;
    let database = TestDatabase::create().await;
    let bus = json!({"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": recorder.exchange, "queue_name": format!("{}-queue", recorder.exchange)});
    let dird = start(&database, bus).await;
    dird.wait_for_status("alice", "bus_publisher", "ok", Duration::from_secs(15))
        .await;

    let (_, contact) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        json!({"firstname": "Alice"}),
    )
    .await;
    let id = contact["id"].as_str().expect("id").to_owned();
    let item = format!("/0.1/personal/{id}");
    assert_eq!(
        call(
            &dird,
            Method::PUT,
            &item,
            "alice",
            json!({"firstname": "Alicia"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(&dird, Method::DELETE, &item, "alice", Value::Null)
            .await
            .0,
        204
    );
    let (status, _) = csv(&dird, "/0.1/personal/import", "alice", "firstname\nA\nB\n").await;
    assert_eq!(status, 201);
    assert_eq!(
        call(&dird, Method::DELETE, "/0.1/personal", "alice", Value::Null)
            .await
            .0,
        204
    );

    let (_, book) = call(
        &dird,
        Method::POST,
        "/0.1/phonebooks",
        "alice",
        json!({"name": "book"}),
    )
    .await;
    let uuid = book["uuid"].as_str().expect("uuid").to_owned();
    let (status, _) = call(
        &dird,
        Method::PUT,
        &format!("/0.1/phonebooks/{uuid}"),
        "alice",
        json!({"name": "renamed"}),
    )
    .await;
    assert_eq!(status, 200);
    let contacts = format!("/0.1/phonebooks/{uuid}/contacts");
    let (_, entry) = call(
        &dird,
        Method::POST,
        &contacts,
        "alice",
        json!({"firstname": "Zed"}),
    )
    .await;
    let entry_id = entry["id"].as_str().expect("id").to_owned();
    let entry_item = format!("{contacts}/{entry_id}");
    assert_eq!(
        call(
            &dird,
            Method::PUT,
            &entry_item,
            "alice",
            json!({"firstname": "Zoe"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(&dird, Method::DELETE, &entry_item, "alice", Value::Null)
            .await
            .0,
        204
    );
    let (status, imported) = csv(
        &dird,
        &format!("{contacts}/import"),
        "alice",
        "firstname\nC\nD\n",
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        call(
            &dird,
            Method::DELETE,
            &format!("/0.1/phonebooks/{uuid}"),
            "alice",
            Value::Null
        )
        .await
        .0,
        204
    );

    let received: Vec<Received> = recorder
        .wait_for(14, Duration::from_secs(10))
        .await
        .into_iter()
        .filter(|m| {
            m.headers["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("personal_") || n.starts_with("phonebook_"))
        })
        .collect();
    let seen: Vec<(String, String, Value)> = received
        .iter()
        .map(|m| {
            (
                m.headers["name"].as_str().unwrap_or_default().to_owned(),
                m.routing_key.clone(),
                m.body["data"].clone(),
            )
        })
        .collect();
    let imported_ids: Vec<Value> = imported["created"]
        .as_array()
        .expect("created")
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    let personal_created: Vec<&(String, String, Value)> = seen
        .iter()
        .filter(|(n, _, _)| n == "personal_contact_created")
        .collect();
    assert_eq!(
        personal_created.len(),
        3,
        "one per created contact, imports included: {seen:#?}"
    );
    let expected = [
        (
            "personal_contact_created".to_owned(),
            format!("directory.{ALICE}.personal.created"),
            json!({"id": id, "user_uuid": ALICE}),
        ),
        (
            "personal_contact_edited".to_owned(),
            format!("directory.{ALICE}.personal.edited"),
            json!({"id": id, "user_uuid": ALICE}),
        ),
        (
            "personal_contact_deleted".to_owned(),
            format!("directory.{ALICE}.personal.deleted"),
            json!({"id": id, "user_uuid": ALICE}),
        ),
        (
            "personal_contacts_purged".to_owned(),
            format!("directory.{ALICE}.personal.purged"),
            json!({"user_uuid": ALICE, "deleted": 2}),
        ),
        (
            "phonebook_created".to_owned(),
            "directory.phonebooks.created".to_owned(),
            json!({"uuid": uuid, "tenant_uuid": MASTER, "name": "book"}),
        ),
        (
            "phonebook_edited".to_owned(),
            "directory.phonebooks.edited".to_owned(),
            json!({"uuid": uuid, "tenant_uuid": MASTER, "name": "renamed"}),
        ),
        (
            "phonebook_contact_created".to_owned(),
            "directory.phonebooks.contacts.created".to_owned(),
            json!({"uuid": entry_id, "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_contact_edited".to_owned(),
            "directory.phonebooks.contacts.edited".to_owned(),
            json!({"uuid": entry_id, "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_contact_deleted".to_owned(),
            "directory.phonebooks.contacts.deleted".to_owned(),
            json!({"uuid": entry_id, "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_contact_created".to_owned(),
            "directory.phonebooks.contacts.created".to_owned(),
            json!({"uuid": imported_ids[0], "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_contact_created".to_owned(),
            "directory.phonebooks.contacts.created".to_owned(),
            json!({"uuid": imported_ids[1], "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_deleted".to_owned(),
            "directory.phonebooks.deleted".to_owned(),
            json!({"uuid": uuid, "tenant_uuid": MASTER, "name": "renamed"}),
        ),
    ];
    for event in &expected {
        assert!(
            seen.contains(event),
            "{event:?} not published; seen {seen:#?}"
        );
    }
    assert_eq!(seen.len(), 14, "nothing else: {seen:#?}");
    for message in &received {
        let name = message.headers["name"].as_str().unwrap_or_default();
        assert_eq!(message.headers["tenant_uuid"], MASTER, "{name}");
        assert_eq!(message.headers["required_access"], format!("event.{name}"));
        assert_eq!(message.body["name"], name);
        if name.starts_with("personal_") {
            assert_eq!(
                message.headers[&format!("user_uuid:{ALICE}")],
                true,
                "{name} is alice's only"
            );
            assert!(message.headers.get("user_uuid:*").is_none(), "{name}");
        } else {
            assert_eq!(
                message.headers["user_uuid:*"], true,
                "{name} is the tenant's"
            );
        }
    }
    clean_up(
        &recorder.exchange,
        Some(&format!("{}-queue", recorder.exchange)),
    )
    .await;
}

#[tokio::test]
async fn user_data_survives_a_restart_and_stays_with_its_owner() {
    let database = TestDatabase::create().await;
    let mut dird = start(&database, json!({"enabled": false})).await;
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
    let dird = start(&database, json!({"enabled": false})).await;
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
    let dird = start(&database, json!({"enabled": false})).await;
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
