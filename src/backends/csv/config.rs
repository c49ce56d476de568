//! The `csv` source's own fields.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Fields of a `csv` source besides the common ones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CsvConfig {
    /// Path of the CSV file; its first row names the columns.
    pub file: String,
    /// The one-character field separator.
    #[serde(default = "default_separator")]
    pub separator: String,
    /// The column whose value identifies a contact (favorites, `source_entry_id`).
    #[serde(default)]
    pub unique_column: Option<String>,
}

fn default_separator() -> String {
    ",".to_owned()
}

/// What the types do not say: a file is named, the separator is one character.
pub fn check(config: &CsvConfig) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if config.file.is_empty() {
        errors.insert("file".into(), json!({"constraint_id": "length", "constraint": {"min": 1}, "message": "Shorter than minimum length 1."}));
    }
    if config.separator.chars().count() != 1 {
        errors.insert("separator".into(), json!({"constraint_id": "length", "constraint": {"equal": 1}, "message": "Length must be 1."}));
    }
    errors
}

#[cfg(test)]
mod tests {
    use crate::backends::{kind, Origin};
    use serde_json::{json, Map, Value};

    fn read(value: Value, origin: Origin) -> Result<Map<String, Value>, Map<String, Value>> {
        let csv = kind("csv").expect("csv");
        csv.read(value.as_object().expect("object"), origin)
    }

    #[test]
    fn defaults_and_errors() {
        let ok = read(json!({"file": "/tmp/a.csv"}), Origin::Api).expect("valid");
        assert_eq!(
            Value::Object(ok),
            json!({"file": "/tmp/a.csv", "separator": ",", "unique_column": null})
        );
        assert!(read(json!({}), Origin::Api)
            .expect_err("file required")
            .contains_key("file"));
        assert!(read(json!({"file": "x", "separator": ";;"}), Origin::Api)
            .expect_err("one char")
            .contains_key("separator"));
        assert!(
            read(json!({"file": "x", "colour": "red"}), Origin::Declared)
                .expect_err("unknown")
                .contains_key("colour")
        );
        let dropped = read(json!({"file": "x", "colour": "red"}), Origin::Api).expect("dropped");
        assert!(!dropped.contains_key("colour"));
    }
}
