//! Ready means ready, after a restart too: an instance answers no directory request (lookups
//! here) before it has read its catalog from the database and warmed its sources. Until then it
//! answers 503 with wazo-dird's error body (`error_id: not-ready`, the reason in `details`), which a
//! load balancer retries on another instance, and `/0.1/status` says why under `directory`; never
//! a 404 for a profile it has not read yet, never an answer without the contacts of a copy still
//! loading.

use integration_tests::confd_stack::stack;
use integration_tests::csv_directory::lookup_path;
use integration_tests::daemon::{base_config, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::peers::{instance, names, profile_over_phonebook, TOKENS};
use integration_tests::postgres::TestDatabase;
use integration_tests::tcp_proxy::FreezingProxy;
use integration_tests::users::create_profile;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// What a lookup answered: its status, and for a 503 its `error_id` and reason.
#[derive(Debug, PartialEq)]
enum Answer {
    Found(Value),
    NotReady(String),
    Other(u16, Value),
}

async fn answer(dird: &Daemon, token: &str, term: &str) -> Answer {
    let (status, body) = dird.get(&lookup_path("default", term), token, None).await;
    match status {
        200 => Answer::Found(body["results"].clone()),
        503 if body["error_id"] == "not-ready" => Answer::NotReady(
            body["details"]["reason"]
                .as_str()
                .unwrap_or_default()
                .into(),
        ),
        _ => Answer::Other(status, body),
    }
}

/// Looks up `term` until an answer is found (`limit` at most): the reasons seen before.
async fn poll_until_found(
    dird: &Daemon,
    token: &str,
    term: &str,
    limit: Duration,
) -> (Value, Vec<String>) {
    let started = Instant::now();
    let mut reasons: Vec<String> = Vec::new();
    loop {
        match answer(dird, token, term).await {
            Answer::Found(results) => return (results, reasons),
            Answer::NotReady(reason) => {
                if reasons.last() != Some(&reason) {
                    reasons.push(reason);
                }
            }
            Answer::Other(status, body) => panic!("answered {status} {body} before it was ready"),
        }
        assert!(
            started.elapsed() < limit,
            "not ready within {limit:?}: {reasons:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn an_instance_that_cannot_read_its_catalog_yet_answers_503_not_404() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let database = TestDatabase::create().await;
    let mut first = instance(&database, &exchange).await;
    profile_over_phonebook(&first).await;
    assert_eq!(names(&first, "ali").await, ["Alice Martin"]);
    first.stop();

    // The next instance starts while PostgreSQL cannot be reached (nothing listens yet).
    let db_port = free_port();
    let uri = database.uri().replace(":5432/", &format!(":{db_port}/"));
    assert_ne!(uri, database.uri());
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let config = base_config(free_port(), json!({"auth": auth, "db_uri": uri}));
    let second = Daemon::start_listening_in(dir, config, &[]).await;
    for _ in 0..20 {
        let reading = answer(&second, "t", "ali").await;
        assert_eq!(
            reading,
            Answer::NotReady("reading the sources, displays and profiles from the database".into())
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let (_, status) = second.get("/0.1/status", "t", None).await;
    assert_eq!(status["directory"]["status"], "fail", "{status}");
    assert!(status["directory"]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("database")));
    assert_eq!(status["rest_api"]["status"], "ok", "the API itself is up");

    let _database_back = FreezingProxy::start_at(db_port, "127.0.0.1:5432").await;
    let (results, _) = poll_until_found(&second, "t", "ali", Duration::from_secs(15)).await;
    assert_eq!(results[0]["column_values"][0], "Alice Martin", "{results}");
    let (_, status) = second.get("/0.1/status", "t", None).await;
    assert_eq!(status["directory"], json!({"status": "ok"}), "{status}");
}

#[tokio::test]
async fn a_restarted_instance_answers_once_its_copies_are_loaded() {
    let mut s = stack(json!({})).await;
    let source = s.wazo_source("wazo", "secret").await;
    create_profile(&s.dird, "alice", &source).await;
    let before = s.lookup("bob").await;
    assert_eq!(
        before["results"][0]["column_values"][0], "Bob Dylan",
        "{before}"
    );

    // wazo-confd answers slowly: the copy of its users takes 1.5 s to load after the restart.
    s.confd.set_delay(1.5);
    s.dird.restart();
    let started = Instant::now();
    let mut listening = false;
    while !listening {
        listening = s
            .dird
            .http
            .get(s.dird.url("/0.1/api/api.yml"))
            .send()
            .await
            .is_ok();
        assert!(started.elapsed() < Duration::from_secs(20), "not listening");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (results, reasons) =
        poll_until_found(&s.dird, "alice", "bob", Duration::from_secs(20)).await;
    let ready_after = started.elapsed();
    assert_eq!(results[0]["column_values"][0], "Bob Dylan", "{results}");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("loading the in-memory copies")),
        "{reasons:?}"
    );
    assert!(
        ready_after >= Duration::from_millis(1500),
        "ready before its copy: {ready_after:?}"
    );
    s.confd.set_delay(0.0);
    eprintln!("ready {ready_after:?} after the restart; reasons meanwhile: {reasons:?}");
    s.clean_up().await;
}
