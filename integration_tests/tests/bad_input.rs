//! Bad input is refused before it reaches PostgreSQL, in wazo-dird's error bodies, and changes
//! nothing: NUL characters in stored text, ids and query parameters (PostgreSQL's text cannot
//! hold them: they used to answer 500 "A database query failed"), and a `Wazo-Tenant` that is not
//! ASCII (the token's own tenant used to be served).

use integration_tests::api_setup::{setup, Setup, ADMIN};
use integration_tests::dird_client::{assert_keys, upstream};
use reqwest::Method;
use serde_json::{json, Value};

async fn send(s: &Setup, method: Method, path: &str, body: Option<&str>) -> (u16, Value) {
    s.dird.send(method, path, ADMIN, None, body).await
}

/// A CSV import of `text` (UTF-8) to `path`.
async fn import(s: &Setup, path: &str, text: &str) -> (u16, Value) {
    s.dird
        .post_bytes(
            path,
            ADMIN,
            "text/csv; charset=utf-8",
            text.as_bytes().to_vec(),
        )
        .await
}

#[tokio::test]
async fn nul_characters_in_stored_text_are_refused_and_nothing_changes() {
    let s = setup(json!({})).await;
    // (path, body, legacy error body?)
    let cases = [
        ("/0.1/personal", r#"{"firstname": "a\u0000b"}"#, true),
        ("/0.1/personal", r#"{"a\u0000": "b"}"#, true),
        ("/0.1/phonebooks", r#"{"name": "a\u0000b"}"#, true),
        (
            "/0.1/backends/csv/sources",
            r#"{"name": "a\u0000b", "file": "/tmp/x.csv"}"#,
            false,
        ),
        (
            "/0.1/backends/personal/sources",
            r#"{"name": "p", "searched_columns": ["first\u0000name"]}"#,
            false,
        ),
        (
            "/0.1/displays",
            r#"{"name": "d", "columns": [{"title": "x\u0000", "field": "name"}]}"#,
            false,
        ),
    ];
    for (path, body, legacy) in cases {
        let (status, answer) = send(&s, Method::POST, path, Some(body)).await;
        assert_eq!(status, 400, "{path} {body}: {answer}");
        if legacy {
            assert_keys(&answer, upstream::LEGACY_ERROR, path);
            let reason = answer["reason"][0].as_str().unwrap_or_default();
            assert!(reason.contains("NUL"), "{path}: {answer}");
        } else {
            assert_keys(&answer, upstream::ERROR, path);
            assert_eq!(answer["error_id"], "invalid-data", "{answer}");
        }
    }
    let (_, display) = send(
        &s,
        Method::POST,
        "/0.1/displays",
        Some(r#"{"name": "d", "columns": [{"title": "x\u0000", "field": "name"}]}"#),
    )
    .await;
    assert_eq!(
        display["details"]["columns.0.title"]["constraint_id"],
        "nul"
    );

    for (path, what) in [
        ("/0.1/personal", "items"),
        ("/0.1/phonebooks", "items"),
        ("/0.1/sources", "items"),
        ("/0.1/displays", "items"),
    ] {
        let (status, list) = send(&s, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {list}");
        assert_eq!(list[what], json!([]), "{path}: nothing was stored");
    }
}

#[tokio::test]
async fn nul_characters_in_imports_ids_and_queries_are_refused() {
    let s = setup(json!({})).await;
    let (status, book) = send(
        &s,
        Method::POST,
        "/0.1/phonebooks",
        Some(r#"{"name": "b"}"#),
    )
    .await;
    assert_eq!(status, 201, "{book}");
    let contacts = format!(
        "/0.1/phonebooks/{}/contacts",
        book["uuid"].as_str().unwrap_or_default()
    );

    // A phonebook import is all or nothing: the row is a bad contact, nothing is imported.
    let (status, answer) = import(
        &s,
        &format!("{contacts}/import"),
        "firstname,number\nAlice,1001\nBo\u{0}b,1002\n",
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["error_id"], "phonebook-contact-import-bad-contacts",
        "{answer}"
    );
    assert_eq!(answer["details"]["errors"][0]["index"], 1, "{answer}");
    let (_, listed) = send(&s, Method::GET, &contacts, None).await;
    assert_eq!(listed["total"], 0, "{listed}");
    let (status, answer) = send(
        &s,
        Method::POST,
        &contacts,
        Some(r#"{"firstname": "Bo\u0000b"}"#),
    )
    .await;
    assert_eq!(status, 400, "{answer}");

    // A personal import fails the row and keeps the others, as wazo-dird does with bad rows.
    let (status, answer) = import(
        &s,
        "/0.1/personal/import",
        "firstname,number\nAlice,1001\nBo\u{0}b,1002\n",
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        answer["created"].as_array().map(Vec::len),
        Some(1),
        "{answer}"
    );
    assert_eq!(
        answer["failed"].as_array().map(Vec::len),
        Some(1),
        "{answer}"
    );

    // Ids: nothing by that name (404), in the error body of the route's access rule.
    for (method, path, legacy) in [
        (Method::GET, "/0.1/personal/%00".to_owned(), true),
        (Method::DELETE, "/0.1/personal/a%00b".to_owned(), true),
        (Method::GET, format!("{contacts}/%00"), false),
        (
            Method::PUT,
            "/0.1/directories/favorites/personal/%00".to_owned(),
            true,
        ),
        (Method::GET, "/0.1/displays/%00".to_owned(), false),
    ] {
        let (status, answer) = send(&s, method.clone(), &path, None).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        let expected = if legacy {
            upstream::LEGACY_ERROR
        } else {
            upstream::ERROR
        };
        assert_keys(&answer, expected, &path);
    }

    // Query parameters: 400.
    for (path, legacy) in [
        ("/0.1/personal?search=a%00b", true),
        ("/0.1/directories/lookup/default?term=a%00b", true),
        ("/0.1/sources?search=%00", false),
        ("/0.1/phonebooks?search=a%00", false),
    ] {
        let (status, answer) = send(&s, Method::GET, path, None).await;
        assert_eq!(status, 400, "{path}: {answer}");
        let expected = if legacy {
            upstream::LEGACY_ERROR
        } else {
            upstream::ERROR
        };
        assert_keys(&answer, expected, path);
    }
    let (status, _) = send(&s, Method::GET, "/0.1/status", None).await;
    assert_eq!(status, 200, "the daemon is still up");
}

#[tokio::test]
async fn a_wazo_tenant_that_is_not_ascii_is_refused() {
    let s = setup(json!({})).await;
    let response = reqwest::Client::new()
        .get(s.dird.url("/0.1/sources"))
        .header("X-Auth-Token", ADMIN)
        .header(
            "Wazo-Tenant",
            reqwest::header::HeaderValue::from_bytes("t\u{e9}nant".as_bytes()).expect("header"),
        )
        .send()
        .await
        .expect("wazo-dird answers");
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error_id"], "unauthorized", "{body}");
    assert_eq!(
        body["details"]["reason"],
        "missing_permission_or_invalid_tenant"
    );
    let (status, _) = send(&s, Method::GET, "/0.1/sources", None).await;
    assert_eq!(
        status, 200,
        "without the header the token's tenant is served"
    );
}

#[tokio::test]
async fn a_body_above_its_limit_is_refused_before_it_is_read() {
    let s = setup(json!({"rest_api": {"max_body_size": 65536}})).await;
    // A JSON body of 100 KiB: above the JSON limit.
    let big = json!({"firstname": "x".repeat(100 * 1024)}).to_string();
    let (status, answer) = send(&s, Method::POST, "/0.1/personal", Some(&big)).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error_id"], "payload-too-large", "{answer}");
    assert_eq!(answer["details"]["limit"], 65536, "{answer}");
    let (_, listed) = send(&s, Method::GET, "/0.1/personal", None).await;
    assert_eq!(listed["items"], json!([]), "nothing was created");

    // A CSV import of the same size is under the import limit.
    let mut csv = String::from("firstname,lastname\n");
    for index in 0..5_000 {
        csv.push_str(&format!("First{index},Last{index}\n"));
    }
    assert!(csv.len() > 65536);
    let (status, answer) = import(&s, "/0.1/personal/import", &csv).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["created"].as_array().map(Vec::len), Some(5_000));
}

/// Sends `body` to `path` in 4 KiB chunks, without Content-Length; the status and the body.
async fn post_chunked(s: &Setup, path: &str, body: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = s.dird.address();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nX-Auth-Token: {ADMIN}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.as_bytes().chunks(4096) {
        let sent = async {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await
        };
        // The daemon may answer and close before the whole body is sent.
        if sent.await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer:?}"));
    let (headers, rest) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    // The answer itself may be chunked: its JSON is between the first `{` and the last `}`.
    let json = match (rest.find('{'), rest.rfind('}')) {
        (Some(start), Some(end)) => serde_json::from_str(&rest[start..=end]).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    assert!(headers.starts_with("HTTP/1.1"), "{headers}");
    (status, json)
}

#[tokio::test]
async fn a_chunked_body_is_read_up_to_its_limit_only() {
    let s = setup(json!({"rest_api": {"max_body_size": 65536}})).await;
    let big = json!({"firstname": "x".repeat(100 * 1024)}).to_string();
    let (status, answer) = post_chunked(&s, "/0.1/personal", &big).await;
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["error_id"], "payload-too-large", "{answer}");
    assert_eq!(answer["details"]["limit"], 65536, "{answer}");
    let (_, listed) = send(&s, Method::GET, "/0.1/personal", None).await;
    assert_eq!(listed["items"], json!([]), "nothing was created");

    // Under the limit, a chunked body is served as any other.
    let small = json!({"firstname": "Alice", "lastname": "x".repeat(20_000)}).to_string();
    let (status, answer) = post_chunked(&s, "/0.1/personal", &small).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["firstname"], "Alice");
}
