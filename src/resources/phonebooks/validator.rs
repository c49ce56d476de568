//! Phonebook and phonebook contact bodies.

use crate::input::{nul_in, nul_reason};
use crate::validation::{object, Checker};
use serde_json::{Map, Value};

/// `{name (1..255), description?}`.
pub(crate) fn phonebook(body: &Value) -> Result<(String, Option<String>), Map<String, Value>> {
    let body = object(body)?;
    let mut check = Checker::new(body);
    let name = check.string("name", 1, 255);
    let description = match body.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            check.fail("description", serde_json::json!({"constraint_id": "type", "constraint": "string", "message": "Not a valid string."}));
            None
        }
    };
    check.finish((name, description))
}

/// A contact: any object with non-empty keys, `id` ignored; values are kept as sent (they are
/// stored as text, as wazo-dird does: `1` reads back as `"1"`).
pub(crate) fn contact(body: &Value) -> Result<Map<String, Value>, String> {
    let Some(object) = body.as_object() else {
        return Err("The body must be a JSON object".into());
    };
    let fields: Map<String, Value> = object
        .iter()
        .filter(|(k, _)| k.as_str() != "id")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if fields.is_empty() {
        return Err("A contact needs at least one field".into());
    }
    if fields.keys().any(String::is_empty) {
        return Err("Empty keys are not allowed".into());
    }
    if let Some(path) = nul_in(body) {
        return Err(nul_reason(&path));
    }
    Ok(fields)
}
