//! The `ldap` source's own fields.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::json;

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

/// Fields of an `ldap` source besides the common ones: wazo-dird's, then ours (`ldap_starttls`,
/// `ldap_verify_certificate`, `ldap_connections`), which a body shows only when an admin set them.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct LdapConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub ldap_uri: String,
    /// Where searches start (subtree).
    pub ldap_base_dn: String,
    /// Bind DN; anonymous when null.
    #[serde(default)]
    pub ldap_username: Option<String>,
    /// Bind password. Write-only: a GET shows `null`, and is never logged.
    #[serde(default)]
    pub ldap_password: Option<String>,
    /// An extra filter ANDed with the searched columns; `%Q` is replaced by the escaped term.
    #[serde(default)]
    pub ldap_custom_filter: Option<String>,
    /// Seconds to establish a connection.
    #[serde(
        default = "default_network_timeout",
        deserialize_with = "crate::backends::lenient::float"
    )]
    pub ldap_network_timeout: f64,
    /// Seconds a bind or a search may take.
    #[serde(
        default = "default_timeout",
        deserialize_with = "crate::backends::lenient::float"
    )]
    pub ldap_timeout: f64,
    /// The attribute that identifies an entry (favorites).
    #[serde(default)]
    pub unique_column: Option<String>,
    #[serde(default)]
    pub unique_column_format: UniqueColumnFormat,
    /// Upgrade `ldap://` connections with StartTLS (default: no).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::backends::lenient::opt_boolean"
    )]
    pub ldap_starttls: Option<bool>,
    /// Check the server's certificate (ldaps:// and StartTLS) against the system's CAs (default: yes).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::backends::lenient::opt_boolean"
    )]
    pub ldap_verify_certificate: Option<bool>,
    /// Connections kept open to the server; requests are spread over them, each multiplexed
    /// (default: 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap_connections: Option<u8>,
}

impl LdapConfig {
    pub fn starttls(&self) -> bool {
        self.ldap_starttls.unwrap_or(false)
    }

    pub fn verify_certificate(&self) -> bool {
        self.ldap_verify_certificate.unwrap_or(true)
    }

    pub fn connections(&self) -> u8 {
        self.ldap_connections.unwrap_or(2).max(1)
    }
}

fn default_network_timeout() -> f64 {
    0.3
}

fn default_timeout() -> f64 {
    1.0
}

/// What the types do not say: the URI's scheme and length, the base's length, positive timeouts.
pub fn check(config: &LdapConfig) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let uri = &config.ldap_uri;
    if uri.is_empty()
        || uri.len() > 256
        || !(uri.starts_with("ldap://") || uri.starts_with("ldaps://"))
    {
        errors.insert("ldap_uri".into(), json!({"constraint_id": "url", "constraint": "ldap:// or ldaps://, 256 characters at most", "message": "Not a valid LDAP URI."}));
    }
    let base = &config.ldap_base_dn;
    if base.is_empty() || base.len() > 1024 {
        errors.insert("ldap_base_dn".into(), json!({"constraint_id": "length", "constraint": {"min": 1, "max": 1024}, "message": "Length must be between 1 and 1024."}));
    }
    for (key, value) in [
        ("ldap_network_timeout", config.ldap_network_timeout),
        ("ldap_timeout", config.ldap_timeout),
    ] {
        if value <= 0.0 {
            errors.insert(key.into(), json!({"constraint_id": "range", "constraint": {"min": 0, "min_inclusive": false}, "message": "Must be greater than 0."}));
        }
    }
    if config.ldap_connections == Some(0) {
        errors.insert("ldap_connections".into(), json!({"constraint_id": "range", "constraint": {"min": 1}, "message": "Must be at least 1."}));
    }
    errors
}

#[cfg(test)]
mod tests {
    use crate::backends::{kind, Origin};
    use serde_json::{json, Value};

    #[test]
    fn upstreams_keys_and_ours_only_when_set() {
        let ldap = kind("ldap").expect("ldap");
        let read = |body: Value| ldap.read(body.as_object().expect("object"), Origin::Api);
        let plain =
            read(json!({"ldap_uri": "ldap://h", "ldap_base_dn": "dc=x", "custom_filter": null}))
                .expect("valid");
        let mut keys: Vec<&str> = plain.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "ldap_base_dn",
                "ldap_custom_filter",
                "ldap_network_timeout",
                "ldap_password",
                "ldap_timeout",
                "ldap_uri",
                "ldap_username",
                "unique_column",
                "unique_column_format"
            ]
        );
        let ours = read(json!({"ldap_uri": "ldap://h", "ldap_base_dn": "dc=x", "ldap_starttls": "true", "ldap_connections": 4}))
            .expect("valid");
        assert_eq!(
            (&ours["ldap_starttls"], &ours["ldap_connections"]),
            (&json!(true), &json!(4))
        );
        let errors = read(json!({"ldap_uri": "http://h", "ldap_base_dn": "", "ldap_timeout": 0, "ldap_connections": 0}))
            .expect_err("invalid");
        for key in [
            "ldap_uri",
            "ldap_base_dn",
            "ldap_timeout",
            "ldap_connections",
        ] {
            assert!(errors.contains_key(key), "{key}: {errors:?}");
        }
    }
}
