//! Personal contacts through `/0.1/personal`: wazo-dird's codes and legacy bodies, per-user
//! isolation, duplicates by hash (the same SHA-1 as wazo-dird, so a database it wrote keeps
//! refusing duplicates), ordering and paging, CSV export, purge, concurrency.

use integration_tests::users::{call, post_concurrently, start};
use reqwest::Method;
use serde_json::{json, Value};
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
    // wazo-dird's list-argument errors: the reason is a bare string, not a list.
    for (query, reason) in [
        ("limit=0", "limit must be a positive number"),
        ("limit=x", "invalid literal for int() with base 10: 'x'"),
        ("offset=-1", "offset must be positive number"),
        ("direction=up", "direction must be asc or desc"),
        ("order=color", "order: column 'color' was not found"),
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
        assert_eq!(body["reason"], reason, "{query}: {body}");
        assert!(body["timestamp"][0].is_f64(), "{query}: {body}");
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
        text.matches("\r\n").count(),
        text.lines().count(),
        "every line ends with CRLF, as Python's csv writes: {text:?}"
    );
    let exported = text.lines().count() - 1;
    assert_eq!(
        call(&dird, Method::DELETE, "/0.1/personal", "alice", None)
            .await
            .0,
        204
    );
    let (_, body) = call(&dird, Method::GET, "/0.1/personal", "alice", None).await;
    assert_eq!(body, json!({"items": []}));
    let (status, imported) = dird
        .post_bytes(
            "/0.1/personal/import",
            "alice",
            "text/csv; charset=utf-8",
            text.into_bytes(),
        )
        .await;
    assert_eq!(status, 201, "an export re-imports as it is: {imported}");
    assert_eq!(imported["created"].as_array().map(Vec::len), Some(exported));
    assert_eq!(imported["failed"], json!([]));
    assert_eq!(
        call(&dird, Method::DELETE, "/0.1/personal", "alice", None)
            .await
            .0,
        204
    );
}

#[tokio::test]
async fn concurrent_creates_keep_one_row_per_distinct_contact() {
    let (dird, database) = start().await;
    let distinct = (0..200)
        .map(|i| json!({"firstname": format!("User {i}")}).to_string())
        .collect();
    let statuses = post_concurrently(&dird, "/0.1/personal", "alice", distinct).await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let identical = vec![r#"{"firstname": "Same"}"#.to_owned(); 50];
    let statuses = post_concurrently(&dird, "/0.1/personal", "bob", identical).await;
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
