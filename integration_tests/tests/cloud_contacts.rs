//! The `google` and `office365` backends against stand-ins for Google's People API, Microsoft
//! Graph and wazo-auth's external tokens: each user's own address book in lookups, reverse
//! lookups, favorites, GraphQL and the contacts routes; a user without an account; an expired
//! token; a slow provider cut at the source's timeout; the kept book answering while it is
//! refreshed; one fetch for 50 concurrent lookups; paging; the source bodies' defaults.

use integration_tests::api_setup::{setup, Setup, ADMIN};
use integration_tests::auth_stand_in::MASTER_TENANT;
use integration_tests::cloud_stand_in::{graph_contact, person, CloudStandIn};
use integration_tests::daemon::merge;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The user of the `ADMIN` token.
const USER: &str = "aaaaaaaa-0000-4000-8000-000000000001";
/// A user of the same tenant without Google or Microsoft account.
const NOBODY: &str = "nobody-token";
const NOBODY_UUID: &str = "bbbbbbbb-0000-4000-8000-000000000009";
const GOOGLE_TOKEN: &str = "google-access-token-of-user";
const MICROSOFT_TOKEN: &str = "microsoft-access-token-of-user";

fn mario() -> Value {
    person(
        "38ad74eb0f67d221",
        "Mario",
        "Bros",
        &[("work", "555-555-1234"), ("mobile", "(555) 555-8888")],
        "mario@bros.example.com",
    )
}

fn luigi() -> Value {
    person(
        "3ef7a14009000bb7",
        "Luigi",
        "Bros",
        &[("home", "555-555-4567")],
        "luigi@bros.example.com",
    )
}

async fn start(cloud: &CloudStandIn, config: Value) -> Setup {
    let mut declared = json!({"cloud_contacts": {"google_url": cloud.url(), "microsoft_url": cloud.url(), "timeout": 5}});
    merge(&mut declared, config);
    let s = setup(declared).await;
    s.auth.add_token(
        NOBODY,
        Some(NOBODY_UUID),
        MASTER_TENANT,
        &["__accept_all__"],
    );
    s.auth.set_external(USER, "google", GOOGLE_TOKEN);
    s.auth.set_external(USER, "microsoft", MICROSOFT_TOKEN);
    cloud.set_people(GOOGLE_TOKEN, vec![mario(), luigi()]);
    cloud.set_contacts(
        MICROSOFT_TOKEN,
        vec![
            graph_contact("an-id", "Wario", "Bros", "5550001", ""),
            graph_contact("another-id", "Waluigi", "Bros", "5550002", "0600000002"),
        ],
    );
    s
}

async fn call(
    s: &Setup,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    s.call(method, path, token, body).await
}

/// The stand-in wazo-auth, for a source's `auth` (wazo-dird's default prefix is nginx's `/api/auth`).
fn auth(s: &Setup) -> Value {
    let mut auth = s.auth.config();
    auth["prefix"] = Value::Null;
    auth
}

/// A csv, a google and an office365 source in the profile `default`; the two sources' uuids.
async fn directory(s: &Setup, timeout: Option<f64>) -> (String, String) {
    let mut google = json!({"name": "google", "auth": auth(s), "searched_columns": ["name", "numbers", "emails"],
                            "first_matched_columns": ["numbers"],
                            "format_columns": {"phone": "{numbers[0]}", "email": "{emails[0][address]}"}});
    // The office365 source keeps wazo-dird's default endpoint: cloud_contacts.microsoft_url routes it.
    let mut office = json!({"name": "office365", "auth": auth(s), "searched_columns": ["givenName", "surname", "businessPhones"],
                            "first_matched_columns": ["businessPhones", "mobilePhone"],
                            "format_columns": {"name": "{givenName} {surname}", "phone": "{businessPhones[0]}", "email": "{email}",
                                               "reverse": "{givenName} {surname}"}});
    if let Some(timeout) = timeout {
        google["timeout"] = json!(timeout);
        office["timeout"] = json!(timeout);
    }
    let mut uuids = Vec::new();
    for (backend, body) in [
        ("google", google),
        ("office365", office),
        ("csv", s.csv_source("csv")),
    ] {
        let (status, created) = call(
            s,
            Method::POST,
            &format!("/0.1/backends/{backend}/sources"),
            ADMIN,
            Some(body),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {created}");
        uuids.push(created["uuid"].as_str().expect("uuid").to_owned());
    }
    let columns = json!([{"title": "Nom", "field": "name"}, {"title": "Numéro", "type": "number", "field": "phone"},
                         {"title": "Courriel", "field": "email"}, {"title": "Favori", "type": "favorite", "field": "favorite"}]);
    let (_, display) = call(
        s,
        Method::POST,
        "/0.1/displays",
        ADMIN,
        Some(json!({"name": "d", "columns": columns})),
    )
    .await;
    let refs: Vec<Value> = uuids.iter().map(|uuid| json!({"uuid": uuid})).collect();
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]},
                         "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs}, "favorites": {"sources": refs}}});
    let (status, answer) = call(s, Method::POST, "/0.1/profiles", ADMIN, Some(profile)).await;
    assert_eq!(status, 201, "{answer}");
    (uuids[0].clone(), uuids[1].clone())
}

/// The rows of a lookup: (backend, column values).
async fn lookup(s: &Setup, token: &str, term: &str) -> Vec<(String, Value)> {
    let (status, body) = call(
        s,
        Method::GET,
        &format!("/0.1/directories/lookup/default?term={term}"),
        token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["backend"].as_str().unwrap_or_default().to_owned(),
                r["column_values"].clone(),
            )
        })
        .collect()
}

fn names(rows: &[(String, Value)]) -> Vec<String> {
    let mut names: Vec<String> = rows
        .iter()
        .map(|(_, values)| values[0].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn lookups_reverse_favorites_and_graphql_read_each_users_address_book() {
    let cloud = CloudStandIn::start();
    let s = start(&cloud, json!({})).await;
    let (google, office) = directory(&s, None).await;

    let rows = lookup(&s, ADMIN, "mario").await;
    assert_eq!(
        rows,
        [(
            "google".to_owned(),
            json!(["Mario Bros", "5555551234", "mario@bros.example.com", false])
        )]
    );
    assert_eq!(names(&lookup(&s, ADMIN, "wario").await), ["Wario Bros"]);
    assert_eq!(
        names(&lookup(&s, ADMIN, "bros").await),
        ["Luigi Bros", "Mario Bros", "Waluigi Bros", "Wario Bros"]
    );
    assert_eq!(names(&lookup(&s, ADMIN, "ali").await), ["Alice Martin"]);

    // Reverse lookups: Google shows the name (no `reverse` column), Microsoft the source's column.
    for (exten, display, backend) in [
        ("5555551234", "Mario Bros", "google"),
        ("5555558888", "Mario Bros", "google"),
        ("0600000002", "Waluigi Bros", "office365"),
        // By the book's number index: the same last seven digits, one contact only.
        ("555-1234", "Mario Bros", "google"),
    ] {
        let (status, body) = call(
            &s,
            Method::GET,
            &format!("/0.1/directories/reverse/default/{USER}?exten={exten}"),
            ADMIN,
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["display"], display, "{exten}: {body}");
        assert_eq!(
            body["source"], backend,
            "the source is named after its backend here: {body}"
        );
    }

    // Favorites: by the contact's id, shown with the rest of the user's book.
    let (status, _) = call(
        &s,
        Method::PUT,
        "/0.1/directories/favorites/google/38ad74eb0f67d221",
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(
        &s,
        Method::PUT,
        "/0.1/directories/favorites/office365/an-id",
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, favorites) = call(
        &s,
        Method::GET,
        "/0.1/directories/favorites/default",
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 200, "{favorites}");
    let mut favorite_names: Vec<&str> = favorites["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["column_values"][0].as_str())
        .collect();
    favorite_names.sort_unstable();
    assert_eq!(favorite_names, ["Mario Bros", "Wario Bros"]);
    assert_eq!(
        lookup(&s, ADMIN, "mario").await[0].1[3],
        true,
        "marked as a favorite in lookups"
    );

    // GraphQL: wazo-agid's caller-name query.
    let query = json!({"query": "{ me { contacts(profile: \"default\", extens: [\"5555551234\", \"5550001\", \"000\"]) { edges { node { wazoReverse wazoBackend } } } } }"});
    let (status, body) = call(&s, Method::POST, "/0.1/graphql", ADMIN, Some(query)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["me"]["contacts"]["edges"],
        json!([{"node": {"wazoReverse": "Mario Bros", "wazoBackend": "google"}},
               {"node": {"wazoReverse": "Wario Bros", "wazoBackend": "office365"}},
               {"node": null}])
    );

    // A user without Google or Microsoft account: nothing from those sources, quickly.
    let started = Instant::now();
    assert!(lookup(&s, NOBODY, "mario").await.is_empty());
    assert_eq!(names(&lookup(&s, NOBODY, "ali").await), ["Alice Martin"]);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // The contacts routes: the caller's own book.
    let path = format!("/0.1/backends/google/sources/{google}/contacts");
    let (status, body) = call(&s, Method::GET, &path, ADMIN, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["total"].clone(), body["filtered"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(body["items"][0]["name"], "Luigi Bros", "sorted by name");
    let mario = &body["items"][1];
    assert_eq!(mario["id"], "38ad74eb0f67d221");
    assert_eq!(
        mario["numbers_by_label"],
        json!({"work": "5555551234", "mobile": "5555558888"})
    );
    assert_eq!(mario["numbers"], json!(["5555551234", "5555558888"]));
    assert_eq!(
        mario["emails"],
        json!([{"address": "mario@bros.example.com", "label": "work"}])
    );
    assert_eq!(
        mario["organizations"],
        json!([{"name": "Mushroom Kingdom", "title": "Plumber"}])
    );
    let (_, searched) = call(
        &s,
        Method::GET,
        &format!("{path}?search=luigi"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(searched["total"], 1, "{searched}");
    let (_, paged) = call(
        &s,
        Method::GET,
        &format!("{path}?direction=desc&limit=1"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(paged["items"][0]["name"], "Mario Bros", "{paged}");
    assert_eq!(paged["total"], 2);
    let (status, body) = call(&s, Method::GET, &path, NOBODY, None).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error_id"], "no-token-found");
    assert_eq!(body["details"]["user_uuid"], NOBODY_UUID);

    let path = format!("/0.1/backends/office365/sources/{office}/contacts");
    let (status, body) = call(
        &s,
        Method::GET,
        &format!("{path}?order=firstname"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!(
        body["items"][0],
        graph_contact("another-id", "Waluigi", "Bros", "5550002", "0600000002"),
        "as Graph gives it"
    );
    let (status, body) = call(
        &s,
        Method::GET,
        "/0.1/backends/office365/sources/00000000-0000-4000-8000-000000000000/contacts",
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error_id"], "unknown-source");
}

#[tokio::test]
async fn an_expired_token_or_a_slow_provider_costs_that_source_only() {
    let cloud = CloudStandIn::start();
    let s = start(&cloud, json!({})).await;
    directory(&s, Some(0.5)).await;
    assert_eq!(names(&lookup(&s, ADMIN, "bros").await).len(), 4);

    // Google says the token expired: the user's Google book is dropped, Microsoft's still answers.
    cloud.expire(GOOGLE_TOKEN);
    let s = {
        // A new daemon: the kept books would answer for cache_ttl otherwise.
        drop(s);
        let s = start(&cloud, json!({})).await;
        directory(&s, Some(0.5)).await;
        s
    };
    assert_eq!(
        names(&lookup(&s, ADMIN, "bros").await),
        ["Waluigi Bros", "Wario Bros"]
    );

    // Both providers answer in 3 s: the sources are cut at their 0.5 s, the csv one answers.
    let slow = CloudStandIn::start();
    slow.set_delay(Duration::from_secs(3));
    let s = start(&slow, json!({})).await;
    directory(&s, Some(0.5)).await;
    let started = Instant::now();
    assert_eq!(
        names(&lookup(&s, ADMIN, "a").await),
        ["Alice Martin", "Bob Marley"]
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1500),
        "the lookup took {took:?}"
    );
}

#[tokio::test]
async fn the_kept_book_answers_while_refreshed_and_concurrent_lookups_share_one_fetch() {
    let cloud = CloudStandIn::start();
    let s = start(&cloud, json!({"cloud_contacts": {"cache_ttl": 1}})).await;
    directory(&s, None).await;
    cloud.set_delay(Duration::from_millis(300));

    // 50 concurrent lookups of a user whose book is not fetched yet, each with a term of its own
    // ("mario" in 32 cases, "luigi" in 18): one fetch per provider.
    let terms: Vec<String> = (0..50u32)
        .map(|i| {
            let (word, mask) = if i < 32 {
                ("mario", i)
            } else {
                ("luigi", i - 32)
            };
            word.chars()
                .enumerate()
                .map(|(n, c)| {
                    if mask & (1 << n) != 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        })
        .collect();
    let lookups: Vec<_> = terms.iter().map(|term| lookup(&s, ADMIN, term)).collect();
    for (term, rows) in terms
        .iter()
        .zip(futures_util::future::join_all(lookups).await)
    {
        let expected: &[&str] = if term.eq_ignore_ascii_case("mario") {
            &["Mario Bros"]
        } else {
            &["Luigi Bros", "Waluigi Bros"]
        };
        assert_eq!(names(&rows), expected, "{term}");
    }
    assert_eq!(cloud.calls("GET /v1/people/me/connections"), 1);
    assert_eq!(cloud.calls("GET /v1.0/me/contacts"), 1);

    // After cache_ttl, the kept book answers at once while one background fetch replaces it.
    cloud.set_people(
        GOOGLE_TOKEN,
        vec![person(
            "38ad74eb0f67d221",
            "Super Mario",
            "Bros",
            &[("work", "5555551234")],
            "m@x.org",
        )],
    );
    cloud.set_delay(Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let started = Instant::now();
    assert_eq!(names(&lookup(&s, ADMIN, "mario").await), ["Mario Bros"]);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "answered by the kept book, not after the 1 s fetch: {:?}",
        started.elapsed()
    );
    assert_eq!(
        names(&lookup(&s, ADMIN, "mario").await),
        ["Mario Bros"],
        "one refresh at a time"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        names(&lookup(&s, ADMIN, "mario").await),
        ["Super Mario Bros"]
    );
    assert_eq!(cloud.calls("GET /v1/people/me/connections"), 2);

    // The user disconnects Google in wazo-auth: the next refresh drops the book.
    cloud.set_delay(Duration::ZERO);
    s.auth.remove_external(USER, "google");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let _ = lookup(&s, ADMIN, "mario").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(lookup(&s, ADMIN, "mario").await.is_empty());
}

#[tokio::test]
async fn every_page_is_read_and_source_bodies_get_wazo_dirds_defaults() {
    let cloud = CloudStandIn::start();
    let s = start(&cloud, json!({})).await;
    let (google, office) = directory(&s, None).await;
    let many: Vec<Value> = (0..2500)
        .map(|i| {
            graph_contact(
                &format!("id-{i}"),
                &format!("Given{i:04}"),
                "Many",
                &format!("7{i:06}"),
                "",
            )
        })
        .collect();
    cloud.set_contacts(MICROSOFT_TOKEN, many);
    let people: Vec<Value> = (0..2100)
        .map(|i| {
            person(
                &format!("p{i}"),
                &format!("Person{i:04}"),
                "Many",
                &[("work", &format!("8{i:06}"))],
                "p@x.org",
            )
        })
        .collect();
    cloud.set_people(GOOGLE_TOKEN, people);

    let (_, body) = call(
        &s,
        Method::GET,
        &format!("/0.1/backends/office365/sources/{office}/contacts?limit=2"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(body["total"], 2500, "{body}");
    assert_eq!(cloud.calls("GET /v1.0/me/contacts"), 3, "pages of 1000");
    let (_, body) = call(
        &s,
        Method::GET,
        &format!("/0.1/backends/google/sources/{google}/contacts?limit=2"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(body["total"], 2100, "{body}");
    assert_eq!(cloud.calls("GET /v1/people/me/connections"), 3);
    let (status, body) = call(
        &s,
        Method::GET,
        &format!("/0.1/directories/reverse/default/{USER}?exten=7002499"),
        ADMIN,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["display"], "Given2499 Many",
        "the last page is read: {body}"
    );

    // wazo-auth away: as wazo-dird, "no token" (404); Graph failing: 503 unexpected-endpoint-error.
    let mut away = auth(&s);
    away["port"] = json!(integration_tests::free_port());
    for (backend, body, status, error_id) in [
        (
            "google",
            json!({"name": "auth away", "auth": away}),
            404,
            "no-token-found",
        ),
        (
            "office365",
            json!({"name": "graph failing", "auth": auth(&s), "endpoint": format!("{}/v1.0/me/nowhere", cloud.url())}),
            503,
            "unexpected-endpoint-error",
        ),
    ] {
        let (_, created) = call(
            &s,
            Method::POST,
            &format!("/0.1/backends/{backend}/sources"),
            ADMIN,
            Some(body),
        )
        .await;
        let uuid = created["uuid"].as_str().expect("uuid");
        let (answered, answer) = call(
            &s,
            Method::GET,
            &format!("/0.1/backends/{backend}/sources/{uuid}/contacts"),
            ADMIN,
            None,
        )
        .await;
        assert_eq!(answered, status, "{answer}");
        assert_eq!(answer["error_id"], error_id, "{answer}");
    }

    for (backend, extra) in [
        ("google", json!({})),
        (
            "office365",
            json!({"endpoint": "https://graph.microsoft.com/v1.0/me/contacts"}),
        ),
    ] {
        let (status, created) = call(
            &s,
            Method::POST,
            &format!("/0.1/backends/{backend}/sources"),
            ADMIN,
            Some(json!({"name": format!("minimal {backend}"), "auth": {"key_file": "/k.yml"}})),
        )
        .await;
        assert_eq!(status, 200, "{created}");
        assert_eq!(
            created["auth"],
            json!({"host": "localhost", "port": 443, "https": true, "prefix": "/api/auth", "version": "0.1", "verify_certificate": true}),
            "{created}"
        );
        for (key, value) in extra.as_object().expect("object") {
            assert_eq!(&created[key], value, "{created}");
        }
        let mut expected = vec![
            "auth",
            "first_matched_columns",
            "format_columns",
            "name",
            "searched_columns",
            "tenant_uuid",
            "uuid",
        ];
        expected.extend(
            extra
                .as_object()
                .expect("object")
                .keys()
                .map(String::as_str),
        );
        expected.sort_unstable();
        let mut keys: Vec<&str> = created
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, expected, "exactly wazo-dird's keys");
        let (status, invalid) = call(
            &s,
            Method::POST,
            &format!("/0.1/backends/{backend}/sources"),
            ADMIN,
            Some(json!({"name": "x", "auth": {"port": 0}})),
        )
        .await;
        assert_eq!(status, 400, "{invalid}");
        assert_eq!(invalid["error_id"], "invalid-data");
    }
}
