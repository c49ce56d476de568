//! Hand-made hostile input, beside the schemathesis run of `scripts/fuzz-api.sh`: LDAP and SQL
//! metacharacters in every text field and every search term (stored as sent, matched literally, in
//! the CSV, personal, phonebook and LDAP backends at once), a 1 MB term, invalid UTF-8 in terms,
//! bodies and imports, deeply nested JSON and GraphQL, and path parameters and `Wazo-Tenant` values
//! that are not UUIDs. Every answer is a 2xx or a 4xx in one of wazo-dird's error bodies, comes
//! within 2 s, and the daemon is still up and unchanged afterwards.

use integration_tests::api_setup::{setup, Setup, ADMIN};
use integration_tests::slapd::{Slapd, ADMIN_DN, ADMIN_PASSWORD, BASE_DN};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// LDAP filter and SQL metacharacters, injection attempts, and template braces.
const METACHARACTERS: &[&str] = &[
    "*",
    "*)(uid=*",
    ")(|(cn=*",
    "\\2a",
    "\\",
    "%",
    "_",
    "'",
    "'; DROP TABLE dird_phonebook; --",
    "\" OR 1=1 --",
    "%' OR '1'='1",
    "$1",
    "{firstname}",
    "(&)",
];

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Sends a request and checks what every answer here must be: no 5xx, within 2 s, and a 4xx in
/// one of wazo-dird's two error bodies.
async fn call(s: &Setup, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let started = Instant::now();
    let (status, answer) = s.call(method.clone(), path, ADMIN, body).await;
    checked(method.as_str(), path, status, &answer, started.elapsed());
    (status, answer)
}

fn checked(what: &str, path: &str, status: u16, answer: &Value, took: Duration) {
    let shown: String = path.chars().take(120).collect();
    assert!(status < 500, "{what} {shown}: {status} {answer}");
    assert!(
        took < Duration::from_secs(2),
        "{what} {shown} took {took:?}"
    );
    if status >= 400 && status != 413 && status != 431 {
        let new_style = answer.get("error_id").is_some() && answer.get("message").is_some();
        let legacy = answer.get("reason").is_some() && answer.get("status_code").is_some();
        // wazo-dird's own exception: a lookup without a term answers {"message": {...}}.
        let bare = answer.get("message").is_some();
        let graphql =
            path.starts_with("/0.1/graphql") && answer["errors"][0]["message"].is_string();
        assert!(
            new_style || legacy || bare || graphql,
            "{what} {shown}: {status} in no wazo-dird error body: {answer}"
        );
    }
}

fn created(status: u16, answer: &Value, what: &str) -> String {
    assert!((200..300).contains(&status), "{what}: {status} {answer}");
    answer["uuid"]
        .as_str()
        .or_else(|| answer["id"].as_str())
        .unwrap_or_else(|| panic!("{what}: no id in {answer}"))
        .to_owned()
}

/// A profile `hostile` over a csv, a personal, a phonebook and an LDAP source, each holding
/// contacts whose names carry `%`, `_` and `'`.
async fn directory(s: &Setup, slapd: &Slapd) -> String {
    let format = json!({"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"});
    let mut sources = Vec::new();
    let mut csv = s.csv_source("csv");
    csv["format_columns"] = format.clone();
    let (status, answer) = call(s, Method::POST, "/0.1/backends/csv/sources", Some(csv)).await;
    sources.push(created(status, &answer, "csv source"));
    let personal = json!({"name": "personal", "searched_columns": ["firstname", "lastname", "number"],
                          "first_matched_columns": ["number"], "format_columns": format});
    let (status, answer) = call(
        s,
        Method::POST,
        "/0.1/backends/personal/sources",
        Some(personal),
    )
    .await;
    sources.push(created(status, &answer, "personal source"));
    let (status, book) = call(
        s,
        Method::POST,
        "/0.1/phonebooks",
        Some(json!({"name": "book"})),
    )
    .await;
    let book = created(status, &book, "phonebook");
    let phonebook = json!({"name": "pb", "phonebook_uuid": book, "searched_columns": ["firstname", "lastname", "number"],
                           "first_matched_columns": ["number"], "format_columns": format});
    let (status, answer) = call(
        s,
        Method::POST,
        "/0.1/backends/phonebook/sources",
        Some(phonebook),
    )
    .await;
    sources.push(created(status, &answer, "phonebook source"));
    let ldap = json!({"name": "ldap", "ldap_uri": slapd.uri(), "ldap_base_dn": BASE_DN, "ldap_username": ADMIN_DN,
                      "ldap_password": ADMIN_PASSWORD, "unique_column": "entryUUID", "searched_columns": ["cn", "telephoneNumber"],
                      "first_matched_columns": ["telephoneNumber"],
                      "format_columns": {"firstname": "{givenName}", "lastname": "{sn}", "number": "{telephoneNumber}", "name": "{cn}", "reverse": "{cn}"}});
    let (status, answer) = call(s, Method::POST, "/0.1/backends/ldap/sources", Some(ldap)).await;
    sources.push(created(status, &answer, "ldap source"));

    for contact in [
        json!({"firstname": "Bob", "lastname": "Cent%", "number": "3001"}),
        json!({"firstname": "Under_score", "lastname": "P", "number": "3002"}),
        json!({"firstname": "Quote'Smith", "lastname": "P", "number": "3003"}),
    ] {
        let (status, answer) = call(s, Method::POST, "/0.1/personal", Some(contact)).await;
        assert_eq!(status, 201, "{answer}");
    }
    for contact in [
        json!({"firstname": "Pat", "lastname": "Pour%cent", "number": "4001"}),
        json!({"firstname": "Tom_Tom", "lastname": "B", "number": "4002"}),
    ] {
        let (status, answer) = call(
            s,
            Method::POST,
            &format!("/0.1/phonebooks/{book}/contacts"),
            Some(contact),
        )
        .await;
        assert_eq!(status, 201, "{answer}");
    }
    slapd.add(&format!(
        "dn: cn=Ldap 100%,{BASE_DN}\nobjectClass: inetOrgPerson\ncn: Ldap 100%\ngivenName: Ldap\nsn: 100%\ntelephoneNumber: 5001\n\n\
         dn: cn=Star*Man,{BASE_DN}\nobjectClass: inetOrgPerson\ncn: Star*Man\ngivenName: Star*Man\nsn: S\ntelephoneNumber: 5002\n"
    ));

    let (_, display) = call(
        s,
        Method::POST,
        "/0.1/displays",
        Some(json!({"name": "d", "columns": [{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number"}]})),
    )
    .await;
    let refs: Vec<Value> = sources.iter().map(|uuid| json!({"uuid": uuid})).collect();
    let profile = json!({"name": "hostile", "display": {"uuid": display["uuid"]},
                         "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs}, "favorites": {"sources": refs}}});
    let (status, answer) = call(s, Method::POST, "/0.1/profiles", Some(profile)).await;
    assert_eq!(status, 201, "{answer}");
    book
}

/// The names a lookup on `hostile` finds.
async fn lookup(s: &Setup, term: &str) -> Vec<String> {
    let (status, body) = call(
        s,
        Method::GET,
        &format!("/0.1/directories/lookup/hostile?term={}", encode(term)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{term:?}: {body}");
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
}

#[tokio::test]
async fn metacharacters_in_terms_match_literally_in_every_backend() {
    let slapd = Slapd::start();
    let s = setup(json!({})).await;
    let book = directory(&s, &slapd).await;

    assert_eq!(
        lookup(&s, "ali").await,
        ["Alice Martin", "Alice Wonderland"]
    );
    assert_eq!(
        lookup(&s, "%").await,
        ["Bob Cent%", "Ldap 100%", "Pat Pour%cent"],
        "% is a character, not LIKE's wildcard, in every backend"
    );
    assert_eq!(lookup(&s, "_").await, ["Tom_Tom B", "Under_score P"]);
    assert_eq!(lookup(&s, "'").await, ["Quote'Smith P"]);
    assert_eq!(
        lookup(&s, "*").await,
        ["Star*Man"],
        "* is a character, not an LDAP wildcard"
    );
    for term in METACHARACTERS {
        for name in lookup(&s, term).await {
            assert!(
                name.contains(term),
                "{term:?} found {name:?}, which does not contain it"
            );
        }
        let (status, reverse) = call(
            &s,
            Method::GET,
            &format!(
                "/0.1/directories/reverse/hostile/aaaaaaaa-0000-4000-8000-000000000001?exten={}",
                encode(term)
            ),
            None,
        )
        .await;
        assert_eq!(status, 200, "{reverse}");
        assert_eq!(
            reverse["display"],
            Value::Null,
            "reverse {term:?}: {reverse}"
        );
    }
    // The searches of the CRUD routes escape them too (`/0.1/personal` has no search, as upstream).
    for (path, expected) in [
        (
            &format!("/0.1/phonebooks/{book}/contacts?search=_") as &str,
            1,
        ),
        (
            &format!("/0.1/phonebooks/{book}/contacts?search=%25") as &str,
            1,
        ),
        ("/0.1/phonebooks?search=%25", 0),
        ("/0.1/sources?search=_", 0),
        ("/0.1/displays?search=%25", 0),
        ("/0.1/profiles?search=_", 0),
    ] {
        let (status, body) = call(&s, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        let items = body["items"].as_array().map(Vec::len).unwrap_or(usize::MAX);
        assert_eq!(items, expected, "{path}: {body}");
    }
    // GraphQL's caller-name query with every one of them as a number.
    let extens: Vec<&str> = METACHARACTERS.to_vec();
    let query = json!({"query": format!(
        "{{ me {{ contacts(profile: \"hostile\", extens: {}) {{ edges {{ node {{ wazoReverse }} }} }} }} }}",
        serde_json::to_string(&extens).expect("json"))});
    let (status, body) = call(&s, Method::POST, "/0.1/graphql", Some(query)).await;
    assert_eq!(status, 200, "{body}");
    let edges = body["data"]["me"]["contacts"]["edges"]
        .as_array()
        .expect("edges");
    assert_eq!(edges.len(), METACHARACTERS.len(), "{body}");
    assert!(edges.iter().all(|e| e["node"].is_null()), "{body}");
    let (_, books) = call(&s, Method::GET, "/0.1/phonebooks", None).await;
    assert_eq!(books["total"], 1, "the phonebook table is intact: {books}");
}

#[tokio::test]
async fn metacharacters_in_every_text_field_are_stored_as_sent() {
    let s = setup(json!({})).await;
    let (status, book) = call(
        &s,
        Method::POST,
        "/0.1/phonebooks",
        Some(json!({"name": "b"})),
    )
    .await;
    let book = created(status, &book, "phonebook");
    let csv = s.csv_source("base");
    let (status, answer) = call(&s, Method::POST, "/0.1/backends/csv/sources", Some(csv)).await;
    let base_source = created(status, &answer, "csv source");
    for (index, text) in METACHARACTERS.iter().enumerate() {
        let text = *text;
        // Personal contacts: values and keys.
        let contact = json!({"firstname": text, "lastname": text, "number": text, text: text});
        let (status, answer) = call(&s, Method::POST, "/0.1/personal", Some(contact.clone())).await;
        let id = created(status, &answer, "personal contact");
        let (_, read) = call(&s, Method::GET, &format!("/0.1/personal/{id}"), None).await;
        for key in ["firstname", "lastname", "number", text] {
            assert_eq!(read[key], text, "personal {key}: {read}");
        }
        // Phonebooks and their contacts.
        let body = json!({"name": format!("book {index} {text}"), "description": text});
        let (status, answer) = call(&s, Method::POST, "/0.1/phonebooks", Some(body)).await;
        let uuid = created(status, &answer, "phonebook");
        let (_, read) = call(&s, Method::GET, &format!("/0.1/phonebooks/{uuid}"), None).await;
        assert_eq!(read["name"], format!("book {index} {text}"), "{read}");
        assert_eq!(read["description"], text, "{read}");
        let (status, answer) = call(
            &s,
            Method::POST,
            &format!("/0.1/phonebooks/{book}/contacts"),
            Some(contact),
        )
        .await;
        let contact_uuid = created(status, &answer, "phonebook contact");
        let (_, read) = call(
            &s,
            Method::GET,
            &format!("/0.1/phonebooks/{book}/contacts/{contact_uuid}"),
            None,
        )
        .await;
        for key in ["firstname", "lastname", "number", text] {
            assert_eq!(read[key], text, "phonebook contact {key}: {read}");
        }
        // Sources, displays and profiles.
        let mut source = s.csv_source(&format!("source {index} {text}"));
        source["searched_columns"] = json!([text]);
        source["format_columns"] = json!({"name": text});
        let (status, answer) =
            call(&s, Method::POST, "/0.1/backends/csv/sources", Some(source)).await;
        let source_uuid = created(status, &answer, "csv source");
        let (_, read) = call(
            &s,
            Method::GET,
            &format!("/0.1/backends/csv/sources/{source_uuid}"),
            None,
        )
        .await;
        assert_eq!(read["name"], format!("source {index} {text}"), "{read}");
        assert_eq!(read["searched_columns"], json!([text]), "{read}");
        assert_eq!(read["format_columns"]["name"], text, "{read}");
        let display = json!({"name": format!("display {index} {text}"),
                             "columns": [{"title": text, "field": text, "default": text}]});
        let (status, answer) = call(&s, Method::POST, "/0.1/displays", Some(display)).await;
        let display_uuid = created(status, &answer, "display");
        let (_, read) = call(
            &s,
            Method::GET,
            &format!("/0.1/displays/{display_uuid}"),
            None,
        )
        .await;
        assert_eq!(read["columns"][0]["title"], text, "{read}");
        assert_eq!(read["columns"][0]["field"], text, "{read}");
        let profile = json!({"name": format!("profile {index} {text}"), "display": {"uuid": display_uuid},
                             "services": {"lookup": {"sources": [{"uuid": base_source}]}}});
        let (status, answer) = call(&s, Method::POST, "/0.1/profiles", Some(profile)).await;
        let profile_uuid = created(status, &answer, "profile");
        let (_, read) = call(
            &s,
            Method::GET,
            &format!("/0.1/profiles/{profile_uuid}"),
            None,
        )
        .await;
        assert_eq!(read["name"], format!("profile {index} {text}"), "{read}");
    }
    let n = METACHARACTERS.len();
    for (path, total) in [
        ("/0.1/phonebooks", n + 1),
        ("/0.1/displays", n),
        ("/0.1/profiles", n),
        ("/0.1/sources", n + 1),
    ] {
        let (_, listed) = call(&s, Method::GET, path, None).await;
        assert_eq!(listed["total"], total, "{path}: {listed}");
    }
    let (_, personal) = call(&s, Method::GET, "/0.1/personal", None).await;
    assert_eq!(personal["items"].as_array().map(Vec::len), Some(n));
}

/// A GET of `path` written on a socket as it is; the status of the answer.
async fn raw_get(s: &Setup, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = s.dird.address();
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nX-Auth-Token: {ADMIN}\r\nConnection: close\r\n\r\n"
    );
    // The daemon may answer and close before the whole request is written.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let head = String::from_utf8_lossy(&answer[..answer.len().min(200)]).into_owned();
    head.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head:?}"))
}

#[tokio::test]
async fn a_megabyte_term_and_invalid_utf8_are_answered_quickly() {
    let slapd = Slapd::start();
    let s = setup(json!({})).await;
    directory(&s, &slapd).await;
    let megabyte = "a".repeat(1_000_000);

    // In the URL: above the request-head limit, refused before any work (431, as HTTP says).
    // (HTTP clients refuse such a URL themselves: it is written on a socket.)
    let started = Instant::now();
    let status = raw_get(
        &s,
        &format!("/0.1/directories/lookup/hostile?term={megabyte}"),
    )
    .await;
    checked(
        "GET",
        "lookup with a 1 MB term",
        status,
        &Value::Null,
        started.elapsed(),
    );
    assert_eq!(status, 431);
    // In a body: a GraphQL number of a megabyte is served; a contact field of a megabyte is
    // refused (wazo-dird's schema indexes contact values in a btree, which holds at most 2704
    // bytes: wazo-dird answers 500) with a 400 that says so, and nothing is stored, nor is an id
    // longer than its column.
    let query = json!({"query": "query($e: [String]) { me { contacts(profile: \"hostile\", extens: $e) { edges { node { wazoReverse } } } } }",
                       "variables": {"e": [megabyte]}});
    let (status, body) = call(&s, Method::POST, "/0.1/graphql", Some(query)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["me"]["contacts"]["edges"][0]["node"],
        Value::Null
    );
    let before = s.dird.get("/0.1/personal", ADMIN, None).await.1;
    for contact in [
        json!({"firstname": "Mega", "lastname": megabyte}),
        json!({"firstname": "Long id", "id": "i".repeat(100)}),
    ] {
        let (status, answer) = call(&s, Method::POST, "/0.1/personal", Some(contact)).await;
        assert_eq!(status, 400, "{answer}");
        let reason = answer["reason"][0].as_str().unwrap_or_default();
        assert!(
            reason.starts_with("A value is too long to be stored"),
            "{answer}"
        );
    }
    let (status, book) = call(
        &s,
        Method::POST,
        "/0.1/phonebooks",
        Some(json!({"name": "mega"})),
    )
    .await;
    let book = created(status, &book, "phonebook");
    let path = format!("/0.1/phonebooks/{book}/contacts");
    let (status, answer) = call(&s, Method::POST, &path, Some(json!({"note": megabyte}))).await;
    assert_eq!(status, 400, "{answer}");
    let reason = answer["reason"][0].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("A value is too long to be stored"),
        "{answer}"
    );
    assert_eq!(s.dird.get("/0.1/personal", ADMIN, None).await.1, before);
    assert_eq!(s.dird.get(&path, ADMIN, None).await.1["total"], 0);
    assert!(lookup(&s, "mega").await.is_empty());
    assert!(lookup(&s, &"a".repeat(10_000)).await.is_empty());

    // Invalid UTF-8 in a term is read as U+FFFD, as wazo-dird's (werkzeug) query parsing does.
    let (status, body) = s
        .dird
        .get("/0.1/directories/lookup/hostile?term=%FF%FE", ADMIN, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["term"], "\u{fffd}\u{fffd}");
    assert_eq!(body["results"], json!([]));
    let (status, body) = s.dird.get("/0.1/personal?search=%C3%28", ADMIN, None).await;
    assert_eq!(status, 200, "{body}");
    // In a JSON body: not JSON (400), nothing stored.
    let before = s.dird.get("/0.1/personal", ADMIN, None).await.1["items"]
        .as_array()
        .map(Vec::len);
    for path in ["/0.1/personal", "/0.1/phonebooks", "/0.1/displays"] {
        let (status, answer) = s
            .dird
            .post_bytes(
                path,
                ADMIN,
                "application/json",
                b"{\"name\": \"\xff\xfe\", \"firstname\": \"\xc3\x28\"}".to_vec(),
            )
            .await;
        checked("POST", path, status, &answer, Duration::ZERO);
        assert_eq!(status, 400, "{path}: {answer}");
    }
    // In imports declared as UTF-8: refused as a whole (phonebook) or by row (personal).
    let (status, answer) = s
        .dird
        .post_bytes(
            "/0.1/personal/import",
            ADMIN,
            "text/csv; charset=utf-8",
            b"firstname,lastname\nBad\xff,Row\n".to_vec(),
        )
        .await;
    checked(
        "POST",
        "/0.1/personal/import",
        status,
        &answer,
        Duration::ZERO,
    );
    assert_eq!(status, 400, "{answer}");
    let after = s.dird.get("/0.1/personal", ADMIN, None).await.1["items"]
        .as_array()
        .map(Vec::len);
    assert_eq!(before, after, "nothing was stored");
    let (_, books) = s.dird.get("/0.1/phonebooks", ADMIN, None).await;
    let book = books["items"]
        .as_array()
        .and_then(|items| items.iter().find(|b| b["name"] == "book"))
        .and_then(|b| b["uuid"].as_str())
        .expect("book")
        .to_owned();
    let path = format!("/0.1/phonebooks/{book}/contacts/import");
    let (status, answer) = s
        .dird
        .post_bytes(
            &path,
            ADMIN,
            "text/csv; charset=utf-8",
            b"firstname,lastname\nBad\xff,Row\n".to_vec(),
        )
        .await;
    checked("POST", &path, status, &answer, Duration::ZERO);
    assert_eq!(status, 400, "{answer}");
    let (_, contacts) = s
        .dird
        .get(&format!("/0.1/phonebooks/{book}/contacts"), ADMIN, None)
        .await;
    assert_eq!(contacts["total"], 2, "nothing was imported: {contacts}");
}

#[tokio::test]
async fn deeply_nested_json_and_graphql_are_refused_and_the_daemon_stays_up() {
    let s = setup(json!({})).await;
    let arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let objects = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let inner = format!("{}1{}", "{\"a\":".repeat(1_000), "}".repeat(1_000));
    let deep_inside =
        format!("{{\"firstname\": {inner}, \"name\": {inner}, \"columns\": {inner}}}");
    let routes = [
        (Method::POST, "/0.1/personal"),
        (Method::POST, "/0.1/phonebooks"),
        (Method::POST, "/0.1/displays"),
        (Method::POST, "/0.1/profiles"),
        (Method::POST, "/0.1/backends/csv/sources"),
        (Method::POST, "/0.1/graphql"),
        (Method::PATCH, "/0.1/config"),
        (Method::POST, "/0.1/tenants/master/phonebooks"),
    ];
    for (method, path) in routes {
        for body in [&arrays, &objects, &deep_inside] {
            let started = Instant::now();
            let (status, answer) = s
                .dird
                .send(method.clone(), path, ADMIN, None, Some(body))
                .await;
            checked(method.as_str(), path, status, &answer, started.elapsed());
            assert_eq!(status, 400, "{method} {path}: {answer}");
        }
    }
    // A GraphQL query nested 5,000 levels deep: a GraphQL error, not a stack overflow.
    let query = format!("{{{}userUuid{}}}", "me {".repeat(5_000), "}".repeat(5_000));
    let (status, body) = call(
        &s,
        Method::POST,
        "/0.1/graphql",
        Some(json!({"query": query})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"][0]["message"].is_string(), "{body}");
    let (status, _) = call(&s, Method::GET, "/0.1/status", None).await;
    assert_eq!(status, 200, "the daemon is still up");
    for table in [
        "/0.1/personal",
        "/0.1/phonebooks",
        "/0.1/displays",
        "/0.1/profiles",
    ] {
        let (_, listed) = call(&s, Method::GET, table, None).await;
        assert_eq!(listed["items"], json!([]), "nothing was created: {listed}");
    }
}

#[tokio::test]
async fn path_parameters_and_tenants_that_are_not_uuids() {
    let s = setup(json!({})).await;
    let (status, book) = call(
        &s,
        Method::POST,
        "/0.1/phonebooks",
        Some(json!({"name": "b"})),
    )
    .await;
    let book = created(status, &book, "phonebook");
    let user = "aaaaaaaa-0000-4000-8000-000000000001";
    for bad in [
        "not-a-uuid",
        "1",
        "%27%20OR%201%3D1",
        "..%2F..%2Fetc",
        "%2A",
        "0000",
    ] {
        for (method, path) in [
            (Method::GET, format!("/0.1/phonebooks/{bad}")),
            (Method::PUT, format!("/0.1/phonebooks/{bad}")),
            (Method::DELETE, format!("/0.1/phonebooks/{bad}")),
            (Method::GET, format!("/0.1/phonebooks/{bad}/contacts")),
            (
                Method::GET,
                format!("/0.1/phonebooks/{book}/contacts/{bad}"),
            ),
            (
                Method::DELETE,
                format!("/0.1/phonebooks/{book}/contacts/{bad}"),
            ),
            (Method::GET, format!("/0.1/displays/{bad}")),
            (Method::DELETE, format!("/0.1/displays/{bad}")),
            (Method::GET, format!("/0.1/profiles/{bad}")),
            (Method::GET, format!("/0.1/backends/csv/sources/{bad}")),
            (Method::DELETE, format!("/0.1/backends/ldap/sources/{bad}")),
            (
                Method::GET,
                format!("/0.1/backends/phonebook/sources/{bad}/contacts"),
            ),
            (
                Method::GET,
                format!("/0.1/backends/wazo/sources/{bad}/contacts"),
            ),
            (Method::GET, format!("/0.1/personal/{bad}")),
            (Method::DELETE, format!("/0.1/personal/{bad}")),
            (
                Method::PUT,
                format!("/0.1/directories/favorites/{bad}/{bad}"),
            ),
            (Method::GET, format!("/0.1/directories/lookup/{bad}?term=a")),
            (
                Method::GET,
                format!("/0.1/directories/reverse/{bad}/{user}?exten=1"),
            ),
            (Method::GET, format!("/0.1/directories/{bad}/sources")),
            (Method::GET, format!("/0.1/tenants/{bad}/phonebooks")),
        ] {
            let body = matches!(method, Method::PUT).then(|| json!({"name": "x"}));
            let (status, answer) = call(&s, method.clone(), &path, body).await;
            assert_eq!(status, 404, "{method} {path}: {answer}");
        }
    }
    // Wazo-Tenant: anything but a tenant the token sees is a 401, in the route's error body.
    for tenant in [
        "not-a-uuid",
        "' OR 1=1 --",
        "*",
        "%",
        "00000000-0000-0000-0000-000000000000",
    ] {
        for path in ["/0.1/phonebooks", "/0.1/personal", "/0.1/sources"] {
            let started = Instant::now();
            let (status, answer) = s.dird.get(path, ADMIN, Some(tenant)).await;
            checked("GET", path, status, &answer, started.elapsed());
            assert_eq!(status, 401, "{path} with Wazo-Tenant {tenant:?}: {answer}");
        }
    }
    let (_, books) = call(&s, Method::GET, "/0.1/phonebooks", None).await;
    assert_eq!(books["total"], 1, "{books}");
}
