//! Two instances on one database and one broker: a change made through either is served by the
//! other within a second (each follows the other's source, display and profile events).

use integration_tests::broker::clean_up;
use integration_tests::daemon::{base_config, set_mode, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const TOKENS: &str = "tokens:\n  t: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

async fn instance(database: &TestDatabase, exchange: &str) -> Daemon {
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let config = base_config(
        free_port(),
        json!({
            "auth": auth,
            "db_uri": database.uri(),
            "bus": {"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": exchange, "queue_name": format!("{exchange}-queue")},
        }),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    dird.wait_for_status("t", "bus_consumer", "ok", Duration::from_secs(15))
        .await;
    dird
}

async fn within_a_second(what: &str, check: impl AsyncFn() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{what} not served by the other instance within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn first_name(dird: &Daemon) -> Value {
    let (status, body) = dird
        .get("/0.1/directories/lookup/default?term=ali", "t", None)
        .await;
    if status == 200 {
        body["results"][0]["column_values"][0].clone()
    } else {
        json!(status)
    }
}

#[tokio::test]
async fn a_change_through_one_instance_is_served_by_the_other_within_a_second() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let database = TestDatabase::create().await;
    let files = shared_tempdir();
    let csv = files.path().join("contacts.csv");
    std::fs::write(&csv, "id,firstname,lastname\n1,Alice,Martin\n").expect("csv");
    set_mode(&csv, 0o644);
    let a = instance(&database, &exchange).await;
    let b = instance(&database, &exchange).await;

    let source = json!({"name": "contacts", "file": csv, "unique_column": "id", "searched_columns": ["firstname"], "format_columns": {"name": "{firstname} {lastname}"}});
    let (_, created) = a
        .send(
            Method::POST,
            "/0.1/backends/csv/sources",
            "t",
            None,
            Some(&source.to_string()),
        )
        .await;
    let uuid = created["uuid"].as_str().expect("source").to_owned();
    let (_, display) = a
        .send(
            Method::POST,
            "/0.1/displays",
            "t",
            None,
            Some(&json!({"name": "d", "columns": [{"field": "name"}]}).to_string()),
        )
        .await;
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": {"lookup": {"sources": [{"uuid": uuid}]}}});
    let (status, profile) = a
        .send(
            Method::POST,
            "/0.1/profiles",
            "t",
            None,
            Some(&profile.to_string()),
        )
        .await;
    assert_eq!(status, 201);
    let created_in = within_a_second("a new profile", || async {
        first_name(&b).await == json!("Alice Martin")
    })
    .await;

    let mut edited = source.clone();
    edited["format_columns"] = json!({"name": "{lastname}, {firstname}"});
    let (status, _) = a
        .send(
            Method::PUT,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            "t",
            None,
            Some(&edited.to_string()),
        )
        .await;
    assert_eq!(status, 204);
    let edited_in = within_a_second("an edited source", || async {
        first_name(&b).await == json!("Martin, Alice")
    })
    .await;

    // And the other way round.
    let profile_uuid = profile["uuid"].as_str().expect("profile").to_owned();
    let (status, _) = b
        .send(
            Method::DELETE,
            &format!("/0.1/profiles/{profile_uuid}"),
            "t",
            None,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let deleted_in = within_a_second("a deleted profile", || async {
        first_name(&a).await == json!(404)
    })
    .await;
    eprintln!("propagation: created {created_in:?}, edited {edited_in:?}, deleted {deleted_in:?}");
    clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
}
