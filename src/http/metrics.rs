//! Prometheus metrics (`GET /metrics`, not in wazo-dird), in the Prometheus text format 0.0.4:
//! HTTP requests and their latency by route, each source's requests, failures, timeouts,
//! restarts, breaker openings, state and latency, the bus backlog and the database pool.
//!
//! The HTTP figures are recorded by [`record`], a middleware around every route; the others are
//! read from the parts that own them at each scrape.

use crate::access;
use crate::http::authorized::Authorized;
use crate::http::state::AppState;
use crate::services::engine::{bucket_name, SourceHealth};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use actors::{Histogram, HistogramSnapshot};
use dashmap::DashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

access!(MetricsRead, "dird.metrics.read", New);

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One route and method: latency, and answers by status code.
#[derive(Debug, Default)]
struct RouteStats {
    latency: Histogram,
    statuses: DashMap<u16, AtomicU64>,
}

/// The HTTP requests served, by route pattern (`/0.1/directories/lookup/{profile}`, never the
/// path itself, which may hold names and numbers) and method.
#[derive(Debug, Default)]
pub struct HttpMetrics {
    routes: DashMap<(String, String), Arc<RouteStats>>,
}

impl HttpMetrics {
    fn observe(&self, route: String, method: &str, status: u16, latency: std::time::Duration) {
        let key = (route, method.to_owned());
        let stats = match self.routes.get(&key) {
            Some(stats) => Arc::clone(&stats),
            None => Arc::clone(&self.routes.entry(key).or_default()),
        };
        stats.latency.observe(latency);
        stats
            .statuses
            .entry(status)
            .or_default()
            .fetch_add(1, Ordering::Relaxed);
    }
}

/// The target of the access log: one line per request, as the Wazo daemons log them.
pub const ACCESS_LOG: &str = "wazo_dird::http::access";

/// Query parameters whose values never reach a log line.
const SECRET_PARAMETERS: &[&str] = &["token", "password", "secret", "key"];

/// The path and query of a request, with the values of secret parameters hidden.
fn loggable_path(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _))
                if SECRET_PARAMETERS
                    .iter()
                    .any(|secret| name.to_ascii_lowercase().contains(secret)) =>
            {
                format!("{name}=<hidden>")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// Records each request's route, method, status and latency (metrics), and logs it in one line
/// (`response to 127.0.0.1 in 0.00s: GET /0.1/status 200`, as the Wazo daemons).
pub async fn record(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = request
        .app_data::<web::Data<AppState>>()
        .map(|state| Arc::clone(&state.http_metrics));
    let method = request.method().as_str().to_owned();
    let early_route = request.match_pattern();
    let logged = tracing::enabled!(target: ACCESS_LOG, tracing::Level::INFO).then(|| {
        let peer = request
            .peer_addr()
            .map_or_else(|| "-".to_owned(), |address| address.ip().to_string());
        (peer, loggable_path(request.path(), request.query_string()))
    });
    let result = next.call(request).await;
    let (route, status) = match &result {
        Ok(response) => (
            response.request().match_pattern(),
            response.status().as_u16(),
        ),
        Err(error) => (
            early_route,
            error.as_response_error().status_code().as_u16(),
        ),
    };
    let elapsed = started.elapsed();
    if let Some((peer, path)) = logged {
        tracing::info!(
            target: ACCESS_LOG,
            "response to {peer} in {:.2}s: {method} {path} {status}",
            elapsed.as_secs_f64()
        );
    }
    if let Some(metrics) = metrics {
        let route = route.unwrap_or_else(|| "unmatched".to_owned());
        metrics.observe(route, &method, status, elapsed);
    }
    result
}

/// A text exposition being written.
#[derive(Default)]
struct Exposition(String);

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (key, label)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{key}=\"{}\"", escape(label));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }

    fn histogram(&mut self, name: &str, labels: &[(&str, &str)], snapshot: &HistogramSnapshot) {
        let bucket = format!("{name}_bucket");
        for (bound, count) in &snapshot.buckets {
            let le = bucket_name(*bound);
            let mut with_le = labels.to_vec();
            with_le.push(("le", &le));
            self.sample(&bucket, &with_le, count);
        }
        self.sample(&format!("{name}_sum"), labels, snapshot.sum);
        self.sample(&format!("{name}_count"), labels, snapshot.count);
    }
}

/// The whole exposition.
pub fn render(state: &AppState) -> String {
    let mut out = Exposition::default();
    let mut routes: Vec<_> = state
        .http_metrics
        .routes
        .iter()
        .map(|entry| (entry.key().clone(), Arc::clone(entry.value())))
        .collect();
    routes.sort_by(|a, b| a.0.cmp(&b.0));
    out.family(
        "dird_http_requests_total",
        "counter",
        "HTTP requests answered, by route pattern, method and status code.",
    );
    for ((route, method), stats) in &routes {
        let mut statuses: Vec<(u16, u64)> = stats
            .statuses
            .iter()
            .map(|entry| (*entry.key(), entry.value().load(Ordering::Relaxed)))
            .collect();
        statuses.sort_unstable();
        for (status, count) in statuses {
            let status = status.to_string();
            out.sample(
                "dird_http_requests_total",
                &[("route", route), ("method", method), ("status", &status)],
                count,
            );
        }
    }
    out.family(
        "dird_http_request_duration_seconds",
        "histogram",
        "Time to answer an HTTP request, by route pattern and method.",
    );
    for ((route, method), stats) in &routes {
        out.histogram(
            "dird_http_request_duration_seconds",
            &[("route", route), ("method", method)],
            &stats.latency.snapshot(),
        );
    }
    sources(&mut out, state);
    numbers(&mut out, state);
    bus(&mut out, state);
    pool(&mut out, state);
    out.0
}

/// The numbers reverse lookups and GraphQL `contacts` named, by tier of the number matching rule.
fn numbers(out: &mut Exposition, state: &AppState) {
    let name = "dird_reverse_numbers_total";
    out.family(
        name,
        "counter",
        "Numbers looked up in reverse, by the tier that named them (exact, e164, suffix) or none.",
    );
    for (tier, count) in state.directory.tier_hits() {
        out.sample(name, &[("tier", tier)], count);
    }
}

/// Which counter of a source's health a family reads.
type Counter = fn(&SourceHealth) -> u64;

/// The labels of a source's samples.
fn labels<'a>(uuid: &'a str, source: &'a SourceHealth) -> [(&'static str, &'a str); 3] {
    [
        ("source_uuid", uuid),
        ("source", &source.name),
        ("backend", &source.backend),
    ]
}

fn sources(out: &mut Exposition, state: &AppState) {
    let running = state.directory.source_health();
    let counters: [(&str, &str, Counter); 5] = [
        (
            "dird_source_requests_total",
            "Requests sent to a source.",
            |s| s.requests,
        ),
        (
            "dird_source_failures_total",
            "Requests a source failed.",
            |s| s.failures,
        ),
        (
            "dird_source_timeouts_total",
            "Requests a source did not answer before their deadline.",
            |s| s.timeouts,
        ),
        (
            "dird_source_restarts_total",
            "Times a source's backend was rebuilt.",
            |s| s.restarts,
        ),
        (
            "dird_source_breaker_opens_total",
            "Times a source's breaker opened (timeouts or failures in a row).",
            |s| s.breaker_opens,
        ),
    ];
    for (name, help, counter) in counters {
        out.family(name, "counter", help);
        for (uuid, source) in &running {
            out.sample(name, &labels(uuid, source), counter(source));
        }
    }
    out.family(
        "dird_source_up",
        "gauge",
        "1 when a source serves, 0 while it starts or its breaker is open.",
    );
    for (uuid, source) in &running {
        out.sample(
            "dird_source_up",
            &labels(uuid, source),
            u8::from(source.state == "up"),
        );
    }
    out.family(
        "dird_source_request_duration_seconds",
        "histogram",
        "Time a source took to answer (or to be cut at the deadline).",
    );
    for (uuid, source) in &running {
        out.histogram(
            "dird_source_request_duration_seconds",
            &labels(uuid, source),
            &source.latency,
        );
    }
}

fn bus(out: &mut Exposition, state: &AppState) {
    let bus = state.bus.health();
    out.family(
        "dird_bus_publisher_backlog",
        "gauge",
        "Events waiting for the broker's confirmation.",
    );
    out.sample("dird_bus_publisher_backlog", &[], bus.backlog);
    out.family(
        "dird_bus_published_total",
        "counter",
        "Events the broker confirmed.",
    );
    out.sample("dird_bus_published_total", &[], bus.published);
    out.family(
        "dird_bus_dropped_total",
        "counter",
        "Events dropped because the backlog was full (bus.backlog_size).",
    );
    out.sample("dird_bus_dropped_total", &[], bus.dropped);
    for (name, help, health) in [
        (
            "dird_bus_publisher_up",
            "1 when connected and publishing with confirms.",
            bus.publisher,
        ),
        (
            "dird_bus_consumer_up",
            "1 when connected and consuming.",
            bus.consumer,
        ),
    ] {
        out.family(name, "gauge", help);
        out.sample(name, &[], u8::from(health.is_ok()));
    }
}

fn pool(out: &mut Exposition, state: &AppState) {
    let Some(status) = state.storage.pool_status() else {
        return;
    };
    for (name, help, value) in [
        (
            "dird_db_pool_max_size",
            "Most PostgreSQL connections the pool opens.",
            status.max_size,
        ),
        (
            "dird_db_pool_size",
            "PostgreSQL connections open.",
            status.size,
        ),
        (
            "dird_db_pool_available",
            "Open PostgreSQL connections not in use.",
            status.available,
        ),
        (
            "dird_db_pool_waiting",
            "Requests waiting for a PostgreSQL connection.",
            status.waiting,
        ),
    ] {
        out.family(name, "gauge", help);
        out.sample(name, &[], value);
    }
}

fn answer(state: &AppState) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(render(state))
}

/// The metrics on the API (ACL `dird.metrics.read`).
#[utoipa::path(
    get, path = "/metrics", tag = "status",
    description = "ACL `dird.metrics.read`. Prometheus metrics (text format 0.0.4; not in wazo-dird). Off with `metrics.enabled: false`; `metrics.port` serves them without a token on a listener of its own.",
    responses((status = 200, description = "The metrics", content_type = "text/plain"), (status = 401, description = "Unauthorized"))
)]
#[actix_web::get("")]
async fn get_metrics(_caller: Authorized<MetricsRead>, state: web::Data<AppState>) -> HttpResponse {
    answer(&state)
}

/// The metrics on their own listener, without a token.
pub async fn open_metrics(state: web::Data<AppState>) -> HttpResponse {
    answer(&state)
}

crate::routes!("/metrics" => [get_metrics]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parameters_never_reach_the_access_log() {
        assert_eq!(loggable_path("/0.1/status", ""), "/0.1/status");
        assert_eq!(
            loggable_path("/0.1/x", "term=ali&token=abc&api_key=k&Password=p"),
            "/0.1/x?term=ali&token=<hidden>&api_key=<hidden>&Password=<hidden>"
        );
    }

    #[test]
    fn labels_are_escaped_and_histograms_are_cumulative() {
        let mut out = Exposition::default();
        out.sample("x", &[("name", "a \"b\"\\\nc")], 1);
        assert_eq!(out.0, "x{name=\"a \\\"b\\\"\\\\\\nc\"} 1\n");
        let histogram = Histogram::default();
        histogram.observe(std::time::Duration::from_millis(2));
        let mut out = Exposition::default();
        out.histogram("h", &[("route", "/r")], &histogram.snapshot());
        assert!(out.0.contains("h_bucket{route=\"/r\",le=\"0.001\"} 0\n"));
        assert!(out.0.contains("h_bucket{route=\"/r\",le=\"0.0025\"} 1\n"));
        assert!(out.0.contains("h_bucket{route=\"/r\",le=\"+Inf\"} 1\n"));
        assert!(out.0.contains("h_count{route=\"/r\"} 1\n"));
    }
}
