//! A daemon for REST API tests: wazo-auth stand-in with tokens in three tenants, a fresh database,
//! and a CSV file of two contacts for sources.

use crate::auth_stand_in::{
    AuthStandIn, MASTER_TENANT, OTHER_TENANT, SERVICE_PASSWORD, SERVICE_USERNAME, SUB_TENANT,
};
use crate::daemon::{base_config, merge, set_mode, shared_tempdir, Daemon};
use crate::free_port;
use crate::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

pub const ADMIN: &str = "admin-token";
pub const SUB_ADMIN: &str = "sub-admin-token";
pub const OTHER_ADMIN: &str = "other-admin-token";

/// The running daemon and what it depends on.
#[derive(Debug)]
pub struct Setup {
    pub dird: Daemon,
    pub auth: std::sync::Arc<AuthStandIn>,
    _database: TestDatabase,
    pub csv: String,
    /// The configuration, to start the daemon again on the same database.
    config: Value,
    /// The files the configuration and the sources name (the CSV file), kept across restarts.
    pub files: tempfile::TempDir,
}

/// Starts a daemon with `declared` merged into its configuration, and waits for its database.
pub async fn setup(declared: Value) -> Setup {
    let auth = AuthStandIn::start();
    auth.add_token(
        ADMIN,
        Some("aaaaaaaa-0000-4000-8000-000000000001"),
        MASTER_TENANT,
        &["__accept_all__"],
    );
    auth.add_token(
        SUB_ADMIN,
        Some("aaaaaaaa-0000-4000-8000-000000000002"),
        SUB_TENANT,
        &["__accept_all__"],
    );
    auth.add_token(
        OTHER_ADMIN,
        Some("aaaaaaaa-0000-4000-8000-000000000003"),
        OTHER_TENANT,
        &["__accept_all__"],
    );
    let database = TestDatabase::create().await;
    let files = shared_tempdir();
    let csv = files.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "id,firstname,lastname,number\n1,Alice,Martin,1001\n2,Bob,Marley,1002\n",
    )
    .expect("csv");
    set_mode(&csv, 0o644);
    let mut auth_section = auth.config();
    merge(
        &mut auth_section,
        json!({"username": SERVICE_USERNAME, "password": SERVICE_PASSWORD, "master_tenant_uuid": MASTER_TENANT}),
    );
    let mut config = base_config(
        free_port(),
        json!({"auth": auth_section, "db_uri": database.uri()}),
    );
    merge(&mut config, declared);
    let dird = start_daemon(&config).await;
    Setup {
        dird,
        auth,
        _database: database,
        csv: csv.to_string_lossy().into_owned(),
        config,
        files,
    }
}

async fn start_daemon(config: &Value) -> Daemon {
    let dird = Daemon::start_in(shared_tempdir(), config.clone(), &[]).await;
    dird.wait_for_status(ADMIN, "database", "ok", Duration::from_secs(15))
        .await;
    dird
}

impl Setup {
    /// Stops the daemon and starts it again on the same configuration and database.
    pub async fn restart(&mut self) {
        self.dird.stop();
        self.dird = start_daemon(&self.config).await;
    }

    /// Sends a request with a JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| b.to_string());
        self.dird
            .send(method, path, token, None, body.as_deref())
            .await
    }

    /// A csv source body over the two-contact file.
    pub fn csv_source(&self, name: &str) -> Value {
        json!({"name": name, "file": self.csv, "unique_column": "id", "searched_columns": ["firstname", "lastname"],
               "first_matched_columns": ["number"], "format_columns": {"name": "{firstname} {lastname}"}})
    }
}
