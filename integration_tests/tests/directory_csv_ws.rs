//! The `csv_ws` backend against a CSV web service stand-in: UTF-8 over HTTPS without verification,
//! ISO-8859-1 over HTTP, reverse lookups, a slow service cut at its timeout while the other sources
//! answer, the profile's reverse budget, and a service that goes away.

use integration_tests::daemon::{base_config, set_mode, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::web_service::CsvWebService;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const USER: &str = "10000000-0000-4000-8000-000000000001";
const TOKENS: &str = "tokens:\n  t: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";
const ROWS: &[&[&str]] = &[
    &["id", "firstname", "lastname", "number"],
    &["1", "Andrée-Anne", "Smith", "5551231111"],
    &["42", "Benoît", "Malone", "5551232222"],
    &["3", "Jack", "Sparrow", "5551233333"],
];

fn ws_source(name: &str, ws: &CsvWebService, delimiter: &str, extra: Value) -> Value {
    let mut source = json!({
        "backend": "csv_ws", "name": name, "lookup_url": ws.url(), "list_url": ws.url(), "delimiter": delimiter,
        "verify_certificate": false, "unique_column": "id",
        "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number"],
        "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"},
    });
    integration_tests::daemon::merge(&mut source, extra);
    source
}

async fn start(sources: Vec<Value>, reverse_options: Value) -> Daemon {
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let csv = dir.path().join("local.csv");
    std::fs::write(
        &csv,
        "id,firstname,lastname,number\n7,Benjamin,Local,1007\n",
    )
    .expect("csv");
    set_mode(&csv, 0o644);
    let mut all = sources;
    all.push(json!({"backend": "csv", "name": "local", "file": csv, "unique_column": "id", "searched_columns": ["firstname"],
                    "first_matched_columns": ["number"], "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname}"}}));
    let references: Vec<Value> = all.iter().map(|s| json!({"name": s["name"]})).collect();
    let config = base_config(
        free_port(),
        json!({
            "auth": auth,
            "source_actors": {"restart_backoff_min": 0.2, "restart_backoff_max": 0.5},
            "sources": all,
            "displays": [{"name": "d", "columns": [{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number"}]}],
            "profiles": [{"name": "default", "display": {"name": "d"}, "services": {
                "lookup": {"sources": references},
                "reverse": {"sources": references, "options": reverse_options},
            }}],
        }),
    );
    Daemon::start_in(dir, config, &[]).await
}

fn names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["column_values"][0].as_str().unwrap_or("?").to_owned())
        .collect();
    names.sort();
    names
}

async fn lookup(dird: &Daemon, term: &str) -> Value {
    let term: String = url::form_urlencoded::byte_serialize(term.as_bytes()).collect();
    let (status, body) = dird
        .get(
            &format!("/0.1/directories/lookup/default?term={term}"),
            "t",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn utf8_with_pipes_over_https_without_verification() {
    let ws = CsvWebService::start(ROWS, '|', "utf-8", true);
    let dird = start(vec![ws_source("ws", &ws, "|", json!({}))], json!({})).await;
    assert_eq!(
        names(&lookup(&dird, "Ben").await),
        ["Benjamin Local", "Benoît Malone"]
    );
    assert_eq!(names(&lookup(&dird, "dré").await), ["Andrée-Anne Smith"]);
    assert_eq!(
        names(&lookup(&dird, "henry").await),
        Vec::<String>::new(),
        "the service's 404 means no contact"
    );
    assert!(
        ws.requests()
            .iter()
            .any(|q| q == "firstname=Ben&lastname=Ben"),
        "{:?}",
        ws.requests()
    );
    let (_, body) = dird
        .get(
            &format!("/0.1/directories/reverse/default/{USER}?exten=5551231111"),
            "t",
            None,
        )
        .await;
    assert_eq!(body["display"], "Andrée-Anne Smith");
    assert_eq!(body["source"], "ws");
    assert_eq!(body["fields"]["id"], "1");
    // Written otherwise: the service is asked for the number's forms (its digits among them).
    let exten: String = url::form_urlencoded::byte_serialize(b"(555) 123-1111").collect();
    let path = format!("/0.1/directories/reverse/default/{USER}?exten={exten}");
    let (_, body) = dird.get(&path, "t", None).await;
    assert_eq!(body["display"], "Andrée-Anne Smith", "{:?}", ws.requests());
    assert_eq!(body["exten"], "(555) 123-1111");
    let result = &lookup(&dird, "Malone").await["results"][0];
    assert_eq!(result["relations"]["source_entry_id"], "42");
    assert_eq!(result["backend"], "csv_ws");
}

#[tokio::test]
async fn iso_8859_1_with_commas_over_http() {
    let ws = CsvWebService::start(ROWS, ',', "iso-8859-1", false);
    let dird = start(vec![ws_source("ws", &ws, ",", json!({}))], json!({})).await;
    assert_eq!(
        names(&lookup(&dird, "dré").await),
        ["Andrée-Anne Smith"],
        "decoded from Latin-1"
    );
    assert_eq!(names(&lookup(&dird, "Benoît").await), ["Benoît Malone"]);
}

#[tokio::test]
async fn a_slow_source_is_cut_at_its_timeout_while_the_others_answer() {
    let slow = CsvWebService::start(ROWS, ',', "utf-8", false);
    slow.set_delay(Duration::from_secs(3));
    let dird = start(
        vec![ws_source("slow", &slow, ",", json!({"timeout": 0.3}))],
        json!({}),
    )
    .await;
    let started = Instant::now();
    let body = lookup(&dird, "Ben").await;
    let elapsed = started.elapsed();
    assert_eq!(
        names(&body),
        ["Benjamin Local"],
        "the local source answered"
    );
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_millis(1000),
        "took {elapsed:?}"
    );
}

#[tokio::test]
async fn the_profile_reverse_budget_decides() {
    // wazo-dird's reverse timeout test: a service answering in 1 s is too slow for 0.1 s, in time for 5 s.
    let ws = CsvWebService::start(ROWS, ',', "utf-8", false);
    ws.set_delay(Duration::from_secs(1));
    let short = start(
        vec![ws_source("ws", &ws, ",", json!({}))],
        json!({"timeout": 0.1}),
    )
    .await;
    let started = Instant::now();
    let (status, body) = short
        .get(
            &format!("/0.1/directories/reverse/default/{USER}?exten=5551232222"),
            "t",
            None,
        )
        .await;
    assert_eq!((status, body["display"].clone()), (200, Value::Null));
    assert!(
        started.elapsed() < Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    let long = start(
        vec![ws_source("ws", &ws, ",", json!({}))],
        json!({"timeout": 5}),
    )
    .await;
    let (_, body) = long
        .get(
            &format!("/0.1/directories/reverse/default/{USER}?exten=5551232222"),
            "t",
            None,
        )
        .await;
    assert_eq!(body["display"], "Benoît Malone");
}

#[tokio::test]
async fn a_service_that_goes_away_is_skipped_at_once() {
    let ws = CsvWebService::start(ROWS, ',', "utf-8", false);
    let dird = start(vec![ws_source("ws", &ws, ",", json!({}))], json!({})).await;
    assert_eq!(
        names(&lookup(&dird, "Ben").await),
        ["Benjamin Local", "Benoît Malone"]
    );
    ws.stop();
    assert_eq!(
        names(&lookup(&dird, "Ben").await),
        ["Benjamin Local"],
        "a refused connection costs only this source"
    );
    let started = Instant::now();
    assert_eq!(names(&lookup(&dird, "Ben").await), ["Benjamin Local"]);
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "skipped while down: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_hundred_concurrent_lookups_on_a_200ms_source_finish_well_under_a_second() {
    let ws = CsvWebService::start(ROWS, ',', "utf-8", false);
    ws.set_delay(Duration::from_millis(200));
    let dird = start(vec![ws_source("ws", &ws, ",", json!({}))], json!({})).await;
    let started = Instant::now();
    let lookups = (0..100).map(|_| lookup(&dird, "Ben"));
    let bodies = futures_util::future::join_all(lookups).await;
    let elapsed = started.elapsed();
    assert!(
        bodies
            .iter()
            .all(|body| names(body) == ["Benjamin Local", "Benoît Malone"]),
        "every lookup got both sources"
    );
    assert!(
        elapsed < Duration::from_secs(1),
        "100 lookups in parallel took {elapsed:?} (one after the other: 20 s)"
    );
}

#[tokio::test]
async fn a_source_that_keeps_timing_out_is_skipped_then_served_again_once_it_answers() {
    let ws = CsvWebService::start(ROWS, ',', "utf-8", false);
    ws.set_delay(Duration::from_secs(30));
    let dird = start(
        vec![ws_source("silent", &ws, ",", json!({"timeout": 0.3}))],
        json!({}),
    )
    .await;
    // Five timeouts in a row (source_actors.breaker_threshold) open its breaker...
    for _ in 0..5 {
        assert_eq!(names(&lookup(&dird, "Ben").await), ["Benjamin Local"]);
    }
    // ...then lookups skip it at once instead of waiting for its timeout.
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(names(&lookup(&dird, "Ben").await), ["Benjamin Local"]);
        times.push(started.elapsed());
    }
    times.sort();
    assert!(
        times[2] < Duration::from_millis(50),
        "median lookup once the breaker is open: {times:?}"
    );
    let (_, status) = dird.get("/0.1/status", "t", None).await;
    let silent = status["sources"]
        .as_object()
        .and_then(|sources| sources.values().find(|s| s["name"] == "silent"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(silent["state"], "down", "{status}");
    assert_eq!(silent["breaker_opens"], 1, "{status}");
    // Its own 0.3 s HTTP timeout and the request's deadline race: each miss counts as one or the other.
    let misses =
        silent["timeouts"].as_u64().unwrap_or(0) + silent["failures"].as_u64().unwrap_or(0);
    assert!(misses >= 5, "{status}");

    // It answers again: a background probe closes the breaker.
    ws.set_delay(Duration::ZERO);
    let back = Instant::now();
    loop {
        if names(&lookup(&dird, "Ben").await).len() == 2 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(4),
            "the source was not served again within 4 s of answering"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two sources know the number: the local file answers at once, the web service 300 ms later. A
/// single reverse lookup and GraphQL's batched one name the caller alike, after the first source to
/// answer (upstream's fix of `reverse_many`, PR #259; before it, the last to answer won).
#[tokio::test]
async fn the_first_source_to_answer_names_the_caller_in_rest_and_graphql_alike() {
    let rows: &[&[&str]] = &[
        &["id", "firstname", "lastname", "number"],
        &["9", "Bernard", "Remote", "1007"],
    ];
    let ws = CsvWebService::start(rows, ',', "utf-8", false);
    ws.set_delay(Duration::from_millis(300));
    let dird = start(vec![ws_source("ws", &ws, ",", json!({}))], json!({})).await;
    let (status, body) = dird
        .get(
            &format!("/0.1/directories/reverse/default/{USER}?exten=1007"),
            "t",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["display"].clone(), body["source"].clone()),
        (json!("Benjamin"), json!("local"))
    );
    let query = json!({"query": r#"{ me { contacts(profile: "default", extens: ["1007", "5550000"]) { edges { node { wazoReverse wazoSourceName } } } } }"#});
    let (status, body) = dird
        .send(
            reqwest::Method::POST,
            "/0.1/graphql",
            "t",
            None,
            Some(&query.to_string()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["me"]["contacts"]["edges"],
        json!([{"node": {"wazoReverse": "Benjamin", "wazoSourceName": "local"}}, {"node": null}]),
        "{body}"
    );
}

/// A lookup's results come in the profile's source order, whichever source answers first: the
/// web service, first in the profile, answers 300 ms after the local file.
#[tokio::test]
async fn results_follow_the_profiles_source_order_not_the_fastest_source() {
    let ws = CsvWebService::start(ROWS, ',', "utf-8", false);
    ws.set_delay(Duration::from_millis(300));
    let dird = start(vec![ws_source("ws", &ws, ",", json!({}))], json!({})).await;
    let body = lookup(&dird, "ben").await;
    let mut sources: Vec<&str> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["source"].as_str())
        .collect();
    sources.dedup();
    assert_eq!(sources, ["ws", "local"], "{body}");
}
