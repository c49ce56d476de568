//! Log lines as the other Wazo daemons write them (`%(asctime)s [%(process)d] (%(levelname)s)
//! (%(name)s): %(message)s`), one line per HTTP request (`response to <ip> in <s>s: <method>
//! <path> <status>`, secret query values hidden, the token never), and the log file opened again
//! on SIGHUP after logrotate moved it away.

use integration_tests::csv_directory::start;
use integration_tests::daemon::{set_mode, shared_tempdir};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// The lines of `file` (empty when absent).
fn lines(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits for a line of `file` containing `needle` (lines are written by a thread of their own).
async fn line_with(file: &Path, needle: &str) -> String {
    let started = Instant::now();
    loop {
        if let Some(line) = lines(file).into_iter().find(|l| l.contains(needle)) {
            return line;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no line with {needle:?} in {}: {:?}",
            file.display(),
            lines(file)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `2026-12-03 01:02:03,456 [1234] (INFO) (wazo_dird.http.access): <message>` → the parts.
fn parts(line: &str) -> (String, u32, String, String, String) {
    let (stamp, rest) = line.split_at(23);
    let bytes = stamp.as_bytes();
    assert!(
        stamp.chars().enumerate().all(|(i, c)| match i {
            4 | 7 => c == '-',
            10 => c == ' ',
            13 | 16 => c == ':',
            19 => c == ',',
            _ => c.is_ascii_digit(),
        }) && bytes.len() == 23,
        "asctime as Python writes it: {line}"
    );
    let rest = rest.strip_prefix(" [").expect(line);
    let (pid, rest) = rest.split_once("] (").expect(line);
    let (level, rest) = rest.split_once(") (").expect(line);
    let (name, message) = rest.split_once("): ").expect(line);
    (
        stamp.to_owned(),
        pid.parse().expect("pid"),
        level.to_owned(),
        name.to_owned(),
        message.to_owned(),
    )
}

#[tokio::test]
async fn lines_look_like_wazos_and_each_request_is_logged_once_without_secrets() {
    let dir = shared_tempdir();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).expect("logs dir");
    // The daemon drops root for `nobody`, who must be able to create the file again after a
    // rotation.
    set_mode(&logs, 0o777);
    let file = logs.join("wazo-dird.log");
    let dird = start(dir, json!({"log_filename": file})).await;
    let (status, _) = dird.get("/0.1/status", "admin", None).await;
    assert_eq!(status, 200);
    let line = line_with(&file, "GET /0.1/status 200").await;
    let (_, pid, level, name, message) = parts(&line);
    assert!(pid > 1, "{line}");
    assert_eq!(level, "INFO");
    assert_eq!(name, "wazo_dird.http.access");
    let (to, rest) = message.split_once(" in ").expect(&line);
    assert_eq!(to, "response to 127.0.0.1");
    let (took, request) = rest.split_once("s: ").expect(&line);
    assert!(took.parse::<f64>().is_ok(), "{line}");
    assert_eq!(request, "GET /0.1/status 200");
    let started = lines(&file);
    let (_, _, level, name, _) = parts(&started[0]);
    assert_eq!((level.as_str(), name.as_str()), ("INFO", "wazo_dird.app"));

    let (status, _) = dird
        .get(
            "/0.1/directories/lookup/default?term=ali&token=admin",
            "admin",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let line = line_with(&file, "GET /0.1/directories/lookup/default?").await;
    assert!(line.ends_with("?term=ali&token=<hidden> 200"), "{line}");
    let (status, _) = dird.get("/0.1/nothing-here", "admin", None).await;
    assert_eq!(status, 404);
    line_with(&file, "GET /0.1/nothing-here 404").await;
    assert!(
        lines(&file).iter().all(|l| !l.contains("admin")),
        "the token never in a line"
    );

    // logrotate moves the file away, then sends SIGHUP: the daemon writes to a new file.
    let rotated = logs.join("wazo-dird.log.1");
    std::fs::rename(&file, &rotated).expect("rotate");
    dird.signal(nix::sys::signal::Signal::SIGHUP);
    line_with(&file, "log file reopened").await;
    let (status, _) = dird.get("/0.1/config", "admin", None).await;
    assert_eq!(status, 200);
    line_with(&file, "GET /0.1/config 200").await;
    assert!(
        lines(&rotated).iter().all(|l| !l.contains("/0.1/config")),
        "nothing more in the rotated file"
    );
}
