//! The `csv_ws` source's own fields. The common `timeout` (seconds, default 10) is also the HTTP
//! timeout of every request to the web service.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use crate::backends::http::Verify;

/// Fields of a `csv_ws` source besides the common ones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CsvWsConfig {
    /// Searched with `?<column>=<term>` for each searched (or first-matched) column.
    pub lookup_url: String,
    /// Fetched whole to find favorites by `unique_column`.
    #[serde(default)]
    pub list_url: Option<String>,
    /// The one-character field separator of the answers.
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    /// `true`, `false` (also as the strings wazo-dird takes), or the path of a CA bundle.
    #[serde(default, deserialize_with = "Verify::deserialize_lenient")]
    pub verify_certificate: Verify,
    /// The column whose value identifies a contact.
    #[serde(default)]
    pub unique_column: Option<String>,
}

fn default_delimiter() -> String {
    ",".to_owned()
}

fn is_http_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// What the types do not say: the URLs are http(s), the delimiter is one character.
pub fn check(config: &CsvWsConfig) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let bad_url =
        || json!({"constraint_id": "url", "constraint": "url", "message": "Not a valid URL."});
    if !is_http_url(&config.lookup_url) {
        errors.insert("lookup_url".into(), bad_url());
    }
    if config.list_url.as_deref().is_some_and(|u| !is_http_url(u)) {
        errors.insert("list_url".into(), bad_url());
    }
    if config.delimiter.chars().count() != 1 {
        errors.insert("delimiter".into(), json!({"constraint_id": "length", "constraint": {"equal": 1}, "message": "Length must be 1."}));
    }
    errors
}

#[cfg(test)]
mod tests {
    use crate::backends::{kind, Origin};
    use serde_json::{json, Map, Value};

    fn read(value: Value) -> Result<Map<String, Value>, Map<String, Value>> {
        let kind = kind("csv_ws").expect("csv_ws");
        kind.read(value.as_object().expect("object"), Origin::Api)
    }

    #[test]
    fn urls_delimiter_and_verify() {
        let ok =
            read(json!({"lookup_url": "https://ws.example/ws", "verify_certificate": "False"}))
                .expect("valid");
        assert_eq!(ok["delimiter"], ",");
        assert_eq!(ok["verify_certificate"], false);
        let ok = read(json!({"lookup_url": "http://x/ws", "verify_certificate": "/etc/ca.pem"}))
            .expect("valid");
        assert_eq!(ok["verify_certificate"], "/etc/ca.pem");
        let errors = read(json!({"lookup_url": "ftp://x", "list_url": "nope", "delimiter": ""}))
            .expect_err("invalid");
        for field in ["lookup_url", "list_url", "delimiter"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        assert!(read(json!({})).is_err());
        // The Wazo UI sends `separator` beside `delimiter`: dropped, as wazo-dird drops it.
        let ui = read(json!({"lookup_url": "http://x/ws", "delimiter": "|", "separator": "|", "list_url": null}))
            .expect("valid");
        assert_eq!(
            Value::Object(ui),
            json!({"lookup_url": "http://x/ws", "list_url": null, "delimiter": "|", "verify_certificate": true, "unique_column": null})
        );
    }
}
