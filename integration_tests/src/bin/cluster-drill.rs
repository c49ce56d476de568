//! `cluster-drill [SECONDS_SCALE]`: the cluster drill (`integration_tests::drill`) at the issue's
//! shape, for `scripts/bench-cluster.sh`: 32 lookup connections through nginx, 10 s without writes,
//! then a write a second, `kill -9` of an instance 8 s later (restarted 4 s after), SIGTERM of
//! another 6 s after that restart (restarted 3 s after), 9 s more. Runs the binary named by
//! `WAZO_DIRD_BIN` (the release build, from the script); prints the figures and exits 1 when a goal
//! is missed.

use integration_tests::drill::{run, Timeline};
use serde_json::json;
use std::time::Duration;

#[tokio::main]
async fn main() {
    let scale: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let s = |seconds: f64| Duration::from_secs_f64(seconds * scale);
    let timeline = Timeline {
        quiet: s(10.0),
        writes: s(8.0),
        killed_for: s(4.0),
        between: s(6.0),
        stopped_for: s(3.0),
        after: s(9.0),
        connections: 32,
    };
    let report = run(timeline, json!({"log_level": "info"})).await;
    let within = report.writes_rate >= 0.8 * report.quiet_rate;
    println!(
        "lookups/s through nginx, no writes:          {:.0}",
        report.quiet_rate
    );
    println!(
        "lookups/s through nginx, one write a second: {:.0} ({:+.1}%: {})",
        report.writes_rate,
        (report.writes_rate / report.quiet_rate - 1.0) * 100.0,
        if within {
            "within 20%"
        } else {
            "MORE THAN 20% BELOW"
        }
    );
    println!(
        "lookups/s through nginx, writes and faults:  {:.0}",
        report.faults_rate
    );
    println!(
        "p99 of successful lookups:                   {:.2} ms",
        report.p99_ms
    );
    println!(
        "failed lookups: {} {:?}; incomplete lookups: {}",
        report.failed, report.failed_statuses, report.incomplete
    );
    println!(
        "writes acknowledged: {}, refused: {}, missing at the end: {} {:?}",
        report.writes_acknowledged,
        report.writes_refused,
        report.lost.len(),
        report.lost
    );
    println!(
        "restarted instances answering correctly after: {:?}; wrong answers meanwhile: {}",
        report.ready_after, report.wrong_while_starting
    );
    let fast = report
        .ready_after
        .iter()
        .all(|t| *t <= Duration::from_secs(2));
    let goals = report.failed == 0
        && report.incomplete == 0
        && report.lost.is_empty()
        && report.wrong_while_starting == 0
        && fast
        && within;
    println!("goals {}", if goals { "met" } else { "MISSED" });
    std::process::exit(i32::from(!goals));
}
