//! The user-data tests' harness: a daemon with static tokens on a fresh (or kept) database, and the
//! requests those tests share (JSON calls, CSV posts, a phonebook, a profile). The default tokens
//! are two users (`alice`, `bob`) and a service token without user, in one tenant.

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
    let dird = start_on(&database, tokens, token, overrides).await;
    (dird, database)
}

/// Starts the daemon on `database` (a restart keeps it), with these static tokens and
/// configuration keys, and waits (as `token`) until its database is ready.
pub async fn start_on(
    database: &TestDatabase,
    tokens: &str,
    token: &str,
    overrides: Value,
) -> Daemon {
    let dir = shared_tempdir();
    let mut config = base_config(
        free_port(),
        json!({"auth": static_auth(dir.path(), tokens), "db_uri": database.uri()}),
    );
    crate::daemon::merge(&mut config, overrides);
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status(token, "database", "ok", Duration::from_secs(15))
        .await;
    dird
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

/// A request with a JSON body (`Value::Null`: none).
pub async fn call_json(
    dird: &Daemon,
    method: Method,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let body = (!body.is_null()).then(|| body.to_string());
    dird.send(method, path, token, None, body.as_deref()).await
}

/// A POST of UTF-8 CSV text (imports).
pub async fn post_csv(dird: &Daemon, path: &str, token: &str, text: &str) -> (u16, Value) {
    dird.post_bytes(
        path,
        token,
        "text/csv; charset=utf-8",
        text.as_bytes().to_vec(),
    )
    .await
}

/// A GET that must answer 200; answers the body.
pub async fn get_ok(dird: &Daemon, path: &str, token: &str) -> Value {
    let (status, body) = call_json(dird, Method::GET, path, token, Value::Null).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// A phonebook named `name` (description `desc`) in `token`'s tenant; answers its uuid.
pub async fn create_phonebook(dird: &Daemon, token: &str, name: &str) -> String {
    let body = json!({"name": name, "description": "desc"});
    let (status, book) = call_json(dird, Method::POST, "/0.1/phonebooks", token, body).await;
    assert_eq!(status, 201, "{book}");
    book["uuid"].as_str().expect("uuid").to_owned()
}

/// A phonebook source created through REST with `body` (as the Wazo UI sends it); answers it.
pub async fn create_phonebook_source(dird: &Daemon, token: &str, body: Value) -> Value {
    let path = "/0.1/backends/phonebook/sources";
    let (status, source) = call_json(dird, Method::POST, path, token, body).await;
    assert_eq!(status, 200, "{source}");
    source
}

/// A profile `default` in `token`'s tenant looking up, reversing and listing favorites of
/// `source`, shown as `[name, number, favorite]`.
pub async fn create_profile(dird: &Daemon, token: &str, source: &Value) {
    create_profile_over(dird, token, &[source]).await;
}

/// A profile `default` in `token`'s tenant looking up, reversing and listing favorites of
/// `sources`, shown as `[name, number, favorite]`.
pub async fn create_profile_over(dird: &Daemon, token: &str, sources: &[&Value]) {
    let columns = json!([{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number"}, {"title": "Favori", "type": "favorite", "field": "favorite"}]);
    let display = json!({"name": "d", "columns": columns});
    let (_, display) = call_json(dird, Method::POST, "/0.1/displays", token, display).await;
    let refs: Vec<Value> = sources.iter().map(|s| json!({"uuid": s["uuid"]})).collect();
    let body = json!({"name": "default", "display": {"uuid": display["uuid"]},
                      "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs}, "favorites": {"sources": refs}}});
    let (status, created) = call_json(dird, Method::POST, "/0.1/profiles", token, body).await;
    assert_eq!(status, 201, "{created}");
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
