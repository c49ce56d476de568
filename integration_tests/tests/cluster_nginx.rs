//! A cluster as it is deployed, driven as an operator would (`drill`): three instances, one
//! database, the broker, nginx in front; lookups and a write a second through nginx, `kill -9` of one
//! instance and SIGTERM of another under that load, each restarted. Goals: no lookup fails or comes
//! back incomplete through nginx, no acknowledged write is missing on any instance at the end, and
//! a restarted instance answers correctly once it answers at all (never a 200 without the
//! contacts), soon after its start. The rates are printed, not asserted: `scripts/bench-cluster.sh`
//! measures them on the release build.

use integration_tests::drill::{run, Timeline};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_behind_nginx_lose_no_lookup_and_no_write_through_kills_and_restarts() {
    let timeline = Timeline {
        quiet: Duration::from_secs(2),
        writes: Duration::from_secs(3),
        killed_for: Duration::from_secs(2),
        between: Duration::from_secs(2),
        stopped_for: Duration::from_secs(1),
        after: Duration::from_secs(3),
        connections: 8,
    };
    let report = run(timeline, json!({"log_level": "info"})).await;
    eprintln!("{report:#?}");
    assert_eq!(
        report.failed, 0,
        "lookups failed through nginx: {:?}",
        report.failed_statuses
    );
    assert_eq!(
        report.incomplete, 0,
        "lookups came back without the expected contacts"
    );
    assert!(report.writes_acknowledged >= 4, "{report:?}");
    assert!(
        report.lost.is_empty(),
        "acknowledged writes missing: {:?}",
        report.lost
    );
    assert_eq!(
        report.wrong_while_starting, 0,
        "a restarted instance answered before it was ready"
    );
    assert!(
        report
            .ready_after
            .iter()
            .all(|took| *took < Duration::from_secs(10)),
        "{:?}",
        report.ready_after
    );
}
