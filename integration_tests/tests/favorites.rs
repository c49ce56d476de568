//! Favorites: per-user marks on contacts of a source of the caller's tenant (even a name with `/`),
//! wazo-dird's codes and legacy bodies, marks in lookups, the favorites listing, and the
//! `favorite_added` / `favorite_deleted` events exactly as wazo-dird publishes them.

use integration_tests::broker::{clean_up, Recorder};
use integration_tests::daemon::{base_config, set_mode, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const ALICE: &str = "10000000-0000-4000-8000-00000000000a";
const TENANT: &str = "20000000-0000-4000-8000-000000000001";
const TOKENS: &str = "tokens:\n  alice: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  bob: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  other: {user_uuid: 10000000-0000-4000-8000-00000000000c, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ['dird.#']}\n  service: {tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n  - {uuid: 20000000-0000-4000-8000-000000000002, name: other, parent_uuid: null}\n";

async fn call(
    dird: &Daemon,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    dird.send(method, path, token, None, body.as_deref()).await
}

#[tokio::test]
async fn favorites_per_user_with_marks_listing_and_events() {
    let recorder = Recorder::start().await;
    let database = TestDatabase::create().await;
    let dir = shared_tempdir();
    let csv = dir.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "id,firstname,lastname\n1,Alice,Martin\n2,Bob,Marley\n3,Charles,Mart\n",
    )
    .expect("csv");
    set_mode(&csv, 0o644);
    let config = base_config(
        free_port(),
        json!({
            "auth": static_auth(dir.path(), TOKENS),
            "db_uri": database.uri(),
            "uuid": "ffffffff-0000-4000-8000-000000000001",
            "bus": {"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": recorder.exchange, "queue_name": format!("{}-queue", recorder.exchange)},
        }),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("alice", "database", "ok", Duration::from_secs(15))
        .await;

    let source = json!({"name": "corp/contacts", "file": csv, "unique_column": "id", "searched_columns": ["lastname"], "format_columns": {"name": "{firstname} {lastname}"}});
    let (_, created) = call(
        &dird,
        Method::POST,
        "/0.1/backends/csv/sources",
        "alice",
        Some(source.clone()),
    )
    .await;
    let (_, display) = call(&dird, Method::POST, "/0.1/displays", "alice", Some(json!({"name": "d", "columns": [{"field": "name", "title": "Nom"}, {"field": "fav", "type": "favorite", "title": "Favori"}]}))).await;
    let services = json!({"lookup": {"sources": [{"uuid": created["uuid"]}]}, "favorites": {"sources": [{"uuid": created["uuid"]}]}});
    let (status, _) = call(
        &dird,
        Method::POST,
        "/0.1/profiles",
        "alice",
        Some(
            json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": services}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = call(
        &dird,
        Method::POST,
        "/0.1/backends/csv/sources",
        "other",
        Some(source),
    )
    .await;
    assert_eq!(status, 200, "the same source name in another tenant");

    // Add, duplicate, unknown source; a source name with `/`.
    assert_eq!(
        call(
            &dird,
            Method::PUT,
            "/0.1/directories/favorites/corp/contacts/1",
            "alice",
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(
            &dird,
            Method::PUT,
            "/0.1/directories/favorites/corp/contacts/3",
            "alice",
            None
        )
        .await
        .0,
        204
    );
    let (status, body) = call(
        &dird,
        Method::PUT,
        "/0.1/directories/favorites/corp/contacts/1",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (
            409,
            json!(["Adding this favorite would create a duplicate"])
        )
    );
    let (status, body) = call(
        &dird,
        Method::PUT,
        "/0.1/directories/favorites/nope/1",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (404, json!(["No such source: nope"]))
    );
    assert!(body["timestamp"][0].is_f64(), "{body}");
    let (status, body) = call(
        &dird,
        Method::PUT,
        "/0.1/directories/favorites/corp/contacts/1",
        "service",
        None,
    )
    .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (401, json!(["This token has no user UUID"]))
    );

    // Marks in lookups are per user.
    let marks = |body: &Value| -> Vec<(String, bool)> {
        let mut marks: Vec<(String, bool)> = body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["column_values"][0]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    r["column_values"][1].as_bool().unwrap_or_default(),
                )
            })
            .collect();
        marks.sort();
        marks
    };
    let (_, alice) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=mar",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        marks(&alice),
        [
            ("Alice Martin".into(), true),
            ("Bob Marley".into(), false),
            ("Charles Mart".into(), true)
        ]
    );
    let (_, bob) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=mar",
        "bob",
        None,
    )
    .await;
    assert!(
        marks(&bob).iter().all(|(_, favorite)| !favorite),
        "bob has no favorites"
    );

    // The listing.
    let (status, listed) = call(
        &dird,
        Method::GET,
        "/0.1/directories/favorites/default",
        "alice",
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        marks(&listed),
        [("Alice Martin".into(), true), ("Charles Mart".into(), true)]
    );
    let (status, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/favorites/unknown",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (404, json!(["The profile `unknown` does not exist"]))
    );

    // Removal.
    assert_eq!(
        call(
            &dird,
            Method::DELETE,
            "/0.1/directories/favorites/corp/contacts/3",
            "alice",
            None
        )
        .await
        .0,
        204
    );
    let (status, body) = call(
        &dird,
        Method::DELETE,
        "/0.1/directories/favorites/corp/contacts/3",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (404, json!(["No such favorite: 3"]))
    );
    let (_, listed) = call(
        &dird,
        Method::GET,
        "/0.1/directories/favorites/default",
        "alice",
        None,
    )
    .await;
    assert_eq!(marks(&listed), [("Alice Martin".into(), true)]);

    // Events, as wazo-dird publishes them.
    let events: Vec<_> = recorder
        .wait_for(3, Duration::from_secs(10))
        .await
        .into_iter()
        .filter(|m| {
            m.headers["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("favorite_"))
        })
        .collect();
    assert_eq!(events.len(), 3, "{events:?}");
    let added = &events[0];
    assert_eq!(
        added.routing_key,
        format!("directory.{ALICE}.favorite.created")
    );
    assert_eq!(added.headers[&format!("user_uuid:{ALICE}")], true);
    assert_eq!(added.headers["tenant_uuid"], TENANT);
    assert_eq!(added.headers["required_access"], "event.favorite_added");
    assert_eq!(
        added.body["data"],
        json!({"xivo_uuid": "ffffffff-0000-4000-8000-000000000001", "user_uuid": ALICE, "source": "corp/contacts", "source_entry_id": "1"})
    );
    assert_eq!(events[2].headers["name"], "favorite_deleted");
    assert_eq!(
        events[2].routing_key,
        format!("directory.{ALICE}.favorite.deleted")
    );

    // Deleting the source deletes its favorites.
    let uuid = created["uuid"].as_str().expect("uuid");
    assert_eq!(
        call(
            &dird,
            Method::DELETE,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            "alice",
            None
        )
        .await
        .0,
        204
    );
    let client = database.client().await;
    let left: i64 = client
        .query_one("SELECT count(*) FROM dird_favorite", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(left, 0);
    clean_up(
        &recorder.exchange,
        Some(&format!("{}-queue", recorder.exchange)),
    )
    .await;
}
