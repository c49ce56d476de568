//! The test harness: the real `wazo-dird` binary started against real PostgreSQL (a fresh database
//! per test), and stand-ins for the external HTTP services that answer like the real ones.

pub mod api_setup;
pub mod auth_stand_in;
pub mod broker;
pub mod cloud_stand_in;
pub mod confd_stack;
pub mod confd_stand_in;
pub mod consul_stand_in;
pub mod csv_directory;
pub mod daemon;
pub mod dird_client;
pub mod drill;
pub mod nginx;
pub mod peers;
pub mod postgres;
pub mod prometheus;
pub mod server;
pub mod slapd;
pub mod tcp_proxy;
pub mod users;
pub mod web_service;

use std::net::TcpListener;
use std::time::{Duration, Instant};

/// The Content-Type of an answer (empty when absent or not text).
pub fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// Polls `check` every 20 ms until it holds, or fails the test after `timeout` naming `what`;
/// answers how long it took.
pub async fn eventually<F: std::future::Future<Output = bool>>(
    timeout: Duration,
    what: &str,
    mut check: impl FnMut() -> F,
) -> Duration {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < timeout,
            "{what} did not happen within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}
