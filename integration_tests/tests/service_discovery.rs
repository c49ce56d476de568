//! `service_discovery.enabled: true`: the daemon registers with the consul agent (a stand-in that
//! records every call), passes its TTL check periodically, registers again when the agent forgot
//! it, and deregisters its check and its service when it stops. The consul token goes in the
//! `X-Consul-Token` header of every call and never into a log line.

use integration_tests::consul_stand_in::ConsulStandIn;
use integration_tests::csv_directory::start;
use integration_tests::daemon::shared_tempdir;
use serde_json::json;
use std::time::{Duration, Instant};

async fn until(what: &str, within: Duration, check: impl Fn() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < within, "{what} within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_daemon_registers_passes_its_check_and_deregisters() {
    let consul = ConsulStandIn::start();
    let mut dird = start(
        shared_tempdir(),
        json!({
            "consul": {"scheme": "http", "host": "127.0.0.1", "port": consul.port, "token": "consul-secret-token"},
            "service_discovery": {
                "enabled": true, "advertise_address": "10.1.2.3", "advertise_port": 9489,
                "refresh_interval": 0.2, "retry_interval": 0.2, "ttl_interval": 30,
                "extra_tags": ["blue"],
            },
        }),
    )
    .await;
    until("a registration", Duration::from_secs(5), || {
        consul.services().len() == 1
    })
    .await;
    let (service_id, service) = consul.services().into_iter().next().expect("service");
    assert_eq!(service["ID"], json!(service_id));
    assert_eq!(service["Name"], "wazo-dird");
    assert_eq!(service["Address"], "10.1.2.3");
    assert_eq!(service["Port"], 9489);
    assert_eq!(service["Check"], json!({"TTL": "30s"}));
    let tags = service["Tags"].as_array().expect("tags");
    assert_eq!(tags.len(), 3, "{tags:?}");
    assert!(
        tags[0].as_str().is_some_and(|uuid| uuid.len() == 36),
        "the stack's uuid first: {tags:?}"
    );
    assert_eq!(tags[1..], [json!("wazo-dird"), json!("blue")]);

    let pass = format!("/v1/agent/check/pass/service:{service_id}");
    let passes = || consul.calls().iter().filter(|c| c.path == pass).count();
    until("two TTL passes", Duration::from_secs(5), || passes() >= 2).await;

    // An agent that restarted has forgotten the service: the next failed pass registers again.
    consul.forget_all();
    until("a registration again", Duration::from_secs(5), || {
        consul.services().len() == 1
    })
    .await;
    let (again, _) = consul.services().into_iter().next().expect("service");
    assert_eq!(again, service_id, "the same service id");

    let status = dird.stop().expect("stopped");
    assert!(status.success(), "{status:?}");
    assert!(consul.services().is_empty(), "deregistered on stop");
    let calls = consul.calls();
    let paths: Vec<&str> = calls.iter().map(|c| c.path.as_str()).collect();
    let check_off = format!("/v1/agent/check/deregister/service:{service_id}");
    let service_off = format!("/v1/agent/service/deregister/{service_id}");
    let check_at = paths
        .iter()
        .position(|p| *p == check_off)
        .expect("check deregistered");
    let service_at = paths
        .iter()
        .position(|p| *p == service_off)
        .expect("service deregistered");
    assert!(check_at < service_at, "the check first, then the service");
    assert!(
        calls
            .iter()
            .all(|c| c.token.as_deref() == Some("consul-secret-token")),
        "every call carries the token"
    );
    assert!(
        !dird.stderr().contains("consul-secret-token"),
        "the token is never logged"
    );
}

#[tokio::test]
async fn an_agent_that_does_not_answer_does_not_keep_the_daemon_from_serving() {
    let dird = start(
        shared_tempdir(),
        json!({
            "consul": {"host": "127.0.0.1", "port": integration_tests::free_port()},
            "service_discovery": {"enabled": true, "advertise_address": "127.0.0.1", "retry_interval": 0.2},
        }),
    )
    .await;
    let (status, _) = dird.get("/0.1/status", "admin", None).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        dird.stderr().contains("consul registration failed"),
        "{}",
        dird.stderr()
    );
}
