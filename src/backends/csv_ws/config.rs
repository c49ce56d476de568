//! The `csv_ws` source's own fields. The common `timeout` (seconds, default 10) is also the HTTP
//! timeout of every request to the web service.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub use crate::backends::http::Verify;

/// Fields of a `csv_ws` source besides the common ones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CsvWsConfig {
    /// Searched with `?<column>=<term>` for each searched (or first-matched) column.
    pub lookup_url: String,
    /// Fetched whole to find favorites by `unique_column`.
    #[serde(default)]
    pub list_url: Option<String>,
    /// The one-character field separator of the answers.
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    #[serde(default)]
    pub verify_certificate: Verify,
    /// The column whose value identifies a contact.
    #[serde(default)]
    pub unique_column: Option<String>,
}

fn default_delimiter() -> String {
    ",".to_owned()
}

/// The fields of a `csv_ws` source besides the common ones (`timeout` is common).
pub const FIELDS: &[&str] = &[
    "lookup_url",
    "list_url",
    "delimiter",
    "verify_certificate",
    "unique_column",
];

fn is_http_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// Validates the fields and fills the defaults.
pub fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, Map<String, Value>> {
    let mut parsed = super::super::parse_fields::<CsvWsConfig>(fields, FIELDS)?;
    let mut errors = Map::new();
    let bad_url =
        || json!({"constraint_id": "url", "constraint": "url", "message": "Not a valid URL."});
    if !parsed
        .get("lookup_url")
        .and_then(Value::as_str)
        .is_some_and(is_http_url)
    {
        errors.insert("lookup_url".into(), bad_url());
    }
    if parsed
        .get("list_url")
        .and_then(Value::as_str)
        .is_some_and(|u| !is_http_url(u))
    {
        errors.insert("list_url".into(), bad_url());
    }
    if parsed
        .get("delimiter")
        .and_then(Value::as_str)
        .is_none_or(|s| s.chars().count() != 1)
    {
        errors.insert("delimiter".into(), json!({"constraint_id": "length", "constraint": {"equal": 1}, "message": "Length must be 1."}));
    }
    // wazo-dird accepts "true"/"false" strings for the boolean.
    if let Some(verify) = parsed.get("verify_certificate").and_then(Verify::from_json) {
        parsed.insert("verify_certificate".into(), json!(verify));
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn urls_delimiter_and_verify() {
        let ok = validate(&fields(
            json!({"lookup_url": "https://ws.example/ws", "verify_certificate": "False"}),
        ))
        .expect("valid");
        assert_eq!(ok["delimiter"], ",");
        assert_eq!(ok["verify_certificate"], false);
        let ok = validate(&fields(
            json!({"lookup_url": "http://x/ws", "verify_certificate": "/etc/ca.pem"}),
        ))
        .expect("valid");
        assert_eq!(ok["verify_certificate"], "/etc/ca.pem");
        let errors = validate(&fields(
            json!({"lookup_url": "ftp://x", "list_url": "nope", "delimiter": ""}),
        ))
        .expect_err("invalid");
        for field in ["lookup_url", "list_url", "delimiter"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        assert!(validate(&fields(json!({}))).is_err());
    }
}
