//! Personal contacts through `/0.1/personal`: wazo-dird's codes and legacy bodies, per-user
//! isolation, duplicates by hash (the same SHA-1 as wazo-dird, so a database it wrote keeps
//! refusing duplicates), ordering and paging, CSV export, purge, concurrency.

use integration_tests::daemon::{base_config, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const TOKENS: &str = "tokens:\n  alice: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  bob: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  service: {tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

async fn start() -> (Daemon, TestDatabase) {
    let database = TestDatabase::create().await;
    let dir = shared_tempdir();
    let config = base_config(
        free_port(),
        json!({"auth": static_auth(dir.path(), TOKENS), "db_uri": database.uri()}),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("alice", "database", "ok", Duration::from_secs(15))
        .await;
    (dird, database)
}

async fn call(
    dird: &Daemon,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> (u16, Value) {
    dird.send(method, path, token, None, body).await
}

fn names(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["firstname"].as_str().unwrap_or("-").to_owned())
        .collect()
}

#[tokio::test]
async fn crud_with_wazo_dirds_codes_and_hash() {
    let (dird, database) = start().await;
    let (status, alice) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"firstname": "Alice", "lastname": "Martin"}"#),
    )
    .await;
    assert_eq!(status, 201, "{alice}");
    let id = alice["id"].as_str().expect("id").to_owned();
    assert_eq!(
        alice,
        json!({"id": id, "firstname": "Alice", "lastname": "Martin"})
    );
    let client = database.client().await;
    let hash: String = client
        .query_one("SELECT hash FROM dird_contact WHERE uuid = $1", &[&id])
        .await
        .expect("row")
        .get(0);
    assert_eq!(
        hash, "aa0e896345a8ac28438461633715c8a174e9b82f",
        "python's sha1(json.dumps(fields, sort_keys=True))"
    );

    let (status, body) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"lastname": "Martin", "firstname": "Alice"}"#),
    )
    .await;
    assert_eq!(status, 409, "same fields, same hash: {body}");
    assert!(
        body["reason"][0]
            .as_str()
            .is_some_and(|r| r.contains("duplicate")),
        "{body}"
    );
    let (status, _) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "bob",
        Some(r#"{"lastname": "Martin", "firstname": "Alice"}"#),
    )
    .await;
    assert_eq!(status, 201, "duplicates are per user");

    let (status, with_id) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"id": "my-own-id", "firstname": "Élodie", "number": "1002"}"#),
    )
    .await;
    assert_eq!(
        (status, with_id["id"].clone()),
        (201, json!("my-own-id")),
        "any string id is kept"
    );
    let hash: String = client
        .query_one(
            "SELECT hash FROM dird_contact WHERE uuid = 'my-own-id'",
            &[],
        )
        .await
        .expect("row")
        .get(0);
    assert_eq!(
        hash, "de5acc70e432ef3f5211871c61dc395ce2b2f405",
        "non-ASCII escaped as python does"
    );
    let (status, empty) = call(&dird, Method::POST, "/0.1/personal", "alice", Some("{}")).await;
    assert_eq!(
        (status, empty.as_object().map(|o| o.len())),
        (201, Some(1)),
        "{{}} is an empty contact"
    );
    for bad in [r#"{"a": 1}"#, r#"{"": "x"}"#, "[]", "not json", ""] {
        let (status, body) = call(&dird, Method::POST, "/0.1/personal", "alice", Some(bad)).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["reason"].is_array(), "legacy body: {body}");
    }

    let (status, read) = call(
        &dird,
        Method::GET,
        &format!("/0.1/personal/{id}"),
        "alice",
        None,
    )
    .await;
    assert_eq!((status, read["firstname"].clone()), (200, json!("Alice")));
    let (status, _) = call(
        &dird,
        Method::GET,
        &format!("/0.1/personal/{id}"),
        "bob",
        None,
    )
    .await;
    assert_eq!(status, 404, "another user's contact is invisible");
    let (status, updated) = call(
        &dird,
        Method::PUT,
        &format!("/0.1/personal/{id}"),
        "alice",
        Some(r#"{"firstname": "Alicia"}"#),
    )
    .await;
    assert_eq!(
        (status, updated),
        (200, json!({"id": id, "firstname": "Alicia"})),
        "PUT replaces every field, keeps the id"
    );
    let (status, _) = call(
        &dird,
        Method::PUT,
        &format!("/0.1/personal/{id}"),
        "alice",
        Some(r#"{"id": "x", "firstname": "Élodie", "number": "1002"}"#),
    )
    .await;
    assert_eq!(status, 409, "a PUT that would duplicate another contact");
    let (_, read) = call(
        &dird,
        Method::GET,
        &format!("/0.1/personal/{id}"),
        "alice",
        None,
    )
    .await;
    assert_eq!(read["firstname"], "Alicia", "a refused PUT changes nothing");
    let (status, body) = call(
        &dird,
        Method::DELETE,
        "/0.1/personal/unknown",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (404, json!(["No such contact: unknown"]))
    );
    assert_eq!(
        call(
            &dird,
            Method::DELETE,
            &format!("/0.1/personal/{id}"),
            "alice",
            None
        )
        .await
        .0,
        204
    );
    let (status, body) = call(&dird, Method::GET, "/0.1/personal", "service", None).await;
    assert_eq!(
        (status, body["reason"].clone()),
        (401, json!(["This token has no user UUID"]))
    );
}

#[tokio::test]
async fn listing_order_paging_export_and_purge() {
    let (dird, _database) = start().await;
    let (status, _) = dird
        .send(
            Method::GET,
            "/0.1/personal?format=text/csv",
            "alice",
            None,
            None,
        )
        .await;
    assert_eq!(status, 204, "an empty export");
    for (first, last) in [("zoé", "Z"), ("Élodie", "E"), ("bob", "B"), ("Alice", "A")] {
        let body = json!({"firstname": first, "lastname": last});
        assert_eq!(
            call(
                &dird,
                Method::POST,
                "/0.1/personal",
                "alice",
                Some(&body.to_string())
            )
            .await
            .0,
            201
        );
    }
    assert_eq!(
        call(
            &dird,
            Method::POST,
            "/0.1/personal",
            "alice",
            Some(r#"{"firstname": "Xavier", "email": "x@example.com"}"#)
        )
        .await
        .0,
        201
    );
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/personal?order=firstname",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        names(&body),
        ["Alice", "bob", "Élodie", "Xavier", "zoé"],
        "case- and accent-insensitive"
    );
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/personal?order=firstname&direction=desc&limit=2&offset=1",
        "alice",
        None,
    )
    .await;
    assert_eq!(names(&body), ["Xavier", "Élodie"]);
    for (query, reason) in [
        ("limit=0", "limit must be a positive number"),
        ("order=color", "color"),
    ] {
        let (status, body) = call(
            &dird,
            Method::GET,
            &format!("/0.1/personal?{query}"),
            "alice",
            None,
        )
        .await;
        assert_eq!(status, 400, "{query}");
        assert!(
            body["reason"][0]
                .as_str()
                .is_some_and(|r| r.contains(reason)),
            "{query}: {body}"
        );
    }
    let response = dird
        .http
        .get(dird.url("/0.1/personal?format=text/csv&order=firstname"))
        .header("X-Auth-Token", "alice")
        .send()
        .await
        .expect("csv");
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let text = response.text().await.expect("text");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("email,firstname,id,lastname"),
        "the sorted union of the keys"
    );
    assert!(
        lines
            .next()
            .is_some_and(|line| line.starts_with(",Alice,") && line.ends_with(",A")),
        "{text}"
    );
    assert_eq!(
        call(&dird, Method::DELETE, "/0.1/personal", "alice", None)
            .await
            .0,
        204
    );
    let (_, body) = call(&dird, Method::GET, "/0.1/personal", "alice", None).await;
    assert_eq!(body, json!({"items": []}));
}

#[tokio::test]
async fn concurrent_creates_keep_one_row_per_distinct_contact() {
    let (dird, database) = start().await;
    let distinct = (0..200).map(|i| {
        let body = json!({"firstname": format!("User {i}")}).to_string();
        let dird = &dird;
        async move {
            call(dird, Method::POST, "/0.1/personal", "alice", Some(&body))
                .await
                .0
        }
    });
    let statuses = futures_util::future::join_all(distinct).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let identical = (0..50).map(|_| {
        let dird = &dird;
        async move {
            call(
                dird,
                Method::POST,
                "/0.1/personal",
                "bob",
                Some(r#"{"firstname": "Same"}"#),
            )
            .await
            .0
        }
    });
    let statuses = futures_util::future::join_all(identical).await;
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
    let client = database.client().await;
    let rows: i64 = client
        .query_one("SELECT count(*) FROM dird_contact", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(rows, 201);
}

#[tokio::test]
async fn the_personal_backend_serves_lookups_reverse_and_the_personal_view() {
    let (dird, _database) = start().await;
    let source = json!({"name": "personal", "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number", "mobile"],
                        "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"}});
    let (status, created) = call(
        &dird,
        Method::POST,
        "/0.1/backends/personal/sources",
        "alice",
        Some(&source.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let (status, body) = call(
        &dird,
        Method::POST,
        "/0.1/backends/personal/sources",
        "alice",
        Some(r#"{"name": "p2", "file": "/x"}"#),
    )
    .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("invalid-data")),
        "personal has no field of its own"
    );
    let columns = json!([{"title": "Nom", "field": "name"}, {"title": "Perso", "type": "personal", "field": "personal"}, {"title": "Favori", "type": "favorite", "field": "favorite"}]);
    let (_, display) = call(
        &dird,
        Method::POST,
        "/0.1/displays",
        "alice",
        Some(&json!({"name": "d", "columns": columns}).to_string()),
    )
    .await;
    let refs = json!([{"uuid": created["uuid"]}]);
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs}, "favorites": {"sources": refs}}});
    assert_eq!(
        call(
            &dird,
            Method::POST,
            "/0.1/profiles",
            "alice",
            Some(&profile.to_string())
        )
        .await
        .0,
        201
    );

    let (_, elodie) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"firstname": "Élodie", "lastname": "Béranger", "number": "1002"}"#),
    )
    .await;
    call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"firstname": "Marc", "lastname": "100%_real", "mobile": "+33600000009"}"#),
    )
    .await;
    call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "bob",
        Some(r#"{"firstname": "Eloise", "lastname": "Bob's"}"#),
    )
    .await;

    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=ELO",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        body["results"].as_array().map(Vec::len),
        Some(1),
        "alice's only, accent-insensitive: {body}"
    );
    assert_eq!(
        body["results"][0]["column_values"],
        json!(["Élodie Béranger", true, false])
    );
    assert_eq!(body["results"][0]["backend"], "personal");
    assert_eq!(
        body["results"][0]["relations"]["source_entry_id"],
        elodie["id"]
    );
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=100%25",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        body["results"][0]["column_values"][0], "Marc 100%_real",
        "% is literal"
    );
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=0%25_",
        "alice",
        None,
    )
    .await;
    assert_eq!(body["results"].as_array().map(Vec::len), Some(1));
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=el",
        "bob",
        None,
    )
    .await;
    assert_eq!(
        body["results"][0]["column_values"][0], "Eloise Bob's",
        "bob's own"
    );

    let (_, body) = call(&dird, Method::GET, "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=%2B33600000009", "alice", None).await;
    assert_eq!(
        body["display"], "Marc 100%_real",
        "the path's user drives personal contacts"
    );

    let favorite = format!(
        "/0.1/directories/favorites/personal/{}",
        elodie["id"].as_str().expect("id")
    );
    assert_eq!(
        call(&dird, Method::PUT, &favorite, "alice", None).await.0,
        204
    );
    let (status, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/personal/default",
        "alice",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut rows: Vec<Value> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["column_values"].clone())
        .collect();
    rows.sort_by_key(ToString::to_string);
    assert_eq!(
        rows,
        [
            json!(["Marc 100%_real", true, false]),
            json!(["Élodie Béranger", true, true])
        ]
    );
}

async fn import(dird: &Daemon, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = dird
        .http
        .post(dird.url("/0.1/personal/import"))
        .header("X-Auth-Token", token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("import");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn csv_import_reports_each_bad_line_and_reads_the_charset() {
    let (dird, database) = start().await;
    let (_, existing) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"id": "taken", "firstname": "Existing"}"#),
    )
    .await;
    assert_eq!(existing["id"], "taken");
    let csv = "firstname,lastname,number\nAlice,Martin,1001\nBob,Marley\nÉlodie,Béranger,1002,extra\nAlice,Martin,1001\n";
    let (status, body) = import(&dird, "alice", "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["created"].as_array().map(Vec::len),
        Some(2),
        "an identical row counts as the contact it is: {body}"
    );
    assert_eq!(body["created"][0]["id"], body["created"][1]["id"]);
    let lines: Vec<u64> = body["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| f["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lines, [3, 4], "too few and too many fields");
    let (status, body) = import(
        &dird,
        "alice",
        "text/csv",
        b"id,firstname\ntaken,Again\n".to_vec(),
    )
    .await;
    assert_eq!(status, 400, "nothing created (an existing id): {body}");

    // CP1252 (and its ISO-8859-1 subset).
    let latin: Vec<u8> = "firstname,lastname\nFrançoise,Dupré\n"
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let (status, body) = import(&dird, "alice", "text/csv; charset=cp1252", latin).await;
    assert_eq!(
        (status, body["created"][0]["firstname"].clone()),
        (201, json!("Françoise")),
        "{body}"
    );
    let (status, _) = import(&dird, "alice", "text/csv", vec![0xff, 0xfe, b'\n']).await;
    assert_eq!(status, 400, "undecodable UTF-8");

    // A large import is one transaction.
    let mut big = String::from("firstname,lastname,number\n");
    for i in 0..10_000 {
        big.push_str(&format!("First{i},Last{i},{}\n", 100_000 + i));
    }
    let started = std::time::Instant::now();
    let (status, body) = import(&dird, "bob", "text/csv; charset=utf-8", big.into_bytes()).await;
    let elapsed = started.elapsed();
    assert_eq!(
        (status, body["created"].as_array().map(Vec::len)),
        (201, Some(10_000))
    );
    eprintln!("10,000-row import: {elapsed:?}");
    let client = database.client().await;
    let count: i64 = client
        .query_one("SELECT count(*) FROM dird_contact WHERE user_uuid = '10000000-0000-4000-8000-00000000000b'", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 10_000);
}
