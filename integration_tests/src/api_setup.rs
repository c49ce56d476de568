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
    pub database: TestDatabase,
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
        database,
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

/// The token wazo-confd accepts from the sources of [`Setup::confd_and_cloud`].
pub const CONFD_TOKEN: &str = "confd-source-token";
/// The user of the `ADMIN` token.
pub const ADMIN_USER: &str = "aaaaaaaa-0000-4000-8000-000000000001";

impl Setup {
    /// The other services of the `wazo`, `conference`, `google` and `office365` sources: a
    /// wazo-confd stand-in with the user Walter Confd (id 51, 5001) and the room Zebra room (id 61,
    /// 6001), which the credentials `wazo-source`/`secret` of the wazo-auth stand-in reach; the
    /// admin's Google contact Gina Goog (`g71`, 7001) and Microsoft contact Olga Office (`o81`,
    /// 8001) on `cloud`.
    pub fn confd_and_cloud(
        &self,
        cloud: &crate::cloud_stand_in::CloudStandIn,
    ) -> std::sync::Arc<crate::confd_stand_in::ConfdStandIn> {
        use crate::cloud_stand_in::{graph_contact, person};
        use crate::confd_stand_in::{conference, user, ConfdStandIn};
        let confd = ConfdStandIn::start(CONFD_TOKEN, MASTER_TENANT);
        let walter = user(
            51,
            "u-51",
            "Walter",
            Some("Confd"),
            Some("5001"),
            None,
            None,
            None,
        );
        confd.put_user(MASTER_TENANT, walter);
        confd.put_conference(MASTER_TENANT, conference(61, "Zebra room", &["6001"], &[]));
        self.auth
            .add_credentials("wazo-source", "secret", CONFD_TOKEN, MASTER_TENANT);
        self.auth
            .set_external(ADMIN_USER, "google", "google-access-token");
        self.auth
            .set_external(ADMIN_USER, "microsoft", "microsoft-access-token");
        let gina = person(
            "g71",
            "Gina",
            "Goog",
            &[("mobile", "7001")],
            "gina@example.com",
        );
        cloud.set_people("google-access-token", vec![gina]);
        let olga = graph_contact("o81", "Olga", "Office", "8001", "");
        cloud.set_contacts("microsoft-access-token", vec![olga]);
        confd
    }

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
