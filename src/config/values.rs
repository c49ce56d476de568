//! The checks of single values that a Rust type alone does not make: seconds that must be
//! positive, a port that is not 0, a name among a few, an empty string meaning "not set". Each is a
//! serde `deserialize_with` function, so a section's struct says which check each key gets, and
//! each error says what was expected and what was found.

use serde::de::{Deserializer, Error};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Reads the value, converts it, or says what was expected.
fn expect<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    expected: &str,
    convert: impl FnOnce(&Value) -> Option<T>,
) -> Result<T, D::Error> {
    let value = Value::deserialize(deserializer)?;
    convert(&value)
        .ok_or_else(|| D::Error::custom(format!("expected {expected}, found {}", describe(&value))))
}

/// How a value is named in an error.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null or missing)".to_owned(),
        Value::String(s) => format!("the string {s:?}"),
        other => format!("`{other}`"),
    }
}

fn as_port(value: &Value) -> Option<u16> {
    value
        .as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .filter(|n| *n > 0)
}

/// A port, 1 to 65535.
pub fn port<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    expect(d, "a port number (1-65535)", as_port)
}

/// A port or null.
pub fn opt_port<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    expect(d, "a port number (1-65535) or null", |v| match v {
        Value::Null => Some(None),
        _ => as_port(v).map(Some),
    })
}

/// A country libphonenumber knows (ISO 3166 alpha-2), or null.
pub fn opt_country<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    expect(
        d,
        "a two-letter country code (ISO 3166) or null",
        |v| match v {
            Value::Null => Some(None),
            Value::String(code) => {
                crate::numbers::country(code).map(|_| Some(code.to_ascii_uppercase()))
            }
            _ => None,
        },
    )
}

/// Seconds, zero or more.
pub fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    expect(d, "a number of seconds >= 0", |v| {
        v.as_f64().filter(|n| *n >= 0.0 && n.is_finite())
    })
}

/// Seconds, more than zero.
pub fn positive_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    expect(d, "a number of seconds > 0", |v| {
        v.as_f64().filter(|n| *n > 0.0 && n.is_finite())
    })
}

/// A count of at least one (a pool, a number of attempts).
pub fn at_least_one<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D) -> Result<T, D::Error> {
    expect(d, "an integer >= 1 that fits its use", |v| {
        v.as_u64()
            .filter(|n| *n >= 1)
            .and_then(|n| T::try_from(n).ok())
    })
}

/// A size in bytes of at least 1 KiB (a request body).
pub fn body_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    expect(d, "a number of bytes >= 1024", |v| {
        v.as_u64().filter(|n| *n >= 1024)
    })
}

/// Names switched on or off (`enabled_plugins.*`); null is none.
pub fn switches<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, bool>, D::Error> {
    expect(d, "a dict of names to true/false", |v| match v {
        Value::Null => Some(BTreeMap::new()),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| v.as_bool().map(|b| (k.clone(), b)))
            .collect(),
        _ => None,
    })
}

/// A string, where an empty one or null means "not set" (as wazo-dird's files write it).
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    expect(d, "a string or null", |v| match v {
        Value::Null => Some(None),
        Value::String(s) => Some((!s.is_empty()).then(|| s.clone())),
        _ => None,
    })
}

/// A path, where an empty string or null means "not set".
pub fn opt_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    opt_string(d).map(|s| s.map(PathBuf::from))
}

/// One of `choices`, in any case, read in lower case.
fn choice<'de, D: Deserializer<'de>>(d: D, choices: &[&str]) -> Result<String, D::Error> {
    let expected = format!("one of {}", choices.join(", "));
    expect(d, &expected, |v| {
        v.as_str()
            .map(str::to_lowercase)
            .filter(|s| choices.contains(&s.as_str()))
    })
}

/// `log_level`.
pub fn log_level<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    choice(d, super::LOG_LEVELS)
}

/// `bus.exchange_type`.
pub fn exchange_type<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    choice(d, &["headers", "topic", "direct", "fanout"])
}

/// `consul.scheme`.
pub fn scheme<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    choice(d, &["http", "https"])
}

/// `auth.backend`.
pub fn auth_backend<'de, D: Deserializer<'de>>(d: D) -> Result<super::AuthBackend, D::Error> {
    Ok(match choice(d, &["wazo-auth", "static"])?.as_str() {
        "static" => super::AuthBackend::Static,
        _ => super::AuthBackend::WazoAuth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "port")]
        port: u16,
        #[serde(deserialize_with = "opt_string")]
        name: Option<String>,
        #[serde(deserialize_with = "at_least_one")]
        threshold: u32,
    }

    fn read(value: Value) -> Result<Sample, String> {
        Sample::deserialize(value).map_err(|e| e.to_string())
    }

    #[test]
    fn values_are_checked_and_errors_say_what_was_found() {
        let ok = read(json!({"port": 9489, "name": "", "threshold": 5})).expect("valid");
        assert_eq!((ok.port, ok.name, ok.threshold), (9489, None, 5));
        let quoted = read(json!({"port": "9489", "name": null, "threshold": 5}));
        assert!(
            quoted
                .as_ref()
                .is_err_and(|e| e.contains("port number") && e.contains("\"9489\"")),
            "a quoted port is refused as before: {quoted:?}"
        );
        let too_big = read(json!({"port": 1, "name": null, "threshold": 5_000_000_000_u64}));
        assert!(
            too_big.is_err(),
            "a threshold beyond u32 is an error, not clamped"
        );
    }
}
