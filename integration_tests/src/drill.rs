//! The cluster drill: three instances on one database and one broker behind nginx (Debian's
//! package, a configuration of the drill's own), a tenant with a 1,200-row CSV source and a
//! 300-contact phonebook in one profile (with a favorites column), lookups through nginx from
//! many connections, one write a second through nginx (a phonebook contact POST, then a favorite
//! PUT of that contact, alternately), and faults under that load: `kill -9` of one instance,
//! restarted later, and SIGTERM of another, restarted later.
//!
//! It reports what the goals are about: lookups that failed through nginx (not 200) or came back
//! incomplete (not the expected contacts), acknowledged writes that an instance does not show at the
//! end, how long each restarted instance took from its start to a correct answer, and the lookup
//! rates without writes, with writes, and under faults. The test `cluster_nginx.rs` runs it short
//! on the debug build and asserts the goals; `scripts/bench-cluster.sh` runs it long on the release
//! build and prints the figures (docs/performance.md).

use crate::broker;
use crate::daemon::Daemon;
use crate::nginx::Nginx;
use crate::peers::{instance_with, send};
use crate::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The term every lookup of the drill asks, and how many contacts it finds (two in each source).
pub const TERM: &str = "zorro";
const EXPECTED: usize = 4;

/// How long each part lasts.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    /// Lookups without writes nor faults.
    pub quiet: Duration,
    /// Then lookups and a write a second: this long before the first fault.
    pub writes: Duration,
    /// Then `kill -9` of instance 1, restarted this long later...
    pub killed_for: Duration,
    /// ... then, this long after that restart, SIGTERM of instance 2, restarted this long later...
    pub between: Duration,
    pub stopped_for: Duration,
    /// ... and lookups and writes go on for this long after the second restart.
    pub after: Duration,
    /// Lookup connections through nginx.
    pub connections: usize,
}

/// What the drill measured.
#[derive(Debug, Default)]
pub struct Report {
    pub quiet_rate: f64,
    pub writes_rate: f64,
    pub faults_rate: f64,
    /// Lookups answered with another status than 200 through nginx, with the statuses seen.
    pub failed: u64,
    pub failed_statuses: Vec<String>,
    /// Lookups answered 200 without the expected contacts.
    pub incomplete: u64,
    pub p99_ms: f64,
    pub writes_acknowledged: usize,
    pub writes_refused: usize,
    /// Acknowledged writes that an instance did not show at the end, per instance.
    pub lost: Vec<String>,
    /// From each restart to the first correct answer of that instance, asked directly.
    pub ready_after: Vec<Duration>,
    /// Answers of a restarted instance, asked directly, that were 200 but wrong before it was right.
    pub wrong_while_starting: u64,
}

/// Counters of the lookup connections.
#[derive(Debug, Default)]
struct Counters {
    ok: AtomicU64,
    failed: AtomicU64,
    incomplete: AtomicU64,
    statuses: Mutex<Vec<String>>,
    latencies_us: Mutex<Vec<u64>>,
}

/// Whether a lookup body holds the drill's expected contacts.
fn complete(body: &Value) -> bool {
    body["results"]
        .as_array()
        .is_some_and(|r| r.len() == EXPECTED)
}

/// The drill's data, made through the first instance: the CSV file (in `files`), the phonebook
/// and the sources, the display and the profile. Answers the phonebook's contacts path and the
/// name of its source (a phonebook source is named after its phonebook).
async fn provision(dird: &Daemon, files: &std::path::Path) -> (String, String) {
    let mut csv = String::from("id,firstname,lastname,number\n");
    for i in 0..1200 {
        let first = if i < 2 { "Zorro" } else { "Csv" };
        csv.push_str(&format!("{i},{first},Person{i},1{i:05}\n"));
    }
    let file = files.join("drill.csv");
    std::fs::write(&file, csv).expect("csv");
    crate::daemon::set_mode(&file, 0o644);
    let (status, book) = send(
        dird,
        Method::POST,
        "/0.1/phonebooks".into(),
        json!({"name": "drill"}),
    )
    .await;
    assert_eq!(status, 201, "{book}");
    let book_uuid = book["uuid"].as_str().expect("uuid").to_owned();
    let contacts = format!("/0.1/phonebooks/{book_uuid}/contacts");
    let mut rows = String::from("firstname,lastname,number\n");
    for i in 0..300 {
        let first = if i < 2 { "Zorro" } else { "Book" };
        rows.push_str(&format!("{first},Entry{i},2{i:05}\n"));
    }
    let (status, _) = dird
        .post_bytes(
            &format!("{contacts}/import"),
            "t",
            "text/csv; charset=utf-8",
            rows.into_bytes(),
        )
        .await;
    assert_eq!(status, 201, "import");
    let columns = json!({"searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number"],
                         "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"}});
    let mut csv_source = columns.clone();
    csv_source["name"] = json!("drill-csv");
    csv_source["file"] = json!(file);
    csv_source["unique_column"] = json!("id");
    let (status, csv_source) = send(
        dird,
        Method::POST,
        "/0.1/backends/csv/sources".into(),
        csv_source,
    )
    .await;
    assert_eq!(status, 200, "{csv_source}");
    let mut book_source = columns;
    book_source["name"] = json!("drill-book");
    book_source["phonebook_uuid"] = json!(book_uuid);
    let (status, book_source) = send(
        dird,
        Method::POST,
        "/0.1/backends/phonebook/sources".into(),
        book_source,
    )
    .await;
    assert_eq!(status, 200, "{book_source}");
    let display = json!({"name": "drill", "columns": [{"field": "name", "title": "Nom"},
                         {"field": "number", "title": "Numéro"}, {"field": "favorite", "type": "favorite", "title": "Favori"}]});
    let (_, display) = send(dird, Method::POST, "/0.1/displays".into(), display).await;
    let refs = json!([{"uuid": csv_source["uuid"]}, {"uuid": book_source["uuid"]}]);
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]},
                         "services": {"lookup": {"sources": refs}, "favorites": {"sources": refs}, "reverse": {"sources": refs}}});
    let (status, body) = send(dird, Method::POST, "/0.1/profiles".into(), profile).await;
    assert_eq!(status, 201, "{body}");
    (
        contacts,
        book_source["name"].as_str().unwrap_or_default().to_owned(),
    )
}

fn lookup_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/0.1/directories/lookup/default?term={TERM}")
}

/// One lookup connection through nginx until `stop`.
async fn lookups(url: String, counters: Arc<Counters>, stop: Arc<AtomicBool>) {
    let http = reqwest::Client::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let answer = http.get(&url).header("X-Auth-Token", "t").send().await;
        let outcome = match answer {
            Ok(response) if response.status() == 200 => match response.json::<Value>().await {
                Ok(body) if complete(&body) => Ok(()),
                Ok(_) => Err(None),
                Err(error) => Err(Some(format!("body: {error}"))),
            },
            Ok(response) => Err(Some(response.status().as_u16().to_string())),
            Err(error) => Err(Some(format!("{error}"))),
        };
        let took = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        match outcome {
            Ok(()) => {
                counters.ok.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut latencies) = counters.latencies_us.lock() {
                    latencies.push(took);
                }
            }
            Err(None) => {
                counters.incomplete.fetch_add(1, Ordering::Relaxed);
            }
            Err(Some(status)) => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut statuses) = counters.statuses.lock() {
                    if statuses.len() < 20 {
                        statuses.push(status);
                    }
                }
            }
        }
    }
}

/// A write a second through nginx until `stop`: a contact `Writer<n>` created, then made a
/// favorite. Answers the acknowledged writes (`contact:<id>`, `favorite:<id>`) and the refused.
async fn writes(
    port: u16,
    (contacts, source): (String, String),
    stop: Arc<AtomicBool>,
) -> (Vec<String>, usize) {
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let (mut acknowledged, mut refused) = (Vec::new(), 0);
    let mut last: Option<String> = None;
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let answer = match last.take() {
            None => {
                n += 1;
                let body = json!({"firstname": format!("Writer{n}"), "lastname": "Drill"});
                let response = http
                    .post(format!("{base}{contacts}"))
                    .header("X-Auth-Token", "t")
                    .json(&body)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        let body: Value = r.json().await.unwrap_or_default();
                        let id = body["id"].as_str().unwrap_or_default().to_owned();
                        acknowledged.push(format!("contact:{id}"));
                        last = Some(id);
                        true
                    }
                    _ => false,
                }
            }
            Some(id) => {
                let response = http
                    .put(format!("{base}/0.1/directories/favorites/{source}/{id}"))
                    .header("X-Auth-Token", "t")
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        acknowledged.push(format!("favorite:{id}"));
                        true
                    }
                    Ok(r) => {
                        eprintln!(
                            "favorite PUT refused: {} {}",
                            r.status(),
                            r.text().await.unwrap_or_default()
                        );
                        false
                    }
                    Err(error) => {
                        eprintln!("favorite PUT failed: {error}");
                        false
                    }
                }
            }
        };
        if !answer {
            refused += 1;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    (acknowledged, refused)
}

/// Restarts `dird` and asks it directly until it answers correctly: how long that took, and the
/// wrong answers (200, not the expected contacts) it gave before.
async fn restart_and_time(dird: &mut Daemon) -> (Duration, u64) {
    dird.restart();
    let started = Instant::now();
    let mut wrong = 0;
    let url = dird.url(&format!("/0.1/directories/lookup/default?term={TERM}"));
    loop {
        // Connections are refused until it listens; then 503 until it is ready.
        let answer = dird.http.get(&url).header("X-Auth-Token", "t").send().await;
        if let Ok(response) = answer {
            if response.status() == 200 {
                let body: Value = response.json().await.unwrap_or_default();
                if complete(&body) {
                    return (started.elapsed(), wrong);
                }
                wrong += 1;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "a restarted instance never answered correctly; its log:\n{}",
            dird.stderr()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn rate(counters: &Counters, from: (u64, Instant)) -> f64 {
    let done = counters.ok.load(Ordering::Relaxed) - from.0;
    done as f64 / from.1.elapsed().as_secs_f64()
}

fn mark(counters: &Counters) -> (u64, Instant) {
    (counters.ok.load(Ordering::Relaxed), Instant::now())
}

/// Whether `dird` shows the acknowledged write `write`.
async fn shows(dird: &Daemon, write: &str, favorites: &Value) -> bool {
    let Some((kind, id)) = write.split_once(':') else {
        return false;
    };
    match kind {
        "contact" => {
            let writer = json!(id);
            let (_, body) = dird
                .get("/0.1/directories/lookup/default?term=writer", "t", None)
                .await;
            body["results"].as_array().is_some_and(|results| {
                results
                    .iter()
                    .any(|r| r["relations"]["source_entry_id"] == writer)
            })
        }
        _ => favorites["results"].as_array().is_some_and(|results| {
            results
                .iter()
                .any(|r| r["relations"]["source_entry_id"] == json!(id))
        }),
    }
}

/// Runs the drill; `overrides` go into each instance's configuration.
pub async fn run(timeline: Timeline, overrides: Value) -> Report {
    let exchange = format!("dird-drill-{}", uuid::Uuid::new_v4().simple());
    let database = TestDatabase::create().await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(instance_with(&database, &exchange, 5672, overrides.clone()).await);
    }
    let files = crate::daemon::shared_tempdir();
    let contacts = provision(&instances[0], files.path()).await;
    for dird in &instances {
        crate::peers::within(
            Duration::from_secs(10),
            "each instance serves the profile",
            || async {
                let (status, body) = dird
                    .get(
                        &format!("/0.1/directories/lookup/default?term={TERM}"),
                        "t",
                        None,
                    )
                    .await;
                status == 200 && complete(&body)
            },
        )
        .await;
    }
    let nginx = Nginx::start(&instances.iter().map(|d| d.port).collect::<Vec<_>>());
    crate::peers::within(Duration::from_secs(10), "nginx answers", || async {
        reqwest::Client::new()
            .get(lookup_url(nginx.port))
            .header("X-Auth-Token", "t")
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;

    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let connections: Vec<_> = (0..timeline.connections)
        .map(|_| {
            tokio::spawn(lookups(
                lookup_url(nginx.port),
                Arc::clone(&counters),
                Arc::clone(&stop),
            ))
        })
        .collect();
    let mut report = Report::default();
    let quiet = mark(&counters);
    tokio::time::sleep(timeline.quiet).await;
    report.quiet_rate = rate(&counters, quiet);

    let stop_writes = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(writes(nginx.port, contacts, Arc::clone(&stop_writes)));
    let with_writes = mark(&counters);
    tokio::time::sleep(timeline.writes).await;
    report.writes_rate = rate(&counters, with_writes);

    let faults = mark(&counters);
    instances[1].signal(nix::sys::signal::Signal::SIGKILL);
    tokio::time::sleep(timeline.killed_for).await;
    let (ready, wrong) = restart_and_time(&mut instances[1]).await;
    report.ready_after.push(ready);
    report.wrong_while_starting += wrong;
    tokio::time::sleep(timeline.between).await;
    instances[2].signal(nix::sys::signal::Signal::SIGTERM);
    tokio::time::sleep(timeline.stopped_for).await;
    let (ready, wrong) = restart_and_time(&mut instances[2]).await;
    report.ready_after.push(ready);
    report.wrong_while_starting += wrong;
    tokio::time::sleep(timeline.after).await;
    report.faults_rate = rate(&counters, faults);

    stop_writes.store(true, Ordering::Relaxed);
    let (acknowledged, refused) = writer.await.unwrap_or_default();
    stop.store(true, Ordering::Relaxed);
    for connection in connections {
        let _ = connection.await;
    }
    report.failed = counters.failed.load(Ordering::Relaxed);
    report.incomplete = counters.incomplete.load(Ordering::Relaxed);
    report.failed_statuses = counters
        .statuses
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    if let Ok(mut latencies) = counters.latencies_us.lock() {
        latencies.sort_unstable();
        let index = latencies.len().saturating_sub(1) * 99 / 100;
        report.p99_ms = latencies.get(index).copied().unwrap_or_default() as f64 / 1000.0;
    }
    report.writes_acknowledged = acknowledged.len();
    report.writes_refused = refused;

    // Every acknowledged write, on every instance (a peer's event may still be on its way).
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (index, dird) in instances.iter().enumerate() {
        let (_, favorites) = dird
            .get("/0.1/directories/favorites/default", "t", None)
            .await;
        for write in &acknowledged {
            if !shows(dird, write, &favorites).await {
                report.lost.push(format!("instance {index}: {write}"));
            }
        }
    }
    drop(nginx);
    broker::clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
    report
}
