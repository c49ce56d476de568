//! The `phonebook` backend: its sources (the phonebook by `phonebook_uuid`, the name mirroring the
//! phonebook's, `unknown-phonebook`), lookups, reverse lookups and favorites through a profile,
//! `GET /backends/phonebook/sources/{uuid}/contacts`, and the cascade of a deleted phonebook. The
//! indexes behind them are tested in `phonebook_indexes.rs`.

use integration_tests::daemon::Daemon;
use integration_tests::users::{
    self, call_json as call, create_phonebook, create_phonebook_source, create_profile, get_ok,
};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const TOKENS: &str = "tokens:\n  admin: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  other: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n  - {uuid: 20000000-0000-4000-8000-000000000002, name: other, parent_uuid: null}\n";

async fn get(dird: &Daemon, path: &str) -> Value {
    get_ok(dird, path, "admin").await
}

#[tokio::test]
async fn phonebook_sources_follow_their_phonebook() {
    let (dird, _database) = users::start_with(TOKENS, "admin").await;
    let book = create_phonebook(&dird, "admin", "Société").await;
    let foreign = create_phonebook(&dird, "other", "Ailleurs").await;
    let sources = "/0.1/backends/phonebook/sources";

    let body = json!({"name": "ignored", "phonebook_uuid": book, "searched_columns": ["firstname", "lastname"],
                      "first_matched_columns": ["number"], "format_columns": {"name": "{firstname} {lastname}"}});
    let (status, source) = call(&dird, Method::POST, sources, "admin", body.clone()).await;
    assert_eq!(status, 200, "{source}");
    assert_eq!(
        (
            &source["name"],
            &source["phonebook_uuid"],
            &source["phonebook_name"],
            &source["phonebook_description"],
        ),
        (
            &json!("Société"),
            &json!(book),
            &json!("Société"),
            &json!("desc"),
        ),
        "the name is the phonebook's: {source}"
    );
    let item = format!("{sources}/{}", source["uuid"].as_str().expect("uuid"));
    assert_eq!(get(&dird, &item).await, source);

    // A second source on the same phonebook is allowed: its name is not its own.
    let (status, second) = call(
        &dird,
        Method::POST,
        sources,
        "admin",
        json!({"phonebook_uuid": book}),
    )
    .await;
    assert_eq!(
        (status, &second["name"]),
        (200, &json!("Société")),
        "{second}"
    );

    for (token, body, code, error_id) in [
        (
            "admin",
            json!({"searched_columns": ["a"]}),
            400,
            "invalid-data",
        ),
        (
            "admin",
            json!({"phonebook_uuid": "not-a-uuid"}),
            400,
            "invalid-data",
        ),
        (
            "admin",
            json!({"phonebook_uuid": "00000000-0000-4000-8000-000000000000"}),
            404,
            "unknown-phonebook",
        ),
        (
            "admin",
            json!({"phonebook_uuid": foreign}),
            404,
            "unknown-phonebook",
        ),
    ] {
        let (status, answer) = call(&dird, Method::POST, sources, token, body.clone()).await;
        assert_eq!(
            (status, &answer["error_id"]),
            (code, &json!(error_id)),
            "{body}: {answer}"
        );
    }
    let (_, refused) = call(
        &dird,
        Method::POST,
        sources,
        "admin",
        json!({"phonebook_uuid": foreign}),
    )
    .await;
    assert_eq!(
        refused["details"]["phonebook_key"],
        json!({"uuid": foreign})
    );
    assert_eq!(
        get(&dird, sources).await["total"],
        2,
        "refused sources were not stored"
    );

    // PUT what was read (read-only fields included): accepted, unchanged.
    let mut edited = source.clone();
    edited["searched_columns"] = json!(["firstname"]);
    let (status, answer) = call(&dird, Method::PUT, &item, "admin", edited.clone()).await;
    assert_eq!(status, 204, "{answer}");
    assert_eq!(
        get(&dird, &item).await["searched_columns"],
        json!(["firstname"])
    );
    let mut moved = edited.clone();
    moved["phonebook_uuid"] = json!(foreign);
    let (status, answer) = call(&dird, Method::PUT, &item, "admin", moved).await;
    assert_eq!(
        (status, &answer["error_id"]),
        (404, &json!("unknown-phonebook")),
        "{answer}"
    );
    assert_eq!(
        get(&dird, &item).await["phonebook_uuid"],
        json!(book),
        "unchanged"
    );

    // The name follows the phonebook.
    let (status, _) = call(
        &dird,
        Method::PUT,
        &format!("/0.1/phonebooks/{book}"),
        "admin",
        json!({"name": "Renamed", "description": "new"}),
    )
    .await;
    assert_eq!(status, 200);
    let renamed = get(&dird, &item).await;
    assert_eq!(
        (
            &renamed["name"],
            &renamed["phonebook_name"],
            &renamed["phonebook_description"]
        ),
        (&json!("Renamed"), &json!("Renamed"), &json!("new"))
    );
    let listed = get(&dird, "/0.1/sources").await;
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|s| s["name"] == "Renamed"),
        "{listed}"
    );

    // Deleting the phonebook deletes its sources.
    let (status, _) = call(
        &dird,
        Method::DELETE,
        &format!("/0.1/phonebooks/{book}"),
        "admin",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let (status, gone) = call(&dird, Method::GET, &item, "admin", Value::Null).await;
    assert_eq!(
        (status, &gone["error_id"]),
        (404, &json!("unknown-source")),
        "{gone}"
    );
    assert_eq!(get(&dird, sources).await["total"], 0);
}

#[tokio::test]
async fn lookups_reverse_favorites_and_the_contacts_route() {
    let (dird, _database) = users::start_with(TOKENS, "admin").await;
    let book = create_phonebook(&dird, "admin", "Company").await;
    let contacts = format!("/0.1/phonebooks/{book}/contacts");
    for contact in [
        json!({"firstname": "Élodie", "lastname": "Martin", "number": "1001"}),
        json!({"firstname": "Alice", "lastname": "Martin", "number": "1002", "mobile": "+33600000001"}),
        json!({"firstname": "Bob", "lastname": "100%_real", "number": "1003"}),
        json!({"firstname": "Алиса", "lastname": "Иванова", "number": "1004"}),
    ] {
        let (status, created) = call(&dird, Method::POST, &contacts, "admin", contact).await;
        assert_eq!(status, 201, "{created}");
    }
    let body = json!({"phonebook_uuid": book, "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number", "mobile"],
                      "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"}});
    let source = create_phonebook_source(&dird, "admin", body).await;
    create_profile(&dird, "admin", &source).await;

    let names = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> = body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                r["column_values"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        names.sort();
        names
    };
    let lookup = get(&dird, "/0.1/directories/lookup/default?term=mart").await;
    assert_eq!(names(&lookup), ["Alice Martin", "Élodie Martin"]);
    assert_eq!(lookup["results"][0]["backend"], "phonebook");
    assert_eq!(
        lookup["results"][0]["source"], "Company",
        "the source is named after the phonebook"
    );
    assert_eq!(
        names(&get(&dird, "/0.1/directories/lookup/default?term=ELO").await),
        ["Élodie Martin"],
        "accents and case ignored"
    );
    assert_eq!(
        names(
            &get(
                &dird,
                "/0.1/directories/lookup/default?term=%D0%B0%D0%BB%D0%B8"
            )
            .await
        ),
        ["Алиса Иванова"],
        "Cyrillic, case-insensitive"
    );
    assert_eq!(
        names(&get(&dird, "/0.1/directories/lookup/default?term=0%25_").await),
        ["Bob 100%_real"],
        "% and _ are literal"
    );
    assert_eq!(
        names(&get(&dird, "/0.1/directories/lookup/default?term=zzz").await),
        Vec::<String>::new()
    );

    let reverse = get(&dird, "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=%2B33600000001").await;
    assert_eq!(reverse["display"], "Alice Martin", "{reverse}");
    let reverse = get(
        &dird,
        "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=1001",
    )
    .await;
    assert_eq!(reverse["display"], "Élodie Martin", "{reverse}");
    let reverse = get(
        &dird,
        "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=100",
    )
    .await;
    assert_eq!(
        reverse["display"],
        Value::Null,
        "numbers match whole: {reverse}"
    );

    // The same answers once the phonebook is held in memory, and every change served at once.
    for _ in 0..100 {
        if dird.stderr().contains("contacts copied in memory") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        dird.stderr().contains("contacts copied in memory"),
        "never copied"
    );
    let mart = "/0.1/directories/lookup/default?term=mart";
    assert_eq!(
        names(&get(&dird, mart).await),
        ["Alice Martin", "Élodie Martin"]
    );
    assert_eq!(
        names(
            &get(
                &dird,
                "/0.1/directories/lookup/default?term=%D0%B0%D0%BB%D0%B8"
            )
            .await
        ),
        ["Алиса Иванова"]
    );
    assert_eq!(
        names(&get(&dird, "/0.1/directories/lookup/default?term=0%25_").await),
        ["Bob 100%_real"]
    );
    let marty = json!({"firstname": "Marty", "lastname": "McFly", "number": "1985"});
    let (status, marty) = call(&dird, Method::POST, &contacts, "admin", marty).await;
    assert_eq!(status, 201);
    assert_eq!(
        names(&get(&dird, mart).await),
        ["Alice Martin", "Marty McFly", "Élodie Martin"],
        "a new contact is found at once"
    );
    let reverse = get(
        &dird,
        "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=1985",
    )
    .await;
    assert_eq!(reverse["display"], "Marty McFly", "{reverse}");
    let marty_item = format!("{contacts}/{}", marty["id"].as_str().expect("id"));
    let (status, _) = call(&dird, Method::DELETE, &marty_item, "admin", Value::Null).await;
    assert_eq!(status, 204);
    assert_eq!(
        names(&get(&dird, mart).await),
        ["Alice Martin", "Élodie Martin"],
        "a deleted contact is gone at once"
    );

    let id = lookup["results"][0]["relations"]["source_entry_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, _) = call(
        &dird,
        Method::PUT,
        &format!("/0.1/directories/favorites/Company/{id}"),
        "admin",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let favorites = get(&dird, "/0.1/directories/favorites/default").await;
    assert_eq!(
        favorites["results"].as_array().map(Vec::len),
        Some(1),
        "{favorites}"
    );
    assert_eq!(
        favorites["results"][0]["relations"]["source_entry_id"],
        json!(id)
    );

    // The contacts route: {total, filtered, items}, searched, sorted, paged in the database.
    let route = format!(
        "/0.1/backends/phonebook/sources/{}/contacts",
        source["uuid"].as_str().expect("uuid")
    );
    let page = get(
        &dird,
        &format!("{route}?search=martin&order=firstname&direction=desc&limit=1"),
    )
    .await;
    assert_eq!(
        (&page["total"], &page["filtered"]),
        (&json!(4), &json!(2)),
        "{page}"
    );
    assert_eq!(page["items"][0]["firstname"], "Élodie", "{page}");
    let page = get(&dird, &format!("{route}?order=number&offset=3")).await;
    assert_eq!(
        (
            page["items"].as_array().map(Vec::len),
            &page["items"][0]["number"]
        ),
        (Some(1), &json!("1004")),
        "{page}"
    );
    let (status, refused) = call(
        &dird,
        Method::GET,
        &format!("{route}?order=nope"),
        "admin",
        Value::Null,
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    let (status, refused) = call(&dird, Method::GET, &route, "other", Value::Null).await;
    assert_eq!(
        (status, &refused["error_id"]),
        (404, &json!("unknown-source")),
        "another tenant's source: {refused}"
    );
}

#[tokio::test]
async fn copies_beyond_their_budget_are_dropped_and_lookups_stay_right() {
    let (dird, _database) = users::start_configured(
        TOKENS,
        "admin",
        json!({"contact_cache": {"max_contacts": 3}}),
    )
    .await;
    let mut sources = Vec::new();
    for name in ["first", "second"] {
        let book = create_phonebook(&dird, "admin", name).await;
        for firstname in ["Alice", "Albert"] {
            let contact = json!({"firstname": firstname, "lastname": name, "number": format!("{name}-{firstname}")});
            let path = format!("/0.1/phonebooks/{book}/contacts");
            let (status, created) = call(&dird, Method::POST, &path, "admin", contact).await;
            assert_eq!(status, 201, "{created}");
        }
        let body = json!({"phonebook_uuid": book, "searched_columns": ["firstname"],
                          "format_columns": {"name": "{firstname} {lastname}"}});
        sources.push(create_phonebook_source(&dird, "admin", body).await);
    }
    let refs: Vec<&Value> = sources.iter().collect();
    users::create_profile_over(&dird, "admin", &refs).await;
    // Four contacts in two copies of two: the budget of three holds one copy at a time.
    let lookup = integration_tests::csv_directory::lookup_path("default", "al");
    integration_tests::eventually(Duration::from_secs(10), "a copy dropped", || async {
        let found = get(&dird, &lookup).await["results"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(found, 4, "every contact found, copied or not");
        dird.stderr().contains("contact_cache.max_contacts reached")
    })
    .await;
    for _ in 0..5 {
        let found = get(&dird, &lookup).await["results"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(found, 4);
    }
}
