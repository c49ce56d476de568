//! The requests of wazo-dird-client (the official Python client), made the way it makes them, and
//! what it does with the answers; plus the key sets of upstream wazo-dird's bodies.
//!
//! The client (wazo-dird-client 1.x on wazo-lib-rest-client) sends `Connection: close`,
//! `Accept: application/json` (dropped by `personal.export_csv`), `X-Auth-Token`, `Wazo-Tenant` when
//! a tenant is given, JSON bodies as `requests` encodes them (`Content-Type: application/json`) and
//! CSV imports as `text/csv[; charset=<encoding>]`. After a call it raises (`raise_from_response`)
//! when the status is not the one the command expects, and the source commands raise when the body
//! is a wazo-dird error (`message`, `error_id`, `details`, `timestamp`) or the status is ≥ 400.

use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

/// A request body as the client sends it.
#[derive(Debug)]
pub enum Body<'a> {
    None,
    Json(Value),
    /// CSV text and the `encoding` argument of the import commands.
    Csv(&'a str, Option<&'a str>),
}

/// An answer as the client sees it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub text: String,
    /// The body parsed as JSON, `Null` when it is not JSON.
    pub body: Value,
}

impl Reply {
    /// Whether `raise_from_response` raises: a wazo-dird error body (whatever the status) or a
    /// status ≥ 400.
    pub fn raises(&self) -> bool {
        let error_keys = ["message", "error_id", "details", "timestamp"];
        let is_error_body = self
            .body
            .as_object()
            .is_some_and(|body| error_keys.iter().all(|key| body.contains_key(*key)));
        is_error_body || self.status >= 400
    }

    /// What a command that checks `r.status_code != expected` before returning `r.json()` gets:
    /// panics where the client would raise.
    pub fn expect(self, expected: u16, command: &str) -> Value {
        assert_eq!(
            self.status, expected,
            "{command}: the client raises on {} {}",
            self.status, self.text
        );
        self.body
    }

    /// What a command that always calls `raise_from_response` gets.
    pub fn ok(self, command: &str) -> Value {
        assert!(
            !self.raises(),
            "{command}: the client raises on {} {}",
            self.status,
            self.text
        );
        self.body
    }
}

/// A `DirdClient(host, port, prefix=None, https=False, token=…)`, optionally with a tenant.
#[derive(Debug)]
pub struct DirdClient {
    http: reqwest::Client,
    base: String,
    token: String,
    tenant: Option<String>,
}

impl DirdClient {
    pub fn new(port: u16, token: &str) -> DirdClient {
        DirdClient {
            http: reqwest::Client::new(),
            base: format!("http://127.0.0.1:{port}/0.1"),
            token: token.to_owned(),
            tenant: None,
        }
    }

    /// The same client with `tenant_uuid=` on its calls.
    pub fn with_tenant(&self, tenant: &str) -> DirdClient {
        DirdClient {
            http: self.http.clone(),
            base: self.base.clone(),
            token: self.token.clone(),
            tenant: Some(tenant.to_owned()),
        }
    }

    /// One call: `path` under `/0.1`, `params` as `requests` encodes them.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, &str)],
        body: Body<'_>,
    ) -> Reply {
        self.send(method, path, params, body, true).await
    }

    /// `personal.export_csv`: the one command that drops `Accept`.
    pub async fn export_csv(&self) -> Reply {
        self.send(
            Method::GET,
            "/personal",
            &[("format", "text/csv")],
            Body::None,
            false,
        )
        .await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, &str)],
        body: Body<'_>,
        accept: bool,
    ) -> Reply {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .query(params)
            .header("Connection", "close")
            .header("User-agent", "wazo-dird-client-replay")
            .header("X-Auth-Token", &self.token);
        if accept {
            request = request.header("Accept", "application/json");
        }
        if let Some(tenant) = &self.tenant {
            request = request.header("Wazo-Tenant", tenant);
        }
        request = match body {
            Body::None => request,
            Body::Json(value) => request
                .header("Content-Type", "application/json")
                .body(value.to_string()),
            Body::Csv(text, encoding) => {
                let content_type = match encoding {
                    Some(encoding) => format!("text/csv; charset={encoding}"),
                    None => "text/csv".to_owned(),
                };
                request
                    .header("Content-Type", content_type)
                    .body(text.to_owned())
            }
        };
        let response = request.send().await.expect("wazo-dird answers");
        let status = response.status().as_u16();
        let content_type = crate::content_type(&response);
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            text,
            body,
        }
    }
}

/// The keys of a JSON object.
pub fn keys(body: &Value) -> BTreeSet<String> {
    body.as_object()
        .map(|map| map.keys().cloned().collect())
        .unwrap_or_default()
}

/// A set of names.
pub fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// Panics unless `body` has exactly the keys `expected`.
pub fn assert_keys(body: &Value, expected: &[&str], what: &str) {
    assert_eq!(keys(body), set(expected), "{what}: {body}");
}

/// Upstream wazo-dird's bodies, key by key (its marshmallow schemas and views).
pub mod upstream {
    /// `{total, filtered, items}` of the admin lists (backends, sources, displays, profiles).
    pub const LIST: &[&str] = &["total", "filtered", "items"];
    /// `{items, total}` of the phonebook lists.
    pub const PHONEBOOK_LIST: &[&str] = &["items", "total"];
    pub const BACKEND: &[&str] = &["name"];
    /// An item of `/sources` and `/directories/{profile}/sources`.
    pub const SOURCE_ITEM: &[&str] = &["uuid", "tenant_uuid", "name", "backend"];
    /// What every source body has.
    pub const SOURCE: &[&str] = &[
        "uuid",
        "tenant_uuid",
        "name",
        "first_matched_columns",
        "searched_columns",
        "format_columns",
    ];
    pub const CSV_SOURCE: &[&str] = &["file", "separator", "unique_column"];
    pub const CSV_WS_SOURCE: &[&str] = &[
        "lookup_url",
        "list_url",
        "verify_certificate",
        "delimiter",
        "timeout",
        "unique_column",
    ];
    /// Upstream's ldap keys (`ldap_password` is shown `null`: write-only). Ours
    /// (`ldap_starttls`, `ldap_verify_certificate`, `ldap_connections`) appear only when set.
    pub const LDAP_SOURCE: &[&str] = &[
        "ldap_uri",
        "ldap_base_dn",
        "ldap_username",
        "ldap_password",
        "ldap_custom_filter",
        "ldap_network_timeout",
        "ldap_timeout",
        "unique_column",
        "unique_column_format",
    ];
    pub const PHONEBOOK_SOURCE: &[&str] =
        &["phonebook_uuid", "phonebook_name", "phonebook_description"];
    /// wazo and conference sources.
    pub const CONFD_SOURCE: &[&str] = &["auth", "confd"];
    pub const DISPLAY: &[&str] = &["uuid", "tenant_uuid", "name", "columns"];
    pub const DISPLAY_COLUMN: &[&str] = &["field", "title", "type", "default", "number_display"];
    pub const PROFILE: &[&str] = &["uuid", "tenant_uuid", "name", "display", "services"];
    pub const PROFILE_SERVICE: &[&str] = &["sources", "options"];
    /// `lookup/{profile}` and `lookup/{profile}/{user_uuid}`.
    pub const LOOKUP: &[&str] = &["term", "column_headers", "column_types", "results"];
    /// `favorites/{profile}` and `personal/{profile}`.
    pub const FORMATTED: &[&str] = &["column_headers", "column_types", "results"];
    pub const RESULT: &[&str] = &["column_values", "relations", "source", "backend"];
    pub const RELATIONS: &[&str] = &[
        "xivo_id",
        "agent_id",
        "user_id",
        "user_uuid",
        "endpoint_id",
        "source_entry_id",
    ];
    pub const HEADERS: &[&str] = &["column_headers", "column_types"];
    pub const REVERSE: &[&str] = &["display", "exten", "fields", "source"];
    pub const PHONEBOOK: &[&str] = &["id", "uuid", "name", "description", "tenant_uuid"];
    pub const IMPORT: &[&str] = &["created", "failed"];
    /// Legacy error bodies (directories, personal, backends, deprecated phonebooks).
    pub const LEGACY_ERROR: &[&str] = &["reason", "timestamp", "status_code"];
    /// New-style error bodies (`resource` is added by some).
    pub const ERROR: &[&str] = &["message", "error_id", "details", "timestamp"];
    /// `/status` (ours adds keys there, as the rules allow).
    pub const STATUS: &[&str] = &["bus_consumer", "master_tenant", "rest_api"];
    /// The top-level keys of upstream's configuration (`/config` answers at least these).
    pub const CONFIG: &[&str] = &[
        "auth",
        "bus",
        "confd",
        "config_file",
        "consul",
        "db_uri",
        "debug",
        "enabled_plugins",
        "extra_config_files",
        "favorites_service",
        "log_filename",
        "log_level",
        "lookup_service",
        "rest_api",
        "reverse_service",
        "service_discovery",
        "services",
        "user",
    ];
}
