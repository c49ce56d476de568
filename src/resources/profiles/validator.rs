//! Checks a profile body. Cross-checks (display and sources in the profile's tenant) are the
//! service's, which knows them.

use super::model::{Profile, ProfileService, ServiceOptions};
use crate::validation::{object, Checker};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn unknown_field() -> Value {
    json!({"constraint_id": "unknown", "constraint": "unknown", "message": "Unknown field."})
}

/// `{uuid}` references; `None` with a detail when malformed.
fn reference(value: &Value) -> Option<String> {
    value.as_object()?.get("uuid")?.as_str().map(str::to_owned)
}

pub(crate) fn validate(
    body: &Value,
    uuid: String,
    tenant_uuid: String,
) -> Result<Profile, Map<String, Value>> {
    let body = object(body)?;
    let mut check = Checker::new(body);
    let name = check.string("name", 1, 512);
    let display = match body.get("display") {
        None | Some(Value::Null) => None,
        Some(value) => reference(value).or_else(|| {
            check.fail("display", json!({"uuid": {"constraint_id": "required", "constraint": "required", "message": "Missing data for required field."}}));
            None
        }),
    };
    let mut services = BTreeMap::new();
    match body.get("services") {
        Some(Value::Object(map)) => {
            let mut errors = Map::new();
            for (service_name, config) in map {
                match service(config) {
                    Ok(service) => {
                        services.insert(service_name.clone(), service);
                    }
                    Err(detail) => {
                        errors.insert(service_name.clone(), detail);
                    }
                }
            }
            if !errors.is_empty() {
                check.fail("services", Value::Object(errors));
            }
        }
        None | Some(Value::Null) => check.fail("services", json!({"constraint_id": "required", "constraint": "required", "message": "Missing data for required field."})),
        Some(_) => check.fail("services", json!({"constraint_id": "type", "constraint": "mapping", "message": "Not a valid mapping type."})),
    }
    check.finish(Profile {
        uuid,
        tenant_uuid,
        name,
        display,
        services,
    })
}

/// One service: only `sources` and `options`; options only `timeout` (> 0 or null).
fn service(config: &Value) -> Result<ProfileService, Value> {
    let Some(config) = config.as_object() else {
        return Err(
            json!({"constraint_id": "type", "constraint": "mapping", "message": "Not a valid mapping type."}),
        );
    };
    let mut errors = Map::new();
    for key in config
        .keys()
        .filter(|key| !matches!(key.as_str(), "sources" | "options"))
    {
        errors.insert(key.clone(), unknown_field());
    }
    let mut sources = Vec::new();
    match config.get("sources") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match reference(item) {
                    Some(uuid) => sources.push(uuid),
                    None => {
                        errors.insert(format!("sources.{index}"), json!({"constraint_id": "required", "constraint": "uuid", "message": "Each source is {\"uuid\": ...}."}));
                    }
                }
            }
        }
        Some(_) => {
            errors.insert("sources".into(), json!({"constraint_id": "type", "constraint": "list", "message": "Not a valid list."}));
        }
    }
    let mut options = ServiceOptions::default();
    match config.get("options") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            let mut check = Checker::new(map);
            options.timeout = check.opt_positive_number("timeout");
            options.timeout_key = true;
            for key in map.keys().filter(|key| key.as_str() != "timeout") {
                check.fail(key, unknown_field());
            }
            if !check.details.is_empty() {
                errors.insert("options".into(), Value::Object(check.details));
            }
        }
        Some(_) => {
            errors.insert("options".into(), json!({"constraint_id": "type", "constraint": "mapping", "message": "Not a valid mapping type."}));
        }
    }
    if errors.is_empty() {
        Ok(ProfileService { sources, options })
    } else {
        Err(Value::Object(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_strict() {
        let profile = validate(
            &json!({"name": "default", "display": {"uuid": "d"}, "services": {"lookup": {"sources": [{"uuid": "s"}], "options": {"timeout": 0.5}}, "reverse": {}}}),
            "u".into(),
            "t".into(),
        )
        .expect("valid");
        assert_eq!(profile.services["lookup"].sources, vec!["s"]);
        assert_eq!(profile.services["lookup"].options.timeout, Some(0.5));
        assert!(profile.services["reverse"].sources.is_empty());
        for bad in [
            json!({"name": "p"}),
            json!({"name": "p", "services": {"lookup": {"extra": 1}}}),
            json!({"name": "p", "services": {"lookup": {"options": {"timeout": 0}}}}),
            json!({"name": "p", "services": {"lookup": {"options": {"color": "red"}}}}),
            json!({"name": "p", "services": {"lookup": {"sources": ["s"]}}}),
        ] {
            assert!(validate(&bad, "u".into(), "t".into()).is_err(), "{bad}");
        }
    }
}
