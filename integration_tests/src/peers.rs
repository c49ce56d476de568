//! Instances of a cluster in a test: each on the test's database and the machine's broker, with a
//! static token `t` of the master tenant; the requests and lookups the cluster tests make.

use crate::daemon::{base_config, shared_tempdir, static_auth, Daemon};
use crate::free_port;
use crate::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

pub const TOKENS: &str = "tokens:\n  t: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

/// What an instance logs when it reads an owner's contacts whole into memory.
pub const COPIED: &str = "contacts copied in memory for lookups";

/// How many times `dird` read a phonebook whole into memory.
pub fn phonebook_loads(dird: &Daemon) -> usize {
    dird.stderr()
        .lines()
        .filter(|line| line.contains(COPIED) && line.contains("Phonebook"))
        .count()
}

/// An instance on `database` and the broker, following the events of `exchange`.
pub async fn instance(database: &TestDatabase, exchange: &str) -> Daemon {
    instance_on(database, exchange, 5672).await
}

/// An instance on `database` and the broker (through `bus_port`), following the events of
/// `exchange`, once its database and its consumers are ready.
pub async fn instance_on(database: &TestDatabase, exchange: &str, bus_port: u16) -> Daemon {
    instance_with(database, exchange, bus_port, json!({})).await
}

/// [`instance_on`] with these configuration keys besides.
pub async fn instance_with(
    database: &TestDatabase,
    exchange: &str,
    bus_port: u16,
    overrides: Value,
) -> Daemon {
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let mut config = base_config(
        free_port(),
        json!({
            "auth": auth,
            "db_uri": database.uri(),
            "bus": {"enabled": true, "host": "127.0.0.1", "port": bus_port, "exchange_name": exchange, "queue_name": format!("{exchange}-queue")},
        }),
    );
    crate::daemon::merge(&mut config, overrides);
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    dird.wait_for_status("t", "bus_consumer", "ok", Duration::from_secs(15))
        .await;
    dird
}

pub async fn send(dird: &Daemon, method: Method, path: String, body: Value) -> (u16, Value) {
    let body = (!body.is_null()).then(|| body.to_string());
    dird.send(method, &path, "t", None, body.as_deref()).await
}

/// The body of a lookup of `term` in the profile `default` on `dird` (`null` on an error).
pub async fn lookup(dird: &Daemon, term: &str) -> Value {
    let path = format!("/0.1/directories/lookup/default?term={term}");
    dird.get(&path, "t", None).await.1
}

/// The names a lookup of `term` finds on `dird`, sorted (empty on any error).
pub async fn names(dird: &Daemon, term: &str) -> Vec<String> {
    let body = lookup(dird, term).await;
    let mut names: Vec<String> = body["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    r["column_values"][0]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A phonebook `company` holding Alice Martin, made through `dird`: the phonebook, the path of its
/// contacts and Alice.
pub async fn phonebook_of_alice(dird: &Daemon) -> (Value, String, Value) {
    let (_, book) = send(
        dird,
        Method::POST,
        "/0.1/phonebooks".into(),
        json!({"name": "company"}),
    )
    .await;
    let contacts = format!(
        "/0.1/phonebooks/{}/contacts",
        book["uuid"].as_str().expect("uuid")
    );
    let (_, alice) = send(
        dird,
        Method::POST,
        contacts.clone(),
        json!({"firstname": "Alice", "lastname": "Martin"}),
    )
    .await;
    (book, contacts, alice)
}

/// A phonebook `company` holding Alice Martin and a profile `default` looking it up (by first
/// name, shown as "first last"), made through `dird`: the path of the phonebook's contacts.
pub async fn profile_over_phonebook(dird: &Daemon) -> String {
    let (book, contacts, _) = phonebook_of_alice(dird).await;
    let source = json!({"name": "company", "phonebook_uuid": book["uuid"], "searched_columns": ["firstname"],
                        "format_columns": {"name": "{firstname} {lastname}"}});
    let (_, source) = send(
        dird,
        Method::POST,
        "/0.1/backends/phonebook/sources".into(),
        source,
    )
    .await;
    let (_, display) = send(
        dird,
        Method::POST,
        "/0.1/displays".into(),
        json!({"name": "d", "columns": [{"field": "name"}]}),
    )
    .await;
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]},
                         "services": {"lookup": {"sources": [{"uuid": source["uuid"]}]}}});
    let (status, _) = send(dird, Method::POST, "/0.1/profiles".into(), profile).await;
    assert_eq!(status, 201, "the profile");
    contacts
}

/// Waits until `check` holds, `timeout` at most: how long it took.
pub async fn within(timeout: Duration, what: &str, check: impl AsyncFn() -> bool) -> Duration {
    let started = std::time::Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < timeout,
            "{what}: not within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
