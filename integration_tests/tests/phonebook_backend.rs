//! The `phonebook` backend: its sources (the phonebook by `phonebook_uuid`, the name mirroring the
//! phonebook's, `unknown-phonebook`), lookups, reverse lookups and favorites through a profile,
//! `GET /backends/phonebook/sources/{uuid}/contacts`, the cascade of a deleted phonebook, and the
//! indexes: lookups and reverse lookups on a 25,000-contact phonebook scan no table.

use integration_tests::daemon::Daemon;
use integration_tests::users;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const TOKENS: &str = "tokens:\n  admin: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  other: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n  - {uuid: 20000000-0000-4000-8000-000000000002, name: other, parent_uuid: null}\n";

async fn call(dird: &Daemon, method: Method, path: &str, token: &str, body: Value) -> (u16, Value) {
    let body = (!body.is_null()).then(|| body.to_string());
    dird.send(method, path, token, None, body.as_deref()).await
}

async fn get(dird: &Daemon, path: &str) -> Value {
    let (status, body) = call(dird, Method::GET, path, "admin", Value::Null).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// A phonebook of `token`'s tenant; answers its uuid.
async fn phonebook(dird: &Daemon, token: &str, name: &str) -> String {
    let (status, book) = call(
        dird,
        Method::POST,
        "/0.1/phonebooks",
        token,
        json!({"name": name, "description": "desc"}),
    )
    .await;
    assert_eq!(status, 201, "{book}");
    book["uuid"].as_str().expect("uuid").to_owned()
}

/// A profile `default` looking up, reversing and listing favorites of `source`.
async fn profile(dird: &Daemon, source: &Value) {
    let columns = json!([{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number"}, {"title": "Favori", "type": "favorite", "field": "favorite"}]);
    let (_, display) = call(
        dird,
        Method::POST,
        "/0.1/displays",
        "admin",
        json!({"name": "d", "columns": columns}),
    )
    .await;
    let refs = json!([{"uuid": source["uuid"]}]);
    let body = json!({"name": "default", "display": {"uuid": display["uuid"]},
                      "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs}, "favorites": {"sources": refs}}});
    let (status, created) = call(dird, Method::POST, "/0.1/profiles", "admin", body).await;
    assert_eq!(status, 201, "{created}");
}

#[tokio::test]
async fn phonebook_sources_follow_their_phonebook() {
    let (dird, _database) = users::start_with(TOKENS, "admin").await;
    let book = phonebook(&dird, "admin", "Société").await;
    let foreign = phonebook(&dird, "other", "Ailleurs").await;
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
            &source["backend"]
        ),
        (
            &json!("Société"),
            &json!(book),
            &json!("Société"),
            &json!("desc"),
            &json!("phonebook")
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
            json!({"phonebook_uuid": book, "file": "/x"}),
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
    let book = phonebook(&dird, "admin", "Company").await;
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
    let (_, source) = call(
        &dird,
        Method::POST,
        "/0.1/backends/phonebook/sources",
        "admin",
        body,
    )
    .await;
    profile(&dird, &source).await;

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

/// The scans of `dird_contact_fields` so far: (sequential, index), as PostgreSQL counts them.
async fn scans(client: &tokio_postgres::Client) -> (i64, i64) {
    client
        .batch_execute("SELECT pg_stat_clear_snapshot()")
        .await
        .expect("snapshot");
    let row = client
        .query_one("SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'dird_contact_fields'", &[])
        .await
        .expect("stats");
    (row.get(0), row.get(1))
}

/// A daemon (with or without the in-memory contact copy) serving a profile over a 25,000-contact
/// phonebook imported through the API.
async fn large_phonebook(cache: bool) -> (Daemon, integration_tests::postgres::TestDatabase) {
    let (dird, database) = users::start_configured(
        TOKENS,
        "admin",
        json!({"contact_cache": {"enabled": cache}}),
    )
    .await;
    let book = phonebook(&dird, "admin", "Big").await;
    let mut csv = String::from("firstname,lastname,number,email\n");
    for i in 0..25_000 {
        csv.push_str(&format!(
            "First{i},Last{i},{},user{i}@example.com\n",
            100_000 + i
        ));
    }
    let (status, imported) = dird
        .post_bytes(
            &format!("/0.1/phonebooks/{book}/contacts/import"),
            "admin",
            "text/csv; charset=utf-8",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(imported["created"].as_array().map(Vec::len), Some(25_000));
    let body = json!({"phonebook_uuid": book, "searched_columns": ["firstname", "lastname", "email"], "first_matched_columns": ["number"],
                      "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"}});
    let (_, source) = call(
        &dird,
        Method::POST,
        "/0.1/backends/phonebook/sources",
        "admin",
        body,
    )
    .await;
    profile(&dird, &source).await;
    (dird, database)
}

/// Three lookups and three reverse lookups, checked.
async fn look_up(dird: &Daemon) {
    for i in [7, 12_345, 24_999] {
        let found = get(
            dird,
            &format!("/0.1/directories/lookup/default?term=last{i}"),
        )
        .await;
        assert!(
            names_contain(&found, &format!("First{i} Last{i}")),
            "{found}"
        );
        let reverse = get(
            dird,
            &format!(
                "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten={}",
                100_000 + i
            ),
        )
        .await;
        assert_eq!(reverse["display"], format!("First{i} Last{i}"));
    }
}

/// Statistics reach `pg_stat_user_tables` once the backend that counted them flushes them: at
/// most once a second while it works, and within 10 s once it is idle (PGSTAT_IDLE_INTERVAL).
async fn flushed() {
    tokio::time::sleep(Duration::from_millis(11_000)).await;
}

/// Without the in-memory copy every lookup is a query: after the import (which analyzes the
/// tables) lookups, reverse lookups and a contact-list search use indexes, never a sequential
/// scan of the fields table.
#[tokio::test]
async fn a_large_phonebook_is_searched_through_indexes() {
    let (dird, database) = large_phonebook(false).await;
    let client = database.client().await;
    flushed().await;
    let (seq_before, idx_before) = scans(&client).await;
    look_up(&dird).await;
    let page = get(&dird, "/0.1/phonebooks").await;
    let book = page["items"][0]["uuid"].as_str().expect("uuid").to_owned();
    let page = get(
        &dird,
        &format!("/0.1/phonebooks/{book}/contacts?search=user24998%40&limit=5"),
    )
    .await;
    assert_eq!(page["total"], 1, "{page}");
    flushed().await;
    let (seq_after, idx_after) = scans(&client).await;
    assert!(
        idx_after >= idx_before + 7,
        "index scans counted: {idx_before} → {idx_after}"
    );
    assert_eq!(
        seq_after, seq_before,
        "no sequential scan of dird_contact_fields"
    );
}

/// With the in-memory copy (the default), the phonebook is read once; then lookups and reverse
/// lookups do not touch the fields table at all (the previous test shows that the same requests
/// are counted when they reach PostgreSQL).
#[tokio::test]
async fn a_large_phonebook_held_in_memory_is_read_once() {
    let (dird, database) = large_phonebook(true).await;
    let client = database.client().await;
    look_up(&dird).await;
    // The copy loads in the background after the first lookup.
    let loaded = |dird: &Daemon| dird.stderr().contains("contacts copied in memory");
    for _ in 0..600 {
        if loaded(&dird) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(loaded(&dird), "the phonebook was never copied in memory");
    flushed().await;
    let before = scans(&client).await;
    look_up(&dird).await;
    look_up(&dird).await;
    flushed().await;
    assert_eq!(scans(&client).await, before, "lookups answered from memory");
}

fn names_contain(body: &Value, name: &str) -> bool {
    body["results"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["column_values"][0] == name))
}
