//! Checks a source body: the common fields here, the backend's own fields by its kind.

use super::model::Source;
use crate::backends::{Kind, Origin};
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

/// Validates `body` as a source of `kind` in `tenant_uuid`, as it comes from `origin` (uuid and
/// tenant in the body are ignored; the name of a kind whose sources are named after something else
/// is optional). The kind's own fields are read by the kind (`backends::kind`): keys it does not
/// know are dropped from REST bodies and refused in the YAML configuration.
pub(crate) fn validate(
    kind: &dyn Kind,
    body: &Value,
    uuid: String,
    tenant_uuid: String,
    origin: Origin,
) -> Result<Source, Map<String, Value>> {
    let body = object(body)?;
    let mut check = Checker::new(body);
    // A stored source of such a kind is named after its phonebook by the database; a source declared
    // in the configuration keeps the name given there, so that declared profiles can name it.
    let name = if kind.virtual_name() {
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
        .or(kind.default_timeout());
    let own: Map<String, Value> = body
        .iter()
        .filter(|(key, _)| !COMMON_KEYS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let extra_fields = match kind.read(&own, origin) {
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
        backend: kind.name().to_owned(),
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
            Origin::Declared,
        )
        .expect("valid");
        assert_eq!(source.extra_fields["file"], "/f.csv");
        assert_eq!(source.timeout, Some(0.5));
        let details = validate(
            kind,
            &json!({"searched_columns": [""], "timeout": 0, "format_columns": {"a": 1}}),
            "u".into(),
            "t".into(),
            Origin::Declared,
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
        assert!(validate(kind, &json!([]), "u".into(), "t".into(), Origin::Api).is_err());
        let typo = json!({"name": "n", "file": "/f.csv", "fiel": "x"});
        assert!(validate(kind, &typo, "u".into(), "t".into(), Origin::Declared).is_err());
        let dropped = validate(kind, &typo, "u".into(), "t".into(), Origin::Api).expect("dropped");
        assert!(!dropped.extra_fields.contains_key("fiel"));
    }
}
