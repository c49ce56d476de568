//! Checks a source body: the common fields here, the backend's own fields by its kind.

use super::model::Source;
use crate::backends::Kind;
use crate::validation::{object, Checker};
use serde_json::{Map, Value};

/// Keys common to every backend; everything else belongs to the backend.
const COMMON_KEYS: &[&str] = &[
    "uuid",
    "tenant_uuid",
    "name",
    "backend",
    "searched_columns",
    "first_matched_columns",
    "format_columns",
    "timeout",
];

/// How keys that neither the common fields nor the kind know are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnknownKeys {
    /// Dropped silently: REST bodies, as wazo-dird does.
    Drop,
    /// Refused: sources declared in the YAML configuration, where a typo must not pass unseen.
    Refuse,
}

/// Validates `body` as a source of `kind` in `tenant_uuid` (uuid and tenant in the body are ignored;
/// the name of a kind whose sources are named after something else is optional).
pub(crate) fn validate(
    kind: &Kind,
    body: &Value,
    uuid: String,
    tenant_uuid: String,
    unknown: UnknownKeys,
) -> Result<Source, Map<String, Value>> {
    let body = object(body)?;
    let mut check = Checker::new(body);
    // A stored source of such a kind is named after its phonebook by the database; a source declared
    // in the configuration keeps the name given there, so that declared profiles can name it.
    let name = if kind.virtual_name {
        body.get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    } else {
        check.string("name", 1, 512)
    };
    let searched_columns = check.string_list("searched_columns", 1, 128);
    let first_matched_columns = check.string_list("first_matched_columns", 1, 128);
    let format_columns = check.string_map("format_columns");
    let timeout = check
        .opt_positive_number("timeout")
        .or(kind.default_timeout);
    let own: Map<String, Value> = body
        .iter()
        .filter(|(key, _)| !COMMON_KEYS.contains(&key.as_str()))
        .filter(|(key, _)| unknown == UnknownKeys::Refuse || kind.fields.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let extra_fields = match (kind.validate)(&own) {
        Ok(fields) => fields,
        Err(details) => {
            for (field, detail) in details {
                check.fail(&field, detail);
            }
            Map::new()
        }
    };
    check.finish(Source {
        uuid,
        tenant_uuid,
        name,
        backend: kind.name.to_owned(),
        searched_columns,
        first_matched_columns,
        format_columns,
        extra_fields,
        timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn common_and_backend_fields_are_checked_together() {
        let kind = crate::backends::kind("csv").expect("csv");
        let source = validate(
            kind,
            &json!({"name": "n", "file": "/f.csv", "searched_columns": ["a"], "timeout": 0.5}),
            "u".into(),
            "t".into(),
            UnknownKeys::Refuse,
        )
        .expect("valid");
        assert_eq!(source.extra_fields["file"], "/f.csv");
        assert_eq!(source.timeout, Some(0.5));
        let details = validate(
            kind,
            &json!({"searched_columns": [""], "timeout": 0, "format_columns": {"a": 1}}),
            "u".into(),
            "t".into(),
            UnknownKeys::Refuse,
        )
        .expect_err("invalid");
        for field in [
            "name",
            "searched_columns",
            "timeout",
            "format_columns",
            "file",
        ] {
            assert!(
                details.contains_key(field),
                "{field} not reported: {details:?}"
            );
        }
        assert!(validate(kind, &json!([]), "u".into(), "t".into(), UnknownKeys::Drop).is_err());
        let typo = json!({"name": "n", "file": "/f.csv", "fiel": "x"});
        assert!(validate(kind, &typo, "u".into(), "t".into(), UnknownKeys::Refuse).is_err());
        let dropped =
            validate(kind, &typo, "u".into(), "t".into(), UnknownKeys::Drop).expect("dropped");
        assert!(!dropped.extra_fields.contains_key("fiel"));
    }
}
