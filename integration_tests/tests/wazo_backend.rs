//! The `wazo` and `conference` backends against a wazo-confd stand-in, a wazo-auth stand-in for the
//! sources' own logins, real PostgreSQL and the real broker: lookups, reverse lookups, favorites
//! and the contacts routes; the in-memory copies following wazo-confd's events; wazo-confd down;
//! a login refused by wazo-auth; every lookup asking wazo-confd when copies are off.

use integration_tests::auth_stand_in::AuthStandIn;
use integration_tests::broker::{clean_up, publish};
use integration_tests::confd_stand_in::{conference, user, ConfdStandIn, XIVO_UUID};
use integration_tests::daemon::Daemon;
use integration_tests::users::{call_json, create_profile, get_ok, start_configured, TOKENS};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TENANT: &str = "20000000-0000-4000-8000-000000000001";
const OTHER_TENANT: &str = "20000000-0000-4000-8000-0000000000ff";
const CONFD_TOKEN: &str = "confd-source-token";

struct Stack {
    dird: Daemon,
    _database: integration_tests::postgres::TestDatabase,
    confd: Arc<ConfdStandIn>,
    auth: Arc<AuthStandIn>,
    exchange: String,
}

/// wazo-confd with three users of our tenant and one of another, two conference rooms; wazo-auth
/// that logs the sources in; the daemon (static tokens) on a fresh database, its bus on a test
/// exchange.
async fn stack(overrides: Value) -> Stack {
    let confd = ConfdStandIn::start(CONFD_TOKEN, TENANT);
    confd.put_user(
        TENANT,
        user(
            42,
            "u-42",
            "Bob",
            Some("Dylan"),
            Some("1000"),
            None,
            Some(3),
            Some("2"),
        ),
    );
    confd.put_user(
        TENANT,
        user(
            43,
            "u-43",
            "Pablo Ruiz",
            Some("Picasso"),
            Some("1001"),
            Some("+33600000001"),
            None,
            None,
        ),
    );
    confd.put_user(
        TENANT,
        user(44, "u-44", "Élise", Some("Àccent"), None, None, None, None),
    );
    confd.put_user(
        OTHER_TENANT,
        user(
            99,
            "u-99",
            "Bobby",
            Some("Elsewhere"),
            Some("1099"),
            None,
            None,
            None,
        ),
    );
    confd.put_conference(TENANT, conference(4, "daily scrum", &["4002"], &[]));
    confd.put_conference(TENANT, conference(1, "test", &["4001"], &["1009"]));
    let auth = AuthStandIn::start();
    auth.add_credentials("wazo-source", "secret", CONFD_TOKEN, TENANT);
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let mut config = json!({"bus": {"enabled": true, "host": "127.0.0.1", "port": 5672,
                                    "exchange_name": exchange, "queue_name": format!("{exchange}-queue")}});
    integration_tests::daemon::merge(&mut config, overrides);
    let (dird, database) = start_configured(TOKENS, "alice", config).await;
    Stack {
        dird,
        _database: database,
        confd,
        auth,
        exchange,
    }
}

impl Stack {
    fn auth(&self, password: &str) -> Value {
        json!({"host": "127.0.0.1", "port": self.auth.port, "https": false, "prefix": null,
               "username": "wazo-source", "password": password})
    }

    async fn source(&self, backend: &str, body: Value) -> Value {
        let path = format!("/0.1/backends/{backend}/sources");
        let (status, source) = call_json(&self.dird, Method::POST, &path, "alice", body).await;
        assert_eq!(status, 200, "{source}");
        source
    }

    async fn wazo_source(&self, name: &str, password: &str) -> Value {
        self.source(
            "wazo",
            json!({"name": name, "auth": self.auth(password), "confd": self.confd.config(),
                   "searched_columns": ["firstname", "lastname", "full_name", "exten"],
                   "first_matched_columns": ["exten", "mobile_phone_number"],
                   "format_columns": {"name": "{firstname} {lastname}", "number": "{exten}", "reverse": "{firstname} {lastname}"}}),
        )
        .await
    }

    /// wazo-confd's event `name` about our tenant, published as wazo-confd does.
    async fn event(&self, name: &str, data: Value) {
        let body =
            json!({"name": name, "tenant_uuid": TENANT, "origin_uuid": XIVO_UUID, "data": data});
        publish(&self.exchange, name, body.to_string().as_bytes()).await;
    }

    async fn lookup(&self, term: &str) -> Value {
        get_ok(
            &self.dird,
            &format!("/0.1/directories/lookup/default?term={term}"),
            "alice",
        )
        .await
    }
}

fn names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|r| {
                    r["column_values"][0]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Polls `check` until it holds, or fails after `timeout`.
async fn eventually<F: std::future::Future<Output = bool>>(
    timeout: Duration,
    what: &str,
    mut check: impl FnMut() -> F,
) -> Duration {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < timeout,
            "{what}: not within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn wazo_users_are_looked_up_reversed_and_listed_from_a_copy() {
    let s = stack(json!({})).await;
    let source = s.wazo_source("wazo_users", "secret").await;
    assert_eq!(source["auth"]["username"], "wazo-source");
    assert!(
        source["auth"].get("password").is_none(),
        "secrets are never returned: {source}"
    );
    assert_eq!(
        source["confd"]["version"], "1.1",
        "defaults filled: {source}"
    );
    create_profile(&s.dird, "alice", &source).await;

    // The copy is loaded at start; after that, lookups do not ask wazo-confd.
    eventually(Duration::from_secs(5), "the copy", || async {
        names(&s.lookup("dyl").await) == ["Bob Dylan"]
    })
    .await;
    let calls = s.confd.calls("GET /1.1/users");
    for term in [
        "dyl",
        "bob%20",
        "Bob%20Dyl",
        "pablo%20ruiz%20pic",
        "%C3%A0ccent",
        "elise",
        "1000",
    ] {
        let found = names(&s.lookup(term).await);
        assert_eq!(found.len(), 1, "{term}: {found:?}");
    }
    assert!(
        names(&s.lookup("bobby").await).is_empty(),
        "another tenant's users are not ours"
    );
    assert_eq!(
        s.confd.calls("GET /1.1/users"),
        calls,
        "lookups read the copy"
    );

    let body = s.lookup("dylan").await;
    let bob = &body["results"][0];
    assert_eq!(bob["column_values"], json!(["Bob Dylan", "1000", false]));
    assert_eq!(bob["backend"], "wazo");
    assert_eq!(
        bob["relations"],
        json!({"xivo_id": XIVO_UUID, "agent_id": "2", "user_id": 42, "user_uuid": "u-42",
               "endpoint_id": 3, "source_entry_id": "42"})
    );
    let reverse = get_ok(&s.dird, "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=%2B33600000001", "alice").await;
    assert_eq!(
        (reverse["display"].clone(), reverse["source"].clone()),
        (json!("Pablo Ruiz Picasso"), json!("wazo_users"))
    );
    let reverse = get_ok(
        &s.dird,
        "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=100",
        "alice",
    )
    .await;
    assert_eq!(reverse["display"], Value::Null, "numbers match whole");

    // GraphQL: a Wazo user is a WazoContact, its ids as strings.
    let graphql = json!({"query": r#"{ me { contacts(profile: "default", extens: ["1000", "0"]) { edges { node { firstname wazoBackend ... on WazoContact { userUuid userId agentId endpointId } } } } } }"#});
    let (status, body) = call_json(&s.dird, Method::POST, "/0.1/graphql", "alice", graphql).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["me"]["contacts"]["edges"],
        json!([{"node": {"firstname": "Bob", "wazoBackend": "wazo", "userUuid": "u-42", "userId": "42", "agentId": "2", "endpointId": "3"}}, {"node": null}])
    );

    let (status, _) = call_json(
        &s.dird,
        Method::PUT,
        "/0.1/directories/favorites/wazo_users/42",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let favorites = get_ok(&s.dird, "/0.1/directories/favorites/default", "alice").await;
    assert_eq!(
        favorites["results"][0]["column_values"],
        json!(["Bob Dylan", "1000", true])
    );
    assert_eq!(
        s.lookup("dylan").await["results"][0]["column_values"][2],
        true
    );

    // The contacts route is wazo-confd's listing, with wazo-dird's keys.
    let contacts = format!(
        "/0.1/backends/wazo/sources/{}/contacts",
        source["uuid"].as_str().unwrap_or_default()
    );
    let listed = get_ok(
        &s.dird,
        &format!("{contacts}?order=lastname&direction=desc&limit=2"),
        "alice",
    )
    .await;
    assert_eq!(
        (listed["total"].clone(), listed["filtered"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(
        listed["items"],
        json!([
            {"id": 43, "uuid": "u-43", "firstname": "Pablo Ruiz", "lastname": "Picasso", "email": null, "exten": "1001",
             "mobile_phone_number": "+33600000001", "voicemail_number": null},
            {"id": 42, "uuid": "u-42", "firstname": "Bob", "lastname": "Dylan", "email": null, "exten": "1000",
             "mobile_phone_number": null, "voicemail_number": null},
        ])
    );
    let searched = get_ok(&s.dird, &format!("{contacts}?search=picasso"), "alice").await;
    assert_eq!(searched["total"], 1);
    let (status, body) = call_json(
        &s.dird,
        Method::GET,
        &format!("{contacts}?order=email"),
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("invalid-data"))
    );
    let (status, body) = call_json(
        &s.dird,
        Method::GET,
        "/0.1/backends/wazo/sources/00000000-0000-4000-8000-000000000000/contacts",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (404, json!("unknown-source"))
    );
    clean_up(&s.exchange, Some(&format!("{}-queue", s.exchange))).await;
}

#[tokio::test]
async fn the_copy_follows_confd_events_and_outlives_confd() {
    let s = stack(json!({})).await;
    let wazo = s.wazo_source("wazo_users", "secret").await;
    let rooms = s
        .source(
            "conference",
            json!({"name": "rooms", "auth": s.auth("secret"), "confd": s.confd.config(),
                   "searched_columns": ["name", "extensions", "incalls"],
                   "first_matched_columns": ["extensions", "incalls"],
                   "format_columns": {"name": "{name}", "number": "{extensions[0]}", "reverse": "{name}"}}),
        )
        .await;
    let refs = json!([{"uuid": wazo["uuid"]}, {"uuid": rooms["uuid"]}]);
    let columns = json!([{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number"}, {"title": "Favori", "type": "favorite", "field": "favorite"}]);
    let (_, display) = call_json(
        &s.dird,
        Method::POST,
        "/0.1/displays",
        "alice",
        json!({"name": "d", "columns": columns}),
    )
    .await;
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]},
                         "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs}, "favorites": {"sources": refs}}});
    let (status, _) = call_json(&s.dird, Method::POST, "/0.1/profiles", "alice", profile).await;
    assert_eq!(status, 201);
    eventually(Duration::from_secs(5), "both copies", || async {
        names(&s.lookup("scrum").await) == ["daily scrum"]
            && names(&s.lookup("dylan").await) == ["Bob Dylan"]
    })
    .await;

    // Conference rooms: by name, extension and incall; reverse on both.
    assert_eq!(names(&s.lookup("1009").await), ["test"]);
    let reverse = get_ok(
        &s.dird,
        "/0.1/directories/reverse/default/u?exten=1009",
        "alice",
    )
    .await;
    assert_eq!(reverse["display"], "test");
    let room = &s.lookup("scrum").await["results"][0];
    assert_eq!(
        (
            room["backend"].clone(),
            room["relations"]["source_entry_id"].clone(),
            room["relations"]["user_id"].clone()
        ),
        (json!("conference"), json!("4"), Value::Null)
    );
    let listed = get_ok(
        &s.dird,
        &format!(
            "/0.1/backends/conference/sources/{}/contacts",
            rooms["uuid"].as_str().unwrap_or_default()
        ),
        "alice",
    )
    .await;
    assert_eq!(
        listed,
        json!({"total": 2, "filtered": 2, "items": [
            {"id": 4, "name": "daily scrum", "extensions": [{"context": "inside", "exten": "4002"}], "incalls": []},
            {"id": 1, "name": "test", "extensions": [{"context": "inside", "exten": "4001"}], "incalls": [{"context": "from-extern", "exten": "1009"}]},
        ]})
    );

    // wazo-confd's events: a user edited, created and deleted, a room created.
    s.confd.put_user(
        TENANT,
        user(
            42,
            "u-42",
            "Robert",
            Some("Zimmerman"),
            Some("1000"),
            None,
            Some(3),
            Some("2"),
        ),
    );
    s.event("user_edited", json!({"id": 42, "uuid": "u-42", "subscription_type": 0, "created_at": null, "tenant_uuid": TENANT})).await;
    let took = eventually(Duration::from_secs(5), "the edit", || async {
        names(&s.lookup("zimmer").await) == ["Robert Zimmerman"]
    })
    .await;
    eprintln!(
        "an edited user was served {} ms after its event",
        took.as_millis()
    );
    assert!(names(&s.lookup("dylan").await).is_empty());
    s.confd.put_user(
        TENANT,
        user(
            45,
            "u-45",
            "Nina",
            Some("Simone"),
            Some("1045"),
            None,
            None,
            None,
        ),
    );
    s.event("user_created", json!({"id": 45, "uuid": "u-45", "subscription_type": 0, "created_at": null, "tenant_uuid": TENANT})).await;
    eventually(Duration::from_secs(5), "the creation", || async {
        names(&s.lookup("simone").await) == ["Nina Simone"]
    })
    .await;
    s.confd.remove_user(43);
    s.event("user_deleted", json!({"id": 43, "uuid": "u-43", "subscription_type": 0, "created_at": null, "tenant_uuid": TENANT})).await;
    eventually(Duration::from_secs(5), "the deletion", || async {
        names(&s.lookup("picasso").await).is_empty()
    })
    .await;
    s.confd
        .put_conference(TENANT, conference(7, "all hands", &["4007"], &[]));
    s.event("conference_created", json!({"id": 7})).await;
    eventually(Duration::from_secs(5), "the new room", || async {
        names(&s.lookup("hands").await) == ["all hands"]
    })
    .await;

    // wazo-confd goes away: the copies keep answering; the contacts route says wazo-confd failed.
    s.confd.stop();
    assert_eq!(names(&s.lookup("simone").await), ["Nina Simone"]);
    assert_eq!(names(&s.lookup("hands").await), ["all hands"]);
    let reverse = get_ok(
        &s.dird,
        "/0.1/directories/reverse/default/u?exten=1045",
        "alice",
    )
    .await;
    assert_eq!(reverse["display"], "Nina Simone");
    let (status, body) = call_json(
        &s.dird,
        Method::GET,
        &format!(
            "/0.1/backends/wazo/sources/{}/contacts",
            wazo["uuid"].as_str().unwrap_or_default()
        ),
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (503, json!("wazo-confd-error")),
        "{body}"
    );
    assert_eq!(body["details"]["wazo_confd_config"]["port"], s.confd.port);
    clean_up(&s.exchange, Some(&format!("{}-queue", s.exchange))).await;
}

#[tokio::test]
async fn a_refused_login_costs_the_source_its_results_only() {
    let s = stack(json!({})).await;
    let refused = s.wazo_source("refused", "wrong-password").await;
    let personal = s.source("personal", json!({"name": "mine", "searched_columns": ["name"], "first_matched_columns": ["number"]})).await;
    let refs = json!([{"uuid": refused["uuid"]}, {"uuid": personal["uuid"]}]);
    let columns =
        json!([{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number"}]);
    let (_, display) = call_json(
        &s.dird,
        Method::POST,
        "/0.1/displays",
        "alice",
        json!({"name": "d", "columns": columns}),
    )
    .await;
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": {"lookup": {"sources": refs}}});
    let (status, _) = call_json(&s.dird, Method::POST, "/0.1/profiles", "alice", profile).await;
    assert_eq!(status, 201);
    let (status, _) = call_json(
        &s.dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        json!({"name": "Bob Mine", "number": "1"}),
    )
    .await;
    assert_eq!(status, 201);
    let started = Instant::now();
    assert_eq!(
        names(&s.lookup("bob").await),
        ["Bob Mine"],
        "wazo-confd's Bob needs a token"
    );
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "a refused login is not waited for"
    );
    assert_eq!(
        s.confd.calls("GET /1.1/users"),
        0,
        "nothing reached wazo-confd without a token"
    );
    assert!(s.auth.calls("POST /0.1/token") >= 1);
    clean_up(&s.exchange, Some(&format!("{}-queue", s.exchange))).await;
}

#[tokio::test]
async fn without_copies_every_lookup_asks_confd_as_wazo_dird_does() {
    let s = stack(json!({"contact_cache": {"enabled": false}})).await;
    let source = s.wazo_source("wazo_users", "secret").await;
    create_profile(&s.dird, "alice", &source).await;
    let before = s.confd.calls("GET /1.1/users");
    assert_eq!(
        names(&s.lookup("pablo%20ruiz%20pic").await),
        ["Pablo Ruiz Picasso"]
    );
    let reverse = get_ok(
        &s.dird,
        "/0.1/directories/reverse/default/u?exten=1000",
        "alice",
    )
    .await;
    assert_eq!(reverse["display"], "Bob Dylan");
    let (status, _) = call_json(
        &s.dird,
        Method::PUT,
        "/0.1/directories/favorites/wazo_users/44",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let favorites = get_ok(&s.dird, "/0.1/directories/favorites/default", "alice").await;
    assert_eq!(
        favorites["results"][0]["column_values"],
        json!(["Élise Àccent", null, true])
    );
    assert_eq!(
        s.confd.calls("GET /1.1/users") - before,
        3,
        "one wazo-confd request per call"
    );
    assert_eq!(
        s.confd.calls("GET /1.1/infos"),
        1,
        "the stack's uuid is asked once"
    );
    clean_up(&s.exchange, Some(&format!("{}-queue", s.exchange))).await;
}
