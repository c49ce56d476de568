//! The `phonebook` backend: one company phonebook of dird's own database. Its source names the
//! phonebook by `phonebook_uuid` (required, in the source's tenant); the source's name is the
//! phonebook's (read-only) and the body shows `phonebook_name` and `phonebook_description`.
//! `id` (the contact uuid) is the unique column.

use super::stored::{StoredContacts, Whose};
use super::{Deps, Kind, SourceSpec};
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The fields of a phonebook source besides the common ones.
const FIELDS: &[&str] = &["phonebook_uuid", "phonebook_name", "phonebook_description"];

/// Fields a phonebook source shows but never takes: a client may PUT back what it read.
pub const READ_ONLY: &[&str] = &["phonebook_name", "phonebook_description"];

/// The `phonebook` kind.
pub const KIND: Kind = Kind {
    name: "phonebook",
    sort_columns: &[],
    validate,
    build,
    virtual_name: true,
    fields: FIELDS,
    default_timeout: None,
};

fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, Map<String, Value>> {
    #[derive(serde::Deserialize, serde::Serialize)]
    #[serde(deny_unknown_fields)]
    struct Fields {
        phonebook_uuid: String,
    }
    let own: Map<String, Value> = fields
        .iter()
        .filter(|(key, _)| !READ_ONLY.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let parsed = super::parse_fields::<Fields>(&own, &["phonebook_uuid"])?;
    match parsed.get("phonebook_uuid").and_then(Value::as_str) {
        Some(uuid) if uuid::Uuid::parse_str(uuid).is_ok() => Ok(parsed),
        _ => Err(Map::from_iter([(
            "phonebook_uuid".to_owned(),
            serde_json::json!({"constraint_id": "uuid", "constraint": "uuid", "message": "Not a valid UUID."}),
        )])),
    }
}

fn build(
    spec: Arc<SourceSpec>,
    deps: Deps,
) -> BoxFuture<'static, Result<Arc<dyn super::Backend>, String>> {
    Box::pin(async move {
        let phonebook_uuid = spec
            .extra_fields
            .get("phonebook_uuid")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("source {} names no phonebook_uuid", spec.name))?
            .to_owned();
        Ok(StoredContacts::backend(
            spec,
            Whose::Phonebook(phonebook_uuid),
            deps.storage,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_phonebook_uuid_is_required_and_read_only_fields_are_dropped() {
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
        let missing = validate(&Map::new()).expect_err("required");
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
