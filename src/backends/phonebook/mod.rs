//! The `phonebook` backend: one company phonebook of dird's own database. Its source names the
//! phonebook by `phonebook_uuid` (required, in the source's tenant); the source's name is the
//! phonebook's (read-only) and the body shows `phonebook_name` and `phonebook_description`.
//! `id` (the contact uuid) is the unique column.

use super::stored::{StoredContacts, Whose};
use super::{BackendKind, Deps, FieldErrors, SourceSpec};
use crate::backends::kind::Built;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

/// The `phonebook` kind.
#[derive(Debug)]
pub struct Phonebook;

/// Fields of a phonebook source besides the common ones.
#[derive(Debug, Deserialize, Serialize)]
pub struct PhonebookConfig {
    /// The phonebook, in the source's tenant.
    pub phonebook_uuid: String,
    /// Shown, never taken: a client may send back what it read (the Wazo UI sends `null`).
    #[serde(default, skip_serializing)]
    pub phonebook_name: Option<Value>,
    #[serde(default, skip_serializing)]
    pub phonebook_description: Option<Value>,
}

impl BackendKind for Phonebook {
    const NAME: &'static str = "phonebook";
    const VIRTUAL_NAME: bool = true;
    type Config = PhonebookConfig;

    fn check(config: &mut PhonebookConfig) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if uuid::Uuid::parse_str(&config.phonebook_uuid).is_err() {
            errors.insert(
                "phonebook_uuid".to_owned(),
                json!({"constraint_id": "uuid", "constraint": "uuid", "message": "Not a valid UUID."}),
            );
        }
        errors
    }

    fn build(spec: Arc<SourceSpec>, config: PhonebookConfig, deps: Deps) -> Built {
        let backend =
            StoredContacts::backend(spec, Whose::Phonebook(config.phonebook_uuid), deps.storage);
        Box::pin(async move { Ok(backend) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_phonebook_uuid_is_required_and_read_only_fields_are_dropped() {
        let phonebook = crate::backends::kind("phonebook").expect("phonebook");
        let validate = |fields: &serde_json::Map<String, Value>| {
            phonebook.read(fields, crate::backends::Origin::Declared)
        };
        let ok = validate(
            json!({"phonebook_uuid": "5b6d0c1e-9d8a-4a3c-8f1e-2a0b1c2d3e4f", "phonebook_name": "x"})
                .as_object()
                .expect("object"),
        )
        .expect("valid");
        assert_eq!(
            Value::Object(ok),
            json!({"phonebook_uuid": "5b6d0c1e-9d8a-4a3c-8f1e-2a0b1c2d3e4f"})
        );
        let missing = validate(&serde_json::Map::new()).expect_err("required");
        assert!(missing.contains_key("phonebook_uuid"), "{missing:?}");
        let bad = validate(
            json!({"phonebook_uuid": "nope"})
                .as_object()
                .expect("object"),
        )
        .expect_err("not a uuid");
        assert!(
            bad.contains_key("phonebook_uuid") || bad.contains_key("_schema"),
            "{bad:?}"
        );
    }
}
