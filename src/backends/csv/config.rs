//! The `csv` source's own fields.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Fields of a `csv` source besides the common ones.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
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

/// The fields of a `csv` source besides the common ones.
pub const FIELDS: &[&str] = &["file", "separator", "unique_column"];

/// Validates the fields and fills the defaults.
pub fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, Map<String, Value>> {
    let parsed = super::super::parse_fields::<CsvConfig>(fields, FIELDS)?;
    let mut errors = Map::new();
    if parsed
        .get("file")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        errors.insert("file".into(), json!({"constraint_id": "length", "constraint": {"min": 1}, "message": "Shorter than minimum length 1."}));
    }
    if parsed
        .get("separator")
        .and_then(Value::as_str)
        .is_none_or(|s| s.chars().count() != 1)
    {
        errors.insert("separator".into(), json!({"constraint_id": "length", "constraint": {"equal": 1}, "message": "Length must be 1."}));
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
    fn defaults_and_errors() {
        let ok = validate(&fields(json!({"file": "/tmp/a.csv"}))).expect("valid");
        assert_eq!(ok["separator"], ",");
        assert_eq!(ok["unique_column"], Value::Null);
        assert!(validate(&fields(json!({})))
            .expect_err("file required")
            .contains_key("file"));
        assert!(validate(&fields(json!({"file": "x", "separator": ";;"})))
            .expect_err("one char")
            .contains_key("separator"));
        assert!(validate(&fields(json!({"file": "x", "colour": "red"})))
            .expect_err("unknown")
            .contains_key("colour"));
    }
}
