//! Body validation with wazo-dird's error details (a leaf: backends and resources both use it): each bad field maps to
//! `{constraint_id, constraint, message}` (marshmallow's shape), and every bad field is reported.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Errors of a body, field by field: the field's name to what is wrong with it, as wazo-dird's
/// `invalid-data` details show them.
pub type FieldErrors = Map<String, Value>;

/// Reads fields out of a JSON object, collecting one detail per bad field.
#[derive(Debug)]
pub struct Checker<'a> {
    body: &'a Map<String, Value>,
    pub details: Map<String, Value>,
}

fn required() -> Value {
    json!({"constraint_id": "required", "constraint": "required", "message": "Missing data for required field."})
}

fn wrong_type(expected: &str) -> Value {
    json!({"constraint_id": "type", "constraint": expected, "message": format!("Not a valid {expected}.")})
}

fn length(min: usize, max: usize) -> Value {
    json!({
        "constraint_id": "length",
        "constraint": {"min": min, "max": max},
        "message": format!("Length must be between {min} and {max}."),
    })
}

impl<'a> Checker<'a> {
    pub fn new(body: &'a Map<String, Value>) -> Self {
        Checker {
            body,
            details: Map::new(),
        }
    }

    /// Records a problem with `field`.
    pub fn fail(&mut self, field: &str, detail: Value) {
        self.details.insert(field.to_owned(), detail);
    }

    /// A required string of `min..=max` characters.
    pub fn string(&mut self, field: &str, min: usize, max: usize) -> String {
        match self.body.get(field) {
            None | Some(Value::Null) => {
                self.fail(field, required());
                String::new()
            }
            Some(Value::String(text)) if (min..=max).contains(&text.chars().count()) => {
                text.clone()
            }
            Some(Value::String(_)) => {
                self.fail(field, length(min, max));
                String::new()
            }
            Some(_) => {
                self.fail(field, wrong_type("string"));
                String::new()
            }
        }
    }

    /// A list of strings, each `min..=max` characters; absent means empty.
    pub fn string_list(&mut self, field: &str, min: usize, max: usize) -> Vec<String> {
        match self.body.get(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut strings = Vec::new();
                let mut errors = Map::new();
                for (index, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(text) if (min..=max).contains(&text.chars().count()) => {
                            strings.push(text.to_owned())
                        }
                        Some(_) => {
                            errors.insert(index.to_string(), length(min, max));
                        }
                        None => {
                            errors.insert(index.to_string(), wrong_type("string"));
                        }
                    }
                }
                if !errors.is_empty() {
                    self.fail(field, Value::Object(errors));
                }
                strings
            }
            Some(_) => {
                self.fail(field, wrong_type("list"));
                Vec::new()
            }
        }
    }

    /// A dict of string to string; absent means empty.
    pub fn string_map(&mut self, field: &str) -> BTreeMap<String, String> {
        match self.body.get(field) {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(map)) => {
                let converted: Option<BTreeMap<String, String>> = map
                    .iter()
                    .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect();
                converted.unwrap_or_else(|| {
                    self.fail(field, wrong_type("mapping of strings"));
                    BTreeMap::new()
                })
            }
            Some(_) => {
                self.fail(field, wrong_type("mapping"));
                BTreeMap::new()
            }
        }
    }

    /// An optional number > 0 (seconds); a numeric string is accepted, as wazo-dird does.
    pub fn opt_positive_number(&mut self, field: &str) -> Option<f64> {
        match self.body.get(field) {
            None | Some(Value::Null) => None,
            Some(value) => match value
                .as_f64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
            {
                Some(number) if number > 0.0 && number.is_finite() => Some(number),
                _ => {
                    self.fail(
                        field,
                        json!({"constraint_id": "range", "constraint": {"min": 0, "min_inclusive": false}, "message": "Must be greater than 0."}),
                    );
                    None
                }
            },
        }
    }

    /// The details, or nothing when every field was fine.
    pub fn finish<T>(self, value: T) -> Result<T, Map<String, Value>> {
        if self.details.is_empty() {
            Ok(value)
        } else {
            Err(self.details)
        }
    }
}

/// The body as a JSON object, or wazo-dird's detail for a body that is not one.
pub fn object(body: &Value) -> Result<&Map<String, Value>, Map<String, Value>> {
    body.as_object().ok_or_else(|| {
        let mut details = Map::new();
        details.insert("_schema".into(), json!({"constraint_id": "type", "constraint": "object", "message": "Invalid input type."}));
        details
    })
}
