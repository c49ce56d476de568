//! The `auth` and `confd` fields of the sources that read wazo-confd (`wazo`, `conference`), with
//! wazo-dird's defaults and checks: `auth` needs a `key_file` or a `username` (not both), `confd`
//! defaults to the local stack behind nginx.

use crate::backends::http::Verify;
use crate::validation::FieldErrors;
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

    /// Reads stored fields; missing keys take wazo-dird's defaults (auto-created sources are
    /// stored without them).
    pub(crate) fn from_json(fields: &Map<String, Value>, prefix: &str, version: &str) -> Endpoint {
        let text = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
        Endpoint {
            host: text("host").unwrap_or_else(|| "localhost".into()),
            port: fields
                .get("port")
                .and_then(Value::as_u64)
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(443),
            https: fields.get("https").and_then(Value::as_bool).unwrap_or(true),
            verify: fields
                .get("verify_certificate")
                .and_then(Verify::from_json)
                .unwrap_or_default(),
            prefix: match fields.get("prefix") {
                None => Some(prefix.to_owned()),
                Some(value) => value.as_str().map(str::to_owned),
            },
            version: text("version").unwrap_or_else(|| version.to_owned()),
            timeout: fields.get("timeout").and_then(Value::as_f64),
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
    /// The settings of a stored source (its `extra_fields`).
    pub fn from_fields(fields: &Map<String, Value>) -> Result<ConfdSettings, String> {
        let empty = Map::new();
        let auth = fields
            .get("auth")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let confd = fields
            .get("confd")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let text = |key: &str| {
            auth.get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let credentials = match (text("key_file"), text("username")) {
            (Some(path), _) => Credentials::KeyFile(path),
            (None, Some(username)) => Credentials::UsernamePassword {
                username,
                password: text("password").unwrap_or_default(),
            },
            (None, None) => return Err("auth names neither a key_file nor a username".into()),
        };
        Ok(ConfdSettings {
            auth: Endpoint::from_json(auth, "/api/auth", "0.1"),
            credentials,
            confd: Endpoint::from_json(confd, "/api/confd", "1.1"),
        })
    }
}

fn detail(constraint_id: &str, constraint: Value, message: &str) -> Value {
    json!({"constraint_id": constraint_id, "constraint": constraint, "message": message})
}

/// Checks one endpoint object and fills wazo-dird's defaults; `credentials` adds the `key_file`,
/// `username` and `password` keys of `auth`. Unknown keys are dropped.
pub(crate) fn endpoint(
    value: Option<&Value>,
    prefix: &str,
    version: &str,
    credentials: bool,
) -> Result<Map<String, Value>, Value> {
    let given = match value {
        None => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(Value::Null) => {
            return Err(detail(
                "not_null",
                json!("not_null"),
                "Field may not be null.",
            ))
        }
        Some(_) => return Err(detail("type", json!("dict"), "Not a valid mapping type.")),
    };
    let mut errors = Map::new();
    let mut out = Map::new();
    let mut string =
        |key: &str, max: usize, default: Option<Value>, nullable: bool| match given.get(key) {
            None => {
                if let Some(default) = default {
                    out.insert(key.into(), default);
                }
            }
            Some(Value::Null) if nullable => {
                out.insert(key.into(), Value::Null);
            }
            Some(Value::String(text)) if (1..=max).contains(&text.chars().count()) => {
                out.insert(key.into(), json!(text));
            }
            Some(Value::String(_)) => {
                let message = format!("Length must be between 1 and {max}.");
                errors.insert(
                    key.into(),
                    json!([detail("length", json!({"min": 1, "max": max}), &message)]),
                );
            }
            Some(_) => {
                errors.insert(
                    key.into(),
                    json!([detail("type", json!("string"), "Not a valid string.")]),
                );
            }
        };
    string("host", 1024, Some(json!("localhost")), false);
    string("prefix", usize::MAX, Some(json!(prefix)), true);
    string("version", 16, Some(json!(version)), false);
    if credentials {
        string("key_file", 1024, None, true);
        string("username", 512, None, true);
        string("password", 512, None, true);
    }
    match given.get("port") {
        None => {
            out.insert("port".into(), json!(443));
        }
        Some(value) => match value.as_u64().filter(|p| (1..=65535).contains(p)) {
            Some(port) => {
                out.insert("port".into(), json!(port));
            }
            None => {
                errors.insert(
                    "port".into(),
                    json!([detail(
                        "range",
                        json!({"min": 1, "max": 65535}),
                        "Must be greater than or equal to 1 and less than or equal to 65535."
                    )]),
                );
            }
        },
    }
    match given.get("https") {
        None => {
            out.insert("https".into(), json!(true));
        }
        Some(Value::Bool(https)) => {
            out.insert("https".into(), json!(https));
        }
        Some(_) => {
            errors.insert(
                "https".into(),
                json!([detail("type", json!("boolean"), "Not a valid boolean.")]),
            );
        }
    }
    match given.get("verify_certificate") {
        None => {
            out.insert("verify_certificate".into(), json!(true));
        }
        Some(value) => match Verify::from_json(value) {
            Some(verify) => {
                out.insert("verify_certificate".into(), json!(verify));
            }
            None => {
                errors.insert(
                    "verify_certificate".into(),
                    json!([detail(
                        "type",
                        json!("boolean"),
                        "Not a valid boolean or path."
                    )]),
                );
            }
        },
    }
    match given.get("timeout") {
        None => {}
        Some(value) => match value.as_f64().filter(|t| (0.0..=3660.0).contains(t)) {
            Some(_) => {
                out.insert("timeout".into(), value.clone());
            }
            None => {
                errors.insert(
                    "timeout".into(),
                    json!([detail(
                        "range",
                        json!({"min": 0, "max": 3660}),
                        "Must be greater than or equal to 0 and less than or equal to 3660."
                    )]),
                );
            }
        },
    }
    if credentials && errors.is_empty() {
        let set = |key: &str| {
            out.get(key)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        if set("key_file") == set("username") {
            errors.insert(
                "_schema".into(),
                json!(["a \"key_file\" or a \"username\" and \"password\" must be specified"]),
            );
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Value::Object(errors))
    }
}

/// The own fields of a `wazo` or `conference` source: `auth` (required: a key file or a username)
/// and `confd`, with wazo-dird's defaults filled in.
pub fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, FieldErrors> {
    let mut errors = Map::new();
    let mut out = Map::new();
    match endpoint(fields.get("auth"), "/api/auth", "0.1", true) {
        Ok(auth) => {
            out.insert("auth".into(), Value::Object(auth));
        }
        Err(detail) => {
            errors.insert("auth".into(), detail);
        }
    }
    match endpoint(fields.get("confd"), "/api/confd", "1.1", false) {
        Ok(confd) => {
            out.insert("confd".into(), Value::Object(confd));
        }
        Err(detail) => {
            errors.insert("confd".into(), detail);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The own fields of a `wazo` or `conference` source.
pub const FIELDS: &[&str] = &["auth", "confd"];

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
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
