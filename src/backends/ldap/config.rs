//! The `ldap` source's own fields.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// How the unique column's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UniqueColumnFormat {
    /// A text attribute (`entryUUID`, `uid`…).
    #[default]
    String,
    /// A 16-byte binary UUID (Active Directory's `objectGUID`), shown as a standard UUID.
    BinaryUuid,
}

/// Fields of an `ldap` source besides the common ones.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub ldap_uri: String,
    /// Where searches start (subtree).
    pub ldap_base_dn: String,
    /// Bind DN; anonymous when null.
    #[serde(default)]
    pub ldap_username: Option<String>,
    /// Bind password. Never returned by a GET nor logged.
    #[serde(default)]
    pub ldap_password: Option<String>,
    /// An extra filter ANDed with the searched columns; `%Q` is replaced by the escaped term.
    #[serde(default)]
    pub ldap_custom_filter: Option<String>,
    /// Seconds to establish a connection.
    #[serde(default = "default_network_timeout")]
    pub ldap_network_timeout: f64,
    /// Seconds a bind or a search may take.
    #[serde(default = "default_timeout")]
    pub ldap_timeout: f64,
    /// The attribute that identifies an entry (favorites).
    #[serde(default)]
    pub unique_column: Option<String>,
    #[serde(default)]
    pub unique_column_format: UniqueColumnFormat,
    /// Upgrade `ldap://` connections with StartTLS.
    #[serde(default)]
    pub ldap_starttls: bool,
    /// Check the server's certificate (ldaps:// and StartTLS) against the system's CAs.
    #[serde(default = "default_verify")]
    pub ldap_verify_certificate: bool,
    /// Connections kept open to the server; requests are spread over them (each is multiplexed).
    #[serde(default = "default_connections")]
    pub ldap_connections: u8,
}

fn default_network_timeout() -> f64 {
    0.3
}

fn default_timeout() -> f64 {
    1.0
}

fn default_verify() -> bool {
    true
}

fn default_connections() -> u8 {
    2
}

/// The fields of an `ldap` source besides the common ones.
pub const FIELDS: &[&str] = &[
    "ldap_uri",
    "ldap_base_dn",
    "ldap_username",
    "ldap_password",
    "ldap_custom_filter",
    "ldap_network_timeout",
    "ldap_timeout",
    "unique_column",
    "unique_column_format",
    "ldap_starttls",
    "ldap_verify_certificate",
    "ldap_connections",
];

/// Validates the fields and fills the defaults.
pub fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, Map<String, Value>> {
    let parsed = super::super::parse_fields::<LdapConfig>(fields, FIELDS)?;
    let mut errors = Map::new();
    let uri = parsed
        .get("ldap_uri")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if uri.is_empty()
        || uri.len() > 256
        || !(uri.starts_with("ldap://") || uri.starts_with("ldaps://"))
    {
        errors.insert("ldap_uri".into(), json!({"constraint_id": "url", "constraint": "ldap:// or ldaps://, 256 characters at most", "message": "Not a valid LDAP URI."}));
    }
    let base = parsed
        .get("ldap_base_dn")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if base.is_empty() || base.len() > 1024 {
        errors.insert("ldap_base_dn".into(), json!({"constraint_id": "length", "constraint": {"min": 1, "max": 1024}, "message": "Length must be between 1 and 1024."}));
    }
    for key in ["ldap_network_timeout", "ldap_timeout"] {
        if parsed
            .get(key)
            .and_then(Value::as_f64)
            .is_none_or(|t| t <= 0.0)
        {
            errors.insert(key.into(), json!({"constraint_id": "range", "constraint": {"min": 0, "min_inclusive": false}, "message": "Must be greater than 0."}));
        }
    }
    if parsed
        .get("ldap_connections")
        .and_then(Value::as_u64)
        .is_none_or(|n| n == 0)
    {
        errors.insert("ldap_connections".into(), json!({"constraint_id": "range", "constraint": {"min": 1}, "message": "Must be at least 1."}));
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}
