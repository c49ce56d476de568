//! `GET /metrics` (not in wazo-dird): scraped and parsed as Prometheus does. HTTP requests by route
//! pattern, each source's counters and latency, the bus and the database pool; the ACL on the API,
//! the listener of its own without a token, and `metrics.enabled: false`.

use integration_tests::csv_directory::{directory_config, lookup_path, start, MASTER, USER};
use integration_tests::daemon::{shared_tempdir, static_auth};
use integration_tests::free_port;
use integration_tests::postgres::TestDatabase;
use integration_tests::prometheus::Exposition;
use serde_json::json;
use std::time::Duration;

fn tokens() -> String {
    format!(
        "tokens:\n  admin: {{user_uuid: {USER}, tenant_uuid: {MASTER}, acl: ['dird.#']}}\n  \
         lookups-only: {{user_uuid: {USER}, tenant_uuid: {MASTER}, acl: ['dird.directories.#']}}\n\
         tenants:\n  - {{uuid: {MASTER}, name: master, parent_uuid: null}}\n"
    )
}

async fn scrape(url: &str, token: Option<&str>) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.header("X-Auth-Token", token);
    }
    let response = request.send().await.expect("scrape");
    let status = response.status().as_u16();
    let content_type = integration_tests::content_type(&response);
    (status, content_type, response.text().await.expect("body"))
}

fn parse(text: &str) -> Exposition {
    Exposition::parse(text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

fn number(metrics: &Exposition, name: &str, labels: &[(&str, &str)]) -> f64 {
    metrics
        .value(name, labels)
        .unwrap_or_else(|| panic!("no {name} {labels:?}"))
}

#[tokio::test]
async fn metrics_are_scraped_with_a_token_or_on_their_own_listener() {
    let database = TestDatabase::create().await;
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), &tokens());
    let metrics_port = free_port();
    let dird = start(
        dir,
        json!({
            "auth": auth,
            "db_uri": database.uri(),
            "metrics": {"port": metrics_port},
        }),
    )
    .await;
    dird.wait_for_status("admin", "database", "ok", Duration::from_secs(15))
        .await;
    for term in ["ali", "bob", "zzz"] {
        let (status, body) = dird.get(&lookup_path("default", term), "admin", None).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = dird
        .get("/0.1/directories/lookup/nosuch?term=x", "admin", None)
        .await;
    assert_eq!(status, 404);

    let (status, content_type, text) = scrape(&dird.url("/metrics"), Some("admin")).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let metrics = parse(&text);

    let lookup = [
        ("route", "/0.1/directories/lookup/{profile}"),
        ("method", "GET"),
    ];
    let ok = [lookup[0], lookup[1], ("status", "200")];
    let not_found = [lookup[0], lookup[1], ("status", "404")];
    assert_eq!(
        number(&metrics, "dird_http_requests_total", &ok),
        3.0,
        "{text}"
    );
    assert_eq!(
        number(&metrics, "dird_http_requests_total", &not_found),
        1.0
    );
    let buckets = metrics.buckets("dird_http_request_duration_seconds", &lookup);
    assert_eq!(buckets.len(), 13, "12 bounds and +Inf: {buckets:?}");
    assert_eq!(
        buckets[12],
        ("+Inf".to_owned(), 4.0),
        "every lookup counted"
    );
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "cumulative");
    assert_eq!(
        number(
            &metrics,
            "dird_http_request_duration_seconds_count",
            &lookup
        ),
        4.0
    );
    assert!(
        !text.contains("term=") && !text.contains("nosuch"),
        "routes by pattern, never a path with its values"
    );

    let contacts = [("source", "contacts"), ("backend", "csv")];
    assert!(number(&metrics, "dird_source_requests_total", &contacts) >= 3.0);
    assert_eq!(
        number(&metrics, "dird_source_timeouts_total", &contacts),
        0.0
    );
    assert_eq!(
        number(&metrics, "dird_source_restarts_total", &contacts),
        0.0
    );
    assert_eq!(
        number(&metrics, "dird_source_breaker_opens_total", &contacts),
        0.0
    );
    assert_eq!(number(&metrics, "dird_source_up", &contacts), 1.0);
    let buckets = metrics.buckets("dird_source_request_duration_seconds", &contacts);
    assert!(buckets
        .last()
        .is_some_and(|(le, count)| le == "+Inf" && *count >= 3.0));
    assert_eq!(number(&metrics, "dird_bus_publisher_backlog", &[]), 0.0);
    assert_eq!(number(&metrics, "dird_bus_dropped_total", &[]), 0.0);
    assert!(number(&metrics, "dird_db_pool_max_size", &[]) >= 2.0);
    assert!(number(&metrics, "dird_db_pool_size", &[]) >= 1.0);
    assert_eq!(number(&metrics, "dird_db_pool_waiting", &[]), 0.0);
    // Every family the Grafana dashboard of contribs/ reads is exported.
    let dashboard = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../contribs/grafana/wazo-dird.json"
    ))
    .expect("the dashboard");
    let mut read = 0;
    for (start, _) in dashboard.match_indices("dird_") {
        let name: String = dashboard[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let family = name.strip_suffix("_bucket").unwrap_or(&name);
        assert!(
            metrics.types.contains_key(family),
            "the dashboard reads {name}, not exported"
        );
        read += 1;
    }
    assert!(read >= 17, "{read}");
    // The scrape itself is counted by the next one.
    let (_, _, text) = scrape(&dird.url("/metrics"), Some("admin")).await;
    let route = [("route", "/metrics"), ("method", "GET"), ("status", "200")];
    assert_eq!(
        number(&parse(&text), "dird_http_requests_total", &route),
        1.0
    );

    // The ACL protects the API's route.
    let (status, _, _) = scrape(&dird.url("/metrics"), Some("lookups-only")).await;
    assert_eq!(status, 401);
    let (status, _, _) = scrape(&dird.url("/metrics"), None).await;
    assert_eq!(status, 401);

    // The listener of its own needs no token and serves only /metrics.
    let own = format!("http://127.0.0.1:{metrics_port}");
    let (status, _, text) = scrape(&format!("{own}/metrics"), None).await;
    assert_eq!(status, 200);
    assert!(number(&parse(&text), "dird_http_requests_total", &ok) >= 3.0);
    let (status, _, _) = scrape(&format!("{own}/0.1/status"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn metrics_switched_off_are_not_served() {
    let dir = shared_tempdir();
    let mut overrides = json!({"metrics": {"enabled": false}});
    overrides["auth"] = directory_config(dir.path())["auth"].clone();
    let dird = start(dir, overrides).await;
    let (status, body) = dird.get("/metrics", "admin", None).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = dird
        .get(&lookup_path("default", "ali"), "admin", None)
        .await;
    assert_eq!(status, 200);
}
