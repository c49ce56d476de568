//! The configuration as an admin changes it: SIGHUP reloads by diff, invalid declared resources,
//! services and backends switched off.

use integration_tests::csv_directory::{directory_config, lookup_path, names, start};
use integration_tests::daemon::{base_config, shared_tempdir, Daemon};
use integration_tests::free_port;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn invalid_declared_resources_stop_the_start_with_every_error() {
    let dir = shared_tempdir();
    let mut config = base_config(free_port(), directory_config(dir.path()));
    config["sources"][0]["separator"] = json!(";;");
    config["sources"][1]["backend"] = json!("gopher");
    config["profiles"][0]["services"]["lookup"]["options"] = json!({"timeout": -1});
    let path = integration_tests::daemon::write_config(dir.path(), &config);
    let (code, stderr) = integration_tests::daemon::run_to_exit(&path, &[]);
    assert_ne!(code, Some(0));
    for expected in [
        "sources[0] (contacts): separator",
        "unknown backend \"gopher\"",
        "profiles[0] (default)",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected} missing from:\n{stderr}"
        );
    }
}

#[tokio::test]
async fn sighup_reloads_declared_resources_by_diff() {
    let dir = shared_tempdir();
    let base = base_config(free_port(), directory_config(dir.path()));
    let mut dird = Daemon::start_in(dir, base.clone(), &[]).await;
    assert_eq!(
        names(
            &dird
                .get(&lookup_path("default", "mar"), "admin", None)
                .await
                .1
        ),
        ["Alice Martin", "Bob Marley", "Marc Dupont"]
    );

    // The `more` source changes its template, `other-tenant` goes away, `contacts` is untouched.
    let mut changed = base.clone();
    changed["sources"][1]["format_columns"]["name"] = json!("{label} (more)");
    changed["sources"]
        .as_array_mut()
        .expect("sources")
        .remove(2);
    changed["profiles"]
        .as_array_mut()
        .expect("profiles")
        .remove(1);
    let config_path = integration_tests::daemon::write_config(dird.dir.path(), &changed);
    dird.signal(nix::sys::signal::Signal::SIGHUP);
    let mut found = Vec::new();
    for _ in 0..50 {
        found = names(
            &dird
                .get(&lookup_path("default", "mar"), "admin", None)
                .await
                .1,
        );
        if found.contains(&"Marc Dupont (more)".to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(found, ["Alice Martin", "Bob Marley", "Marc Dupont (more)"]);
    let reconciled = dird
        .stderr()
        .lines()
        .rfind(|l| l.contains("source actors reconciled"))
        .unwrap_or_default()
        .to_owned();
    assert!(reconciled.contains("started=[]"), "{reconciled}");
    assert_eq!(
        reconciled.matches("restarted=[\"").count() + reconciled.matches("stopped=[\"").count(),
        2,
        "{reconciled}"
    );
    assert!(
        !reconciled.contains("\", \""),
        "one source restarted, one stopped, the third untouched: {reconciled}"
    );
    let (status, _) = dird
        .get(&lookup_path("other", "a"), "other-admin", None)
        .await;
    assert_eq!(status, 404, "the removed profile is gone");

    // An invalid configuration is refused and the running one stays.
    let mut broken = changed.clone();
    broken["sources"][0]["separator"] = json!("too long");
    std::fs::write(&config_path, yaml_serde::to_string(&broken).expect("yaml")).expect("write");
    dird.signal(nix::sys::signal::Signal::SIGHUP);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(dird.is_running(), "SIGHUP never stops the daemon");
    assert!(
        dird.stderr().contains("reload refused"),
        "{}",
        dird.stderr()
    );
    assert_eq!(
        names(
            &dird
                .get(&lookup_path("default", "mar"), "admin", None)
                .await
                .1
        ),
        ["Alice Martin", "Bob Marley", "Marc Dupont (more)"]
    );
}

#[tokio::test]
async fn a_disabled_service_takes_its_routes_away() {
    let dird = start(
        shared_tempdir(),
        json!({"enabled_plugins": {"services": {"lookup": false}}}),
    )
    .await;
    let (status, _) = dird
        .get(&lookup_path("default", "mar"), "admin", None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = dird
        .get("/0.1/directories/lookup/default/headers", "admin", None)
        .await;
    assert_eq!(
        status, 200,
        "headers need the display and profile services only"
    );
}

#[tokio::test]
async fn backends_lists_installed_and_enabled_kinds_only() {
    let dird = start(
        shared_tempdir(),
        json!({"enabled_plugins": {"backends": {"csv_ws": false, "unknown_kind": true}}}),
    )
    .await;
    let (status, body) = dird.get("/0.1/backends", "admin", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"total": 8, "filtered": 8, "items": [{"name": "conference"}, {"name": "csv"}, {"name": "google"}, {"name": "ldap"}, {"name": "office365"}, {"name": "personal"}, {"name": "phonebook"}, {"name": "wazo"}]})
    );
    let (_, body) = dird.get("/0.1/backends?search=LD", "admin", None).await;
    assert_eq!(body["items"], json!([{"name": "ldap"}]));
    let (status, _) = dird
        .get("/0.1/backends/csv_ws/sources", "admin", None)
        .await;
    assert_eq!(status, 404, "a disabled backend has no routes");
    let (status, _) = dird.get("/0.1/backends/csv/sources", "admin", None).await;
    assert_eq!(status, 200);
}
