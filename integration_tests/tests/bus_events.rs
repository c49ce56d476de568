//! Events on the real RabbitMQ broker: every change of a source, display or profile is published
//! with Wazo's headers, routing key and body (never a secret), and a connection cut mid-stream loses
//! nothing: every event arrives once its link is back (duplicates are recognisable by message_id).

use integration_tests::broker::{clean_up, Proxy, Recorder};
use integration_tests::daemon::{base_config, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

const TENANT: &str = "20000000-0000-4000-8000-000000000001";
const TOKENS: &str = "tokens:\n  t: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

async fn daemon(database: &TestDatabase, exchange: &str, port: u16) -> Daemon {
    let dird = daemon_with(database, exchange, json!({"port": port})).await;
    dird.wait_for_status("t", "bus_publisher", "ok", Duration::from_secs(15))
        .await;
    dird
}

/// A daemon publishing to `exchange`, `bus` merged into its bus section, once its database is up
/// (the broker may well not be).
async fn daemon_with(database: &TestDatabase, exchange: &str, bus: Value) -> Daemon {
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let mut bus_section = json!({"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": exchange, "queue_name": format!("{exchange}-queue")});
    integration_tests::daemon::merge(&mut bus_section, bus);
    let config = base_config(
        free_port(),
        json!({"auth": auth, "db_uri": database.uri(), "bus": bus_section}),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    dird
}

async fn call(dird: &Daemon, method: Method, path: &str, body: Value) -> (u16, Value) {
    dird.send(method, path, "t", None, Some(&body.to_string()))
        .await
}

async fn create_display(dird: &Daemon, index: usize) -> u16 {
    call(
        dird,
        Method::POST,
        "/0.1/displays",
        json!({"name": format!("display-{index}"), "columns": [{"field": "x"}]}),
    )
    .await
    .0
}

#[tokio::test]
async fn every_change_of_a_source_display_or_profile_is_published() {
    let recorder = Recorder::start().await;
    let database = TestDatabase::create().await;
    let dird = daemon(&database, &recorder.exchange, 5672).await;
    let source_body = json!({"name": "corp", "ldap_uri": "ldap://127.0.0.1:1", "ldap_base_dn": "dc=x", "ldap_password": "s3cret-bind", "searched_columns": ["cn"]});
    let (status, source) = call(
        &dird,
        Method::POST,
        "/0.1/backends/ldap/sources",
        source_body.clone(),
    )
    .await;
    assert_eq!(status, 200, "{source}");
    let uuid = source["uuid"].as_str().expect("uuid").to_owned();
    let mut renamed = source_body;
    renamed["name"] = json!("corporate");
    assert_eq!(
        call(
            &dird,
            Method::PUT,
            &format!("/0.1/backends/ldap/sources/{uuid}"),
            renamed
        )
        .await
        .0,
        204
    );
    let (_, display) = call(
        &dird,
        Method::POST,
        "/0.1/displays",
        json!({"name": "d", "columns": [{"field": "cn"}]}),
    )
    .await;
    let (_, profile) = call(
        &dird,
        Method::POST,
        "/0.1/profiles",
        json!({"name": "p", "services": {"lookup": {"sources": [{"uuid": uuid}]}}}),
    )
    .await;
    assert_eq!(
        dird.send(
            Method::DELETE,
            &format!("/0.1/backends/ldap/sources/{uuid}"),
            "t",
            None,
            None
        )
        .await
        .0,
        204
    );

    let received = recorder.wait_for(5, Duration::from_secs(10)).await;
    let names: Vec<(&str, &str)> = received
        .iter()
        .map(|m| {
            (
                m.headers["name"].as_str().unwrap_or("?"),
                m.routing_key.as_str(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("dird_source_created", "directory.sources.created"),
            ("dird_source_edited", "directory.sources.edited"),
            ("dird_display_created", "directory.displays.created"),
            ("dird_profile_created", "directory.profiles.created"),
            ("dird_source_deleted", "directory.sources.deleted"),
        ]
    );
    let first = &received[0];
    assert_eq!(first.headers["tenant_uuid"], TENANT);
    assert_eq!(
        first.headers["required_access"],
        "event.dird_source_created"
    );
    assert!(first.headers["origin_uuid"]
        .as_str()
        .is_some_and(|o| o.len() == 36));
    let timestamp = first.headers["timestamp"].as_str().unwrap_or_default();
    assert_eq!(
        (timestamp.len(), &timestamp[10..11]),
        (26, "T"),
        "wazo-bus's isoformat: {timestamp}"
    );
    assert_eq!(
        first.headers["user_uuid:*"], true,
        "a tenant event is for the tenant's users"
    );
    assert_eq!(
        first.headers["required_acl"],
        "events.directory.sources.created"
    );
    assert!(first.headers["instance_uuid"]
        .as_str()
        .is_some_and(|i| i.len() == 36));
    assert_eq!(first.body["name"], "dird_source_created");
    assert_eq!(first.body["message_id"], first.headers["message_id"]);
    assert_eq!(
        first.body["data"],
        json!({"uuid": uuid, "tenant_uuid": TENANT, "name": "corp", "backend": "ldap"})
    );
    assert_eq!(received[1].body["data"]["name"], "corporate");
    assert_eq!(received[2].body["data"]["uuid"], display["uuid"]);
    assert_eq!(received[3].body["data"]["uuid"], profile["uuid"]);
    for message in &received {
        assert!(
            !message.body.to_string().contains("s3cret-bind"),
            "a secret in {}",
            message.body
        );
    }
    let (_, status) = dird.get("/0.1/status", "t", None).await;
    assert_eq!(
        status["bus_publisher"],
        json!({"status": "ok", "backlog": 0, "dropped": 0})
    );
    clean_up(&recorder.exchange, None).await;
}

#[tokio::test]
async fn a_connection_cut_mid_stream_loses_nothing() {
    let recorder = Recorder::start().await;
    let proxy = Proxy::start().await;
    let database = TestDatabase::create().await;
    let dird = daemon(&database, &recorder.exchange, proxy.port).await;
    for index in 0..10 {
        assert_eq!(create_display(&dird, index).await, 201);
    }
    recorder.wait_for(10, Duration::from_secs(10)).await;
    proxy.cut();
    for index in 10..20 {
        assert_eq!(
            create_display(&dird, index).await,
            201,
            "HTTP requests succeed while the broker is away"
        );
    }
    let mut waited = Duration::ZERO;
    loop {
        let (_, status) = dird.get("/0.1/status", "t", None).await;
        if status["bus_publisher"]["status"] == "fail"
            && status["bus_publisher"]["backlog"].as_u64().unwrap_or(0) > 0
        {
            break;
        }
        assert!(
            waited < Duration::from_secs(10),
            "the backlog never showed in /status: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
    proxy.resume();
    let mut distinct = HashSet::new();
    for _ in 0..100 {
        distinct = recorder
            .received()
            .iter()
            .filter_map(|m| m.headers["message_id"].as_str().map(str::to_owned))
            .collect();
        if distinct.len() >= 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        distinct.len(),
        20,
        "every event arrived exactly once after dedup"
    );
    let names: HashSet<String> = recorder
        .received()
        .iter()
        .map(|m| {
            m.body["data"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(names.len(), 20);
    dird.wait_for_status("t", "bus_publisher", "ok", Duration::from_secs(10))
        .await;
    clean_up(&recorder.exchange, None).await;
}

#[tokio::test]
async fn a_full_backlog_drops_the_oldest_events_and_counts_them() {
    let database = TestDatabase::create().await;
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    // A broker that is not there: every event waits in a backlog of three.
    let dird = daemon_with(
        &database,
        &exchange,
        json!({"port": free_port(), "backlog_size": 3}),
    )
    .await;
    for index in 0..5 {
        assert_eq!(
            create_display(&dird, index).await,
            201,
            "the API does not wait for the broker"
        );
    }
    let (_, status) = dird.get("/0.1/status", "t", None).await;
    assert_eq!(status["bus_publisher"]["status"], "fail", "{status}");
    assert_eq!(status["bus_publisher"]["backlog"], 3, "{status}");
    assert_eq!(status["bus_publisher"]["dropped"], 2, "{status}");
    assert!(
        dird.stderr().contains("bus backlog full"),
        "{}",
        dird.stderr()
    );
}

#[tokio::test]
async fn a_broker_that_stops_answering_costs_its_confirm_timeout_then_events_go_out_anew() {
    let database = TestDatabase::create().await;
    let recorder = Recorder::start().await;
    let exchange = recorder.exchange.clone();
    let proxy = integration_tests::tcp_proxy::FreezingProxy::start("127.0.0.1:5672").await;
    let dird = daemon_with(
        &database,
        &exchange,
        json!({"port": proxy.port, "confirm_timeout": 1}),
    )
    .await;
    dird.wait_for_status("t", "bus_publisher", "ok", Duration::from_secs(15))
        .await;
    assert_eq!(create_display(&dird, 0).await, 201);
    recorder.wait_for(1, Duration::from_secs(5)).await;

    // The path to the broker drops every packet: the event waits, the API does not.
    proxy.freeze();
    assert_eq!(create_display(&dird, 1).await, 201);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.thaw();
    // The hung connection stays hung: only a new one can deliver the event.
    let received = recorder.wait_for(2, Duration::from_secs(10)).await;
    assert!(
        received
            .iter()
            .any(|m| m.body["data"]["name"] == "display-1"),
        "the event sent again on a new connection"
    );
    assert!(
        dird.stderr().contains("no confirmation from the broker"),
        "{}",
        dird.stderr()
    );
    clean_up(&exchange, None).await;
}

#[tokio::test]
async fn a_stop_publishes_the_backlog_before_exiting() {
    let recorder = Recorder::start().await;
    let proxy = Proxy::start().await;
    let database = TestDatabase::create().await;
    let mut dird = daemon(&database, &recorder.exchange, proxy.port).await;
    assert_eq!(create_display(&dird, 0).await, 201);
    recorder.wait_for(1, Duration::from_secs(10)).await;
    proxy.cut();
    for index in 1..6 {
        assert_eq!(create_display(&dird, index).await, 201);
    }
    let mut waited = Duration::ZERO;
    loop {
        let (_, status) = dird.get("/0.1/status", "t", None).await;
        if status["bus_publisher"]["status"] == "fail"
            && status["bus_publisher"]["backlog"].as_u64() == Some(5)
        {
            break;
        }
        assert!(waited < Duration::from_secs(10), "no backlog: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
    // The daemon is told to stop with its backlog waiting, and the broker comes back while it
    // waits: it publishes the backlog before it exits. (The broker comes back after the signal,
    // so that the backlog is still there when the stop starts waiting for it; polled without
    // blocking: the proxy runs on this test's runtime.)
    dird.signal(nix::sys::signal::Signal::SIGTERM);
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.resume();
    let started = std::time::Instant::now();
    while dird.is_running() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still running: {}",
            dird.stderr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = dird.stop().expect("stopped");
    assert!(status.success(), "{status:?}: {}", dird.stderr());
    let received = recorder.wait_for(6, Duration::from_secs(5)).await;
    let names: HashSet<String> = received
        .iter()
        .filter_map(|m| m.body["data"]["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(names.len(), 6, "every display's event arrived: {names:?}");
    assert!(
        dird.stderr().contains("stopping: bus backlog published"),
        "{}",
        dird.stderr()
    );
    clean_up(
        &recorder.exchange,
        Some(&format!("{}-queue", recorder.exchange)),
    )
    .await;
}
