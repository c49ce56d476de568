//! A daemon for the user-data tests: two users (`alice`, `bob`) and a service token without user in
//! one tenant (static auth), and a fresh database.

use crate::daemon::{base_config, shared_tempdir, static_auth, Daemon};
use crate::free_port;
use crate::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

pub const TOKENS: &str = "tokens:\n  alice: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  bob: {user_uuid: 10000000-0000-4000-8000-00000000000b, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\n  service: {tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

/// Starts the daemon on a fresh database and waits for it.
pub async fn start() -> (Daemon, TestDatabase) {
    start_with(TOKENS, "alice").await
}

/// Starts the daemon on a fresh database with these static tokens, and waits (as `token`) until
/// its database is ready.
pub async fn start_with(tokens: &str, token: &str) -> (Daemon, TestDatabase) {
    start_configured(tokens, token, json!({})).await
}

/// [`start_with`], with these configuration keys besides.
pub async fn start_configured(
    tokens: &str,
    token: &str,
    overrides: Value,
) -> (Daemon, TestDatabase) {
    let database = TestDatabase::create().await;
    let dir = shared_tempdir();
    let mut config = base_config(
        free_port(),
        json!({"auth": static_auth(dir.path(), tokens), "db_uri": database.uri()}),
    );
    crate::daemon::merge(&mut config, overrides);
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status(token, "database", "ok", Duration::from_secs(15))
        .await;
    (dird, database)
}

/// A request with an optional raw body.
pub async fn call(
    dird: &Daemon,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> (u16, Value) {
    dird.send(method, path, token, None, body).await
}

/// POSTs every body at once (one request each, all in flight together); answers the statuses.
pub async fn post_concurrently(
    dird: &Daemon,
    path: &str,
    token: &str,
    bodies: Vec<String>,
) -> Vec<u16> {
    let requests = bodies
        .iter()
        .map(|body| async move { call(dird, Method::POST, path, token, Some(body)).await.0 });
    futures_util::future::join_all(requests).await
}
