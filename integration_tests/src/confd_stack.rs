//! The stack of the `wazo` and `conference` backend tests: a wazo-confd stand-in with users in two
//! tenants and conference rooms, a wazo-auth stand-in that logs the sources in, and the daemon
//! (static tokens of `users::TOKENS`) on a fresh database, its bus on a test exchange of the real
//! broker.

use crate::auth_stand_in::AuthStandIn;
use crate::broker::{clean_up, publish};
use crate::confd_stand_in::{conference, user, ConfdStandIn, XIVO_UUID};
use crate::csv_directory::lookup_path;
use crate::daemon::Daemon;
use crate::users::{call_json, get_ok, start_configured, TOKENS};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

pub const TENANT: &str = "20000000-0000-4000-8000-000000000001";
pub const OTHER_TENANT: &str = "20000000-0000-4000-8000-0000000000ff";
pub const CONFD_TOKEN: &str = "confd-source-token";

/// The daemon and what its `wazo` and `conference` sources talk to.
#[derive(Debug)]
pub struct Stack {
    pub dird: Daemon,
    _database: crate::postgres::TestDatabase,
    pub confd: Arc<ConfdStandIn>,
    pub auth: Arc<AuthStandIn>,
    pub exchange: String,
}

/// wazo-confd with three users of our tenant and one of another, two conference rooms; wazo-auth
/// that logs the sources in; the daemon (static tokens) on a fresh database, its bus on a test
/// exchange.
pub async fn stack(overrides: Value) -> Stack {
    let confd = ConfdStandIn::start(CONFD_TOKEN, TENANT);
    confd.put_user(
        TENANT,
        user(
            42,
            "u-42",
            "Bob",
            Some("Dylan"),
            Some("1000"),
            None,
            Some(3),
            Some("2"),
        ),
    );
    confd.put_user(
        TENANT,
        user(
            43,
            "u-43",
            "Pablo Ruiz",
            Some("Picasso"),
            Some("1001"),
            Some("+33600000001"),
            None,
            None,
        ),
    );
    confd.put_user(
        TENANT,
        user(44, "u-44", "Élise", Some("Àccent"), None, None, None, None),
    );
    confd.put_user(
        OTHER_TENANT,
        user(
            99,
            "u-99",
            "Bobby",
            Some("Elsewhere"),
            Some("1099"),
            None,
            None,
            None,
        ),
    );
    confd.put_conference(TENANT, conference(4, "daily scrum", &["4002"], &[]));
    confd.put_conference(TENANT, conference(1, "test", &["4001"], &["1009"]));
    let auth = AuthStandIn::start();
    auth.add_credentials("wazo-source", "secret", CONFD_TOKEN, TENANT);
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let mut config = json!({"bus": {"enabled": true, "host": "127.0.0.1", "port": 5672,
                                    "exchange_name": exchange, "queue_name": format!("{exchange}-queue")}});
    crate::daemon::merge(&mut config, overrides);
    let (dird, database) = start_configured(TOKENS, "alice", config).await;
    Stack {
        dird,
        _database: database,
        confd,
        auth,
        exchange,
    }
}

impl Stack {
    /// The `auth` section of a source that logs in to the wazo-auth stand-in with `password`.
    pub fn auth(&self, password: &str) -> Value {
        json!({"host": "127.0.0.1", "port": self.auth.port, "https": false, "prefix": null,
               "username": "wazo-source", "password": password})
    }

    /// Creates a source of `backend` (200 expected).
    pub async fn source(&self, backend: &str, body: Value) -> Value {
        let path = format!("/0.1/backends/{backend}/sources");
        let (status, source) = call_json(&self.dird, Method::POST, &path, "alice", body).await;
        assert_eq!(status, 200, "{source}");
        source
    }

    /// A `wazo` source of the stand-ins, shown as `[name, number]`, reversing on `reverse`.
    pub async fn wazo_source(&self, name: &str, password: &str) -> Value {
        self.source(
            "wazo",
            json!({"name": name, "auth": self.auth(password), "confd": self.confd.config(),
                   "searched_columns": ["firstname", "lastname", "full_name", "exten"],
                   "first_matched_columns": ["exten", "mobile_phone_number"],
                   "format_columns": {"name": "{firstname} {lastname}", "number": "{exten}", "reverse": "{firstname} {lastname}"}}),
        )
        .await
    }

    /// wazo-confd's event `name` about our tenant, published as wazo-confd does.
    pub async fn event(&self, name: &str, data: Value) {
        let body =
            json!({"name": name, "tenant_uuid": TENANT, "origin_uuid": XIVO_UUID, "data": data});
        publish(&self.exchange, name, body.to_string().as_bytes()).await;
    }

    /// A lookup of `term` in the profile `default`, as alice.
    pub async fn lookup(&self, term: &str) -> Value {
        get_ok(&self.dird, &lookup_path("default", term), "alice").await
    }

    /// Deletes the test's exchange and queue.
    pub async fn clean_up(&self) {
        clean_up(&self.exchange, Some(&format!("{}-queue", self.exchange))).await;
    }
}
