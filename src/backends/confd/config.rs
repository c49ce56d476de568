//! The `auth` and `confd` fields of the sources that read wazo-confd (`wazo`, `conference`), with
//! wazo-dird's defaults and checks: `auth` needs a `key_file` or a `username` (not both), `confd`
//! defaults to the local stack behind nginx.

use crate::backends::http::Verify;
use crate::backends::kind::insert;
use crate::backends::lenient;
use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// Where a web service answers, and how to talk to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub https: bool,
    pub verify: Verify,
    pub prefix: Option<String>,
    pub version: String,
    /// Seconds before a request is abandoned (`None`: 10 s, the Wazo clients' default).
    pub timeout: Option<f64>,
}

impl Endpoint {
    /// `{scheme}://{host}:{port}{prefix}/{version}`, without a trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let prefix = self.prefix.as_deref().unwrap_or("").trim_end_matches('/');
        let prefix = match prefix {
            "" => String::new(),
            p if p.starts_with('/') => p.to_owned(),
            p => format!("/{p}"),
        };
        format!(
            "{scheme}://{}:{}{prefix}/{}",
            self.host, self.port, self.version
        )
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout.unwrap_or(10.0).clamp(0.001, 3660.0))
    }

    /// Reads stored fields by the same parser as a source's body; missing keys take wazo-dird's
    /// defaults (auto-created sources are stored without them).
    pub(crate) fn from_json(fields: &Map<String, Value>, prefix: &str, version: &str) -> Endpoint {
        let mut config: EndpointConfig =
            serde_json::from_value(Value::Object(fields.clone())).unwrap_or_default();
        config.complete(prefix, version);
        config.endpoint()
    }
}

/// A wazo-auth or wazo-confd of a source as its body gives it (marshmallow's fields: `port` may
/// come as `"9497"`, `https` as `"true"`, `verify_certificate` as a CA path); keys it does not
/// know (the Wazo UI's `certificate_path`) are dropped.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct EndpointConfig {
    #[serde(default = "localhost")]
    pub host: String,
    #[serde(default = "https_port", deserialize_with = "lenient::integer")]
    pub port: i64,
    #[serde(default = "yes", deserialize_with = "lenient::boolean")]
    pub https: bool,
    #[serde(default, deserialize_with = "Verify::deserialize_lenient")]
    pub verify_certificate: Verify,
    /// Absent: the service's default (`/api/auth`, `/api/confd`); `null`: no prefix.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub prefix: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Seconds before a request is abandoned (absent: 10 s, the Wazo clients' default).
    #[serde(
        default,
        deserialize_with = "lenient::opt_float",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<f64>,
    /// `auth` of wazo and conference sources: a wazo-auth-keys file, or a username and password.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub key_file: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub username: Option<Option<String>>,
    /// Write-only: a GET shows `null`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<Option<String>>,
}

fn localhost() -> String {
    "localhost".to_owned()
}

fn https_port() -> i64 {
    443
}

fn yes() -> bool {
    true
}

/// A key that is present (`Some`), maybe `null` (`Some(None)`); absent keys stay `None`.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            host: localhost(),
            port: https_port(),
            https: true,
            verify_certificate: Verify::default(),
            prefix: None,
            version: None,
            timeout: None,
            key_file: None,
            username: None,
            password: None,
        }
    }
}

impl EndpointConfig {
    /// Fills the service's defaults (`prefix`, `version`) where the body gave none.
    pub fn complete(&mut self, prefix: &str, version: &str) {
        self.prefix.get_or_insert_with(|| Some(prefix.to_owned()));
        self.version.get_or_insert_with(|| version.to_owned());
    }

    /// Drops the credentials (google and office365 take none, as wazo-dird).
    pub fn without_credentials(&mut self) {
        (self.key_file, self.username, self.password) = (None, None, None);
    }

    fn text(value: &Option<Option<String>>) -> Option<String> {
        value.clone().flatten().filter(|s| !s.is_empty())
    }

    /// How it logs in, if it names a way.
    pub fn credentials(&self) -> Option<Credentials> {
        match (Self::text(&self.key_file), Self::text(&self.username)) {
            (Some(path), _) => Some(Credentials::KeyFile(path)),
            (None, Some(username)) => Some(Credentials::UsernamePassword {
                username,
                password: Self::text(&self.password).unwrap_or_default(),
            }),
            (None, None) => None,
        }
    }

    /// The endpoint to call (after [`EndpointConfig::complete`]).
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.host.clone(),
            port: u16::try_from(self.port).unwrap_or(443),
            https: self.https,
            verify: self.verify_certificate.clone(),
            prefix: self.prefix.clone().unwrap_or_default(),
            version: self.version.clone().unwrap_or_default(),
            timeout: self.timeout,
        }
    }

    /// Checks the values under `field` (`auth`, `confd`) as wazo-dird does; `credentials`: exactly
    /// one way to log in is named.
    pub fn check(&self, field: &str, credentials: bool, errors: &mut FieldErrors) {
        let mut report =
            |key: &str, detail: Value| insert(errors, &format!("{field}.{key}"), detail);
        let length = |text: &str, max: usize| (1..=max).contains(&text.chars().count());
        let length_detail = |max: usize| {
            detail(
                "length",
                json!({"min": 1, "max": max}),
                &format!("Length must be between 1 and {max}."),
            )
        };
        if !length(&self.host, 1024) {
            report("host", length_detail(1024));
        }
        if self.version.as_deref().is_some_and(|v| !length(v, 16)) {
            report("version", length_detail(16));
        }
        for (key, value) in [
            ("key_file", &self.key_file),
            ("username", &self.username),
            ("password", &self.password),
        ] {
            let max = if key == "key_file" { 1024 } else { 512 };
            if let Some(Some(text)) = value {
                if !text.is_empty() && !length(text, max) {
                    report(key, length_detail(max));
                }
            }
        }
        if !(1..=65535).contains(&self.port) {
            report(
                "port",
                detail(
                    "range",
                    json!({"min": 1, "max": 65535}),
                    "Must be greater than or equal to 1 and less than or equal to 65535.",
                ),
            );
        }
        if self.timeout.is_some_and(|t| !(0.0..=3660.0).contains(&t)) {
            report(
                "timeout",
                detail(
                    "range",
                    json!({"min": 0, "max": 3660}),
                    "Must be greater than or equal to 0 and less than or equal to 3660.",
                ),
            );
        }
        let named = |value: &Option<Option<String>>| Self::text(value).is_some();
        if credentials && named(&self.key_file) == named(&self.username) {
            errors
                .entry(field.to_owned())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .map(|inner| {
                    inner.insert(
                        "_schema".into(),
                        json!([
                            "a \"key_file\" or a \"username\" and \"password\" must be specified"
                        ]),
                    )
                });
        }
    }
}

/// How a source logs in to wazo-auth.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credentials {
    /// A YAML file of `service_id` and `service_key` (wazo-auth-keys); confd requests then carry
    /// the source's tenant in `Wazo-Tenant`, as wazo-dird sends them.
    KeyFile(String),
    UsernamePassword {
        username: String,
        password: String,
    },
}

/// A source's wazo-auth and wazo-confd settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfdSettings {
    pub auth: Endpoint,
    pub credentials: Credentials,
    pub confd: Endpoint,
}

impl ConfdSettings {
    /// The settings of a stored source (its `extra_fields`), read by the kind's own parser.
    pub fn from_fields(fields: &Map<String, Value>) -> Result<ConfdSettings, String> {
        let mut config: ConfdConfig = serde_json::from_value(Value::Object(fields.clone()))
            .map_err(|e| format!("invalid auth or confd: {e}"))?;
        config.complete();
        config.settings()
    }
}

/// The own fields of a `wazo` or `conference` source: `auth` (required: a key file or a
/// username) and `confd`, with wazo-dird's defaults.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ConfdConfig {
    /// Absent, it names no way to log in, which the check reports as wazo-dird does.
    #[serde(default)]
    pub auth: EndpointConfig,
    #[serde(default)]
    pub confd: EndpointConfig,
}

impl ConfdConfig {
    /// Fills wazo-dird's defaults (`/api/auth` 0.1, `/api/confd` 1.1).
    pub fn complete(&mut self) {
        self.auth.complete("/api/auth", "0.1");
        self.confd.complete("/api/confd", "1.1");
    }

    /// Completes and checks the config (the kind's check).
    pub fn check(&mut self) -> FieldErrors {
        self.complete();
        let mut errors = FieldErrors::new();
        self.auth.check("auth", true, &mut errors);
        self.confd.check("confd", false, &mut errors);
        errors
    }

    /// What the client needs.
    pub fn settings(&self) -> Result<ConfdSettings, String> {
        let credentials = self
            .auth
            .credentials()
            .ok_or_else(|| "auth names neither a key_file nor a username".to_owned())?;
        Ok(ConfdSettings {
            auth: self.auth.endpoint(),
            credentials,
            confd: self.confd.endpoint(),
        })
    }
}

fn detail(constraint_id: &str, constraint: Value, message: &str) -> Value {
    json!({"constraint_id": constraint_id, "constraint": constraint, "message": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, FieldErrors> {
        let wazo = crate::backends::kind("wazo").expect("wazo");
        wazo.read(fields, crate::backends::Origin::Api)
    }

    #[test]
    fn defaults_are_wazo_dirds() {
        let ok =
            validate(&fields(json!({"auth": {"key_file": "/k.yml", "extra": 1}}))).expect("valid");
        assert_eq!(
            Value::Object(ok),
            json!({
                "auth": {"host": "localhost", "port": 443, "https": true, "verify_certificate": true,
                         "prefix": "/api/auth", "version": "0.1", "key_file": "/k.yml"},
                "confd": {"host": "localhost", "port": 443, "https": true, "verify_certificate": true,
                          "prefix": "/api/confd", "version": "1.1"},
            })
        );
        assert!(
            validate(&fields(json!({"auth": {"username": "u"}}))).is_ok(),
            "a password is not required"
        );
    }

    #[test]
    fn auth_needs_exactly_one_way_to_log_in() {
        for bad in [
            json!({}),
            json!({"auth": {}}),
            json!({"auth": {"key_file": "/k", "username": "u"}}),
        ] {
            let errors = validate(&fields(bad.clone())).expect_err("refused");
            assert_eq!(
                errors["auth"]["_schema"][0],
                "a \"key_file\" or a \"username\" and \"password\" must be specified",
                "{bad}"
            );
        }
        let errors = validate(&fields(
            json!({"auth": {"username": "u"}, "confd": {"port": 0}}),
        ))
        .expect_err("port");
        assert_eq!(errors["confd"]["port"][0]["constraint_id"], "range");
        let errors =
            validate(&fields(json!({"auth": {"username": "u"}, "confd": null}))).expect_err("null");
        assert_eq!(errors["confd"]["constraint_id"], "not_null");
    }

    #[test]
    fn settings_read_stored_fields_with_defaults() {
        let stored = fields(json!({
            "auth": {"host": "localhost", "port": 9497, "prefix": null, "https": false, "version": "0.1",
                     "key_file": "/var/lib/wazo-auth-keys/k.yml"},
            "confd": {"host": "localhost", "port": 9486, "prefix": null, "https": false, "version": "1.1"},
        }));
        let settings = ConfdSettings::from_fields(&stored).expect("settings");
        assert_eq!(settings.auth.base_url(), "http://localhost:9497/0.1");
        assert_eq!(settings.confd.base_url(), "http://localhost:9486/1.1");
        assert_eq!(
            settings.credentials,
            Credentials::KeyFile("/var/lib/wazo-auth-keys/k.yml".into())
        );
        let defaults = ConfdSettings::from_fields(&fields(
            json!({"auth": {"username": "u", "password": "p"}}),
        ))
        .expect("defaults");
        assert_eq!(
            defaults.confd.base_url(),
            "https://localhost:443/api/confd/1.1"
        );
        assert_eq!(defaults.confd.verify, Verify::Enabled(true));
    }
}
