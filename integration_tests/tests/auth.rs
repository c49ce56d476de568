//! Token checks against the wazo-auth stand-in: 401 reasons, tenants, 503 when wazo-auth is away,
//! the token-check cache, the master tenant and `/config`.

use integration_tests::auth_stand_in::{
    AuthStandIn, MASTER_TENANT, OTHER_TENANT, SERVICE_PASSWORD, SERVICE_USERNAME, SUB_TENANT,
};
use integration_tests::daemon::{base_config, Daemon};
use integration_tests::free_port;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const ADMIN: &str = "admin-token";

fn stand_in() -> std::sync::Arc<AuthStandIn> {
    let auth = AuthStandIn::start();
    auth.add_token(
        ADMIN,
        Some("aaaaaaaa-0000-4000-8000-000000000001"),
        MASTER_TENANT,
        &["__accept_all__"],
    );
    auth
}

async fn daemon(auth: &AuthStandIn, overrides: Value) -> Daemon {
    let mut auth_section = auth.config();
    integration_tests::daemon::merge(
        &mut auth_section,
        json!({"backend": "wazo-auth", "username": SERVICE_USERNAME, "password": SERVICE_PASSWORD}),
    );
    let mut config = base_config(free_port(), json!({ "auth": auth_section }));
    integration_tests::daemon::merge(&mut config, overrides);
    Daemon::start(config).await
}

#[tokio::test]
async fn status_is_ok_and_master_tenant_comes_from_the_service_token() {
    let auth = stand_in();
    let dird = daemon(&auth, json!({})).await;
    dird.wait_for_status(ADMIN, "master_tenant", "ok", Duration::from_secs(10))
        .await;
    let (status, body) = dird.get("/0.1/status", ADMIN, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["rest_api"]["status"], "ok");
    assert_eq!(body["bus_consumer"]["status"], "disabled");
    assert_eq!(body["database"]["status"], "disabled");
    assert!(auth.calls("POST /0.1/token") >= 1);
}

#[tokio::test]
async fn missing_or_unknown_token_is_401_not_found_or_expired() {
    let auth = stand_in();
    let dird = daemon(&auth, json!({})).await;
    for token in ["", "unknown-token"] {
        let (status, body) = dird.get("/0.1/status", token, None).await;
        assert_eq!(status, 401, "token {token:?}: {body}");
        assert_eq!(body["error_id"], "unauthorized");
        assert_eq!(body["message"], "Unauthorized");
        assert_eq!(body["details"]["reason"], "not_found_or_expired");
        assert_eq!(body["details"]["required_access"], "dird.status.read");
        assert!(body["timestamp"].is_f64());
    }
}

#[tokio::test]
async fn missing_acl_is_401_missing_permission_or_invalid_tenant() {
    let auth = stand_in();
    auth.add_token("limited", None, MASTER_TENANT, &["dird.something.else"]);
    let dird = daemon(&auth, json!({})).await;
    let (status, body) = dird.get("/0.1/status", "limited", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["details"]["reason"],
        "missing_permission_or_invalid_tenant"
    );
    assert_eq!(body["details"]["required_access"], "dird.status.read");
    assert_eq!(auth.calls("HEAD /0.1/token/limited"), 1);
}

#[tokio::test]
async fn a_wazo_tenant_the_token_cannot_see_is_401() {
    let auth = stand_in();
    auth.add_token("sub-admin", None, SUB_TENANT, &["dird.status.read"]);
    let dird = daemon(&auth, json!({})).await;
    let (status, body) = dird
        .get("/0.1/status", "sub-admin", Some(OTHER_TENANT))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["details"]["reason"],
        "missing_permission_or_invalid_tenant"
    );
    assert_eq!(body["details"]["tenant_uuid"], OTHER_TENANT);
    let (status, _) = dird.get("/0.1/status", "sub-admin", Some(SUB_TENANT)).await;
    assert_eq!(status, 200);
    let (status, _) = dird.get("/0.1/status", ADMIN, Some(SUB_TENANT)).await;
    assert_eq!(
        status, 200,
        "a parent tenant's token may act in a sub-tenant"
    );
}

#[tokio::test]
async fn legacy_routes_answer_auth_failures_in_the_legacy_body() {
    let auth = stand_in();
    let dird = daemon(&auth, json!({"auth": {"cache_ttl": 0}})).await;
    let (status, body) = dird.get("/0.1/backends", "unknown-token", None).await;
    assert_eq!(status, 401);
    assert_eq!(body["reason"], json!(["Unauthorized"]));
    assert_eq!(body["status_code"], 401);
    assert!(body.get("error_id").is_none(), "{body}");
    auth.stop();
    let (status, body) = dird.get("/0.1/backends", ADMIN, None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["reason"], json!(["Authentication server unreachable"]));
}

#[tokio::test]
async fn wazo_auth_down_is_a_prompt_503_and_recovery_is_automatic() {
    let auth = stand_in();
    let dird = daemon(&auth, json!({"auth": {"cache_ttl": 0}})).await;
    let (status, _) = dird.get("/0.1/status", ADMIN, None).await;
    assert_eq!(status, 200);
    auth.stop();
    let started = Instant::now();
    let (status, body) = dird.get("/0.1/status", ADMIN, None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error_id"], "authentication-server-unreachable");
    assert_eq!(body["message"], "Authentication server unreachable");
    assert_eq!(body["details"]["auth_server_host"], "127.0.0.1");
    assert!(
        !body.to_string().contains(ADMIN),
        "the token is not in the error: {body}"
    );
    assert!(
        !dird.stderr().contains(ADMIN),
        "the token is in no log line:\n{}",
        dird.stderr()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    auth.resume();
    let (status, body) = dird.get("/0.1/status", ADMIN, None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_warm_request_costs_no_call_to_wazo_auth() {
    let auth = stand_in();
    let dird = daemon(&auth, json!({"auth": {"cache_ttl": 30}})).await;
    dird.wait_for_status(ADMIN, "master_tenant", "ok", Duration::from_secs(10))
        .await;
    let before = auth.total_calls();
    for _ in 0..5 {
        let (status, _) = dird.get("/0.1/status", ADMIN, None).await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        auth.total_calls(),
        before,
        "every request was served from the cache"
    );
    let (status, _) = dird.get("/0.1/status", ADMIN, Some(SUB_TENANT)).await;
    assert_eq!(status, 200);
    assert_eq!(
        auth.total_calls(),
        before + 1,
        "another tenant is another check"
    );
}

#[tokio::test]
async fn cache_ttl_zero_checks_every_request() {
    let auth = stand_in();
    let dird = daemon(&auth, json!({"auth": {"cache_ttl": 0}})).await;
    for _ in 0..3 {
        let (status, _) = dird.get("/0.1/status", ADMIN, None).await;
        assert_eq!(status, 200);
    }
    assert_eq!(auth.calls(&format!("HEAD /0.1/token/{ADMIN}")), 3);
}

#[tokio::test]
async fn config_is_for_the_master_tenant_only_and_masks_secrets() {
    let auth = stand_in();
    auth.add_token("sub-admin", None, SUB_TENANT, &["__accept_all__"]);
    let dird = daemon(
        &auth,
        json!({"db_uri": "postgresql://asterisk:proformatique@localhost:1/asterisk", "bus": {"password": "bus-secret"},
               "sources": [{"backend": "ldap", "name": "corp", "tenant_uuid": MASTER_TENANT, "ldap_uri": "ldap://127.0.0.1:1", "ldap_base_dn": "dc=x",
                            "ldap_username": "cn=reader", "ldap_password": "ldap-secret"}]}),
    )
    .await;
    dird.wait_for_status(ADMIN, "master_tenant", "ok", Duration::from_secs(10))
        .await;
    let (status, body) = dird.get("/0.1/config", ADMIN, None).await;
    assert_eq!(body["sources"][0]["ldap_password"], "********", "{body}");
    assert_eq!(body["sources"][0]["ldap_username"], "cn=reader");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rest_api"]["port"], dird.port);
    assert_eq!(body["auth"]["password"], "********");
    assert_eq!(body["bus"]["password"], "********");
    assert_eq!(
        body["db_uri"],
        "postgresql://asterisk:********@localhost:1/asterisk"
    );
    let text = body.to_string();
    for secret in [
        SERVICE_PASSWORD,
        "bus-secret",
        "proformatique",
        "ldap-secret",
    ] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
    let (status, body) = dird.get("/0.1/config", "sub-admin", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error_id"], "unauthorized");
    let (status, _) = dird.get("/0.1/config", "sub-admin", Some(SUB_TENANT)).await;
    assert_eq!(status, 401);
    assert!(
        !dird.stderr().contains(SERVICE_PASSWORD),
        "the service password was logged"
    );
}

#[tokio::test]
async fn config_is_503_until_the_master_tenant_is_known() {
    let auth = stand_in();
    let dird = daemon(
        &auth,
        json!({"auth": {"username": "invalid-service", "password": "nope"}}),
    )
    .await;
    let (status, body) = dird.get("/0.1/config", ADMIN, None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error_id"], "matser-tenant-not-initiated");
    let (_, body) = dird.get("/0.1/status", ADMIN, None).await;
    assert_eq!(body["master_tenant"]["status"], "fail");
}

#[tokio::test]
async fn patch_config_switches_debug_live() {
    let auth = stand_in();
    let dird = daemon(&auth, json!({"log_level": "info"})).await;
    dird.wait_for_status(ADMIN, "master_tenant", "ok", Duration::from_secs(10))
        .await;
    let patch = r#"[{"op": "replace", "path": "/debug", "value": true}]"#;
    let (status, body) = dird
        .send(Method::PATCH, "/0.1/config", ADMIN, None, Some(patch))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["debug"], true);
    let (_, body) = dird.get("/0.1/config", ADMIN, None).await;
    assert_eq!(body["debug"], true);
    let started = std::time::Instant::now();
    while !dird.stderr().contains("log level changed") {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{}",
            dird.stderr()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for bad in [
        "",
        "{}",
        "[]",
        r#"[{"op": "replace", "path": "/log_level", "value": "debug"}]"#,
    ] {
        let (status, body) = dird
            .send(Method::PATCH, "/0.1/config", ADMIN, None, Some(bad))
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error_id"], "invalid-data");
    }
    let (_, body) = dird.get("/0.1/config", ADMIN, None).await;
    assert_eq!(body["debug"], true, "a refused patch changes nothing");
}

#[tokio::test]
async fn concurrent_requests_with_a_new_token_make_one_check() {
    let auth = stand_in();
    auth.add_token("fresh", None, MASTER_TENANT, &["__accept_all__"]);
    auth.set_check_delay(Duration::from_millis(300));
    let dird = daemon(&auth, json!({"auth": {"cache_ttl": 60}})).await;
    let requests = (0..50).map(|_| dird.get("/0.1/status", "fresh", None));
    for (status, body) in futures_util::future::join_all(requests).await {
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(
        auth.calls("HEAD /0.1/token/fresh"),
        1,
        "50 concurrent misses make one call to wazo-auth"
    );
}

#[tokio::test]
async fn a_token_in_use_is_checked_again_before_it_expires_without_waiting() {
    let auth = stand_in();
    let dird = daemon(&auth, json!({"auth": {"cache_ttl": 1}})).await;
    let (status, _) = dird.get("/0.1/status", ADMIN, None).await;
    assert_eq!(status, 200);
    // From now on wazo-auth takes 400 ms: a request that waited for it would show.
    auth.set_check_delay(Duration::from_millis(400));
    let run = Instant::now();
    let mut slowest = Duration::ZERO;
    while run.elapsed() < Duration::from_millis(2500) {
        let started = Instant::now();
        let (status, body) = dird.get("/0.1/status", ADMIN, None).await;
        assert_eq!(status, 200, "{body}");
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        slowest < Duration::from_millis(300),
        "no request waited for wazo-auth across two expiries: slowest {slowest:?}"
    );
    assert!(
        auth.calls(&format!("HEAD /0.1/token/{ADMIN}")) >= 3,
        "refreshed in the background: {} checks",
        auth.calls(&format!("HEAD /0.1/token/{ADMIN}"))
    );
}

#[tokio::test]
async fn an_ended_session_drops_the_cached_checks_at_once() {
    let auth = stand_in();
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let dird = daemon(
        &auth,
        json!({"auth": {"cache_ttl": 600},
               "bus": {"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": exchange, "queue_name": format!("{exchange}-queue")}}),
    )
    .await;
    dird.wait_for_status(ADMIN, "bus_consumer", "ok", Duration::from_secs(15))
        .await;
    let (status, _) = dird.get("/0.1/status", ADMIN, None).await;
    assert_eq!(status, 200);
    auth.remove_token(ADMIN);
    let (status, _) = dird.get("/0.1/status", ADMIN, None).await;
    assert_eq!(
        status, 200,
        "still cached: the session end is not known yet"
    );
    let event = json!({"name": "auth_session_deleted", "origin_uuid": "wazo-auth",
                       "data": {"uuid": "5e55a000-0000-4000-8000-000000000001", "user_uuid": "aaaaaaaa-0000-4000-8000-000000000001", "tenant_uuid": MASTER_TENANT}});
    integration_tests::broker::publish(
        &exchange,
        "auth_session_deleted",
        event.to_string().as_bytes(),
    )
    .await;
    integration_tests::eventually(
        Duration::from_secs(2),
        "the token refused after its session ended",
        || async { dird.get("/0.1/status", ADMIN, None).await.0 == 401 },
    )
    .await;
    integration_tests::broker::clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
}

/// A tenant that wazo-auth announces is seen by `recurse=true` at once, though the trees of
/// sub-tenants are cached for 10 minutes; one it deletes is gone at once too.
#[tokio::test]
async fn a_new_or_deleted_tenant_is_seen_by_recurse_at_once() {
    const CHILD: &str = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeee55";
    let auth = stand_in();
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let queue = format!("{exchange}-queue");
    let database = integration_tests::postgres::TestDatabase::create().await;
    let csv = tempfile::NamedTempFile::new().expect("csv");
    std::fs::write(csv.path(), "id,name\n1,A\n").expect("write");
    integration_tests::daemon::set_mode(csv.path(), 0o644);
    let dird = daemon(
        &auth,
        json!({"auth": {"cache_ttl": 600}, "db_uri": database.uri(),
               "bus": {"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": exchange, "queue_name": queue}}),
    )
    .await;
    dird.wait_for_status(ADMIN, "bus_consumer", "ok", Duration::from_secs(15))
        .await;
    dird.wait_for_status(ADMIN, "database", "ok", Duration::from_secs(15))
        .await;
    let create = |name: &'static str, tenant: &'static str| {
        let body = json!({"name": name, "file": csv.path()}).to_string();
        let dird = &dird;
        async move {
            let (status, body) = dird
                .send(
                    Method::POST,
                    "/0.1/backends/csv/sources",
                    ADMIN,
                    Some(tenant),
                    Some(&body),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
    };
    let names = || async {
        let (_, body) = dird
            .get("/0.1/sources?recurse=true", ADMIN, Some(MASTER_TENANT))
            .await;
        let mut names: Vec<String> = body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.retain(|name| name.ends_with("-src"));
        names.sort();
        names
    };
    create("parent-src", MASTER_TENANT).await;
    assert_eq!(names().await, ["parent-src"], "the tree is read and cached");
    auth.add_tenant(CHILD, "child", MASTER_TENANT);
    create("child-src", CHILD).await;
    let event = |name: &str| {
        json!({"name": name, "origin_uuid": "wazo-auth",
               "data": {"uuid": CHILD, "name": "child", "slug": "child", "domain_names": []}})
        .to_string()
    };
    integration_tests::broker::publish(
        &exchange,
        "auth_tenant_added",
        event("auth_tenant_added").as_bytes(),
    )
    .await;
    integration_tests::eventually(
        Duration::from_secs(1),
        "the new tenant's source",
        || async { names().await == ["child-src", "parent-src"] },
    )
    .await;
    auth.remove_tenant(CHILD);
    integration_tests::broker::publish(
        &exchange,
        "auth_tenant_deleted",
        event("auth_tenant_deleted").as_bytes(),
    )
    .await;
    integration_tests::eventually(
        Duration::from_secs(1),
        "the deleted tenant gone",
        || async { names().await == ["parent-src"] },
    )
    .await;
    integration_tests::broker::clean_up(&exchange, Some(&queue)).await;
}
