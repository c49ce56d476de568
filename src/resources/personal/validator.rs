//! A personal contact body: a JSON object of strings; keys are not empty. `{}` is a valid (empty)
//! contact, as in wazo-dird.

use super::Contact;
use crate::input::{nul_in, nul_reason};
use serde_json::Value;

/// The contact, or the reason wazo-dird gives for refusing it.
pub(crate) fn validate(body: &Value) -> Result<Contact, String> {
    let Some(object) = body.as_object() else {
        return Err("The body must be a JSON object".into());
    };
    if let Some(path) = nul_in(body) {
        return Err(nul_reason(&path));
    }
    let mut contact = Contact::new();
    for (key, value) in object {
        if key.is_empty() {
            return Err("Empty keys are not allowed".into());
        }
        match value {
            Value::String(text) => {
                contact.insert(key.clone(), text.clone());
            }
            _ => return Err(format!("The value of `{key}` must be a string")),
        }
    }
    Ok(contact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_only_and_no_empty_key() {
        assert_eq!(validate(&json!({})).expect("empty contact").len(), 0);
        assert_eq!(
            validate(&json!({"firstname": "Alice", "id": "x"})).expect("valid")["id"],
            "x"
        );
        for bad in [
            json!([]),
            json!({"": "x"}),
            json!({"a": 1}),
            json!({"a": null}),
            json!("text"),
        ] {
            assert!(validate(&bad).is_err(), "{bad}");
        }
    }
}
