//! Sources, displays and profiles declared in the YAML configuration (top-level lists `sources`,
//! `displays`, `profiles`), each item in the shape of its REST body plus `tenant_uuid` (default: the
//! master tenant) and an optional `uuid` (default: derived from the tenant and the name, so it is
//! stable across restarts). A profile may name its display and sources by `uuid` or by `name`.

use super::displays::{model::Display, validator as display_validator};
use super::profiles::{model::Profile, validator as profile_validator};
use super::sources::{model::Source, validator as source_validator};
use crate::backends;
use serde_json::{Map, Value};

/// Everything declared in the configuration.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Declared {
    pub sources: Vec<Source>,
    pub displays: Vec<Display>,
    pub profiles: Vec<Profile>,
}

/// A fixed namespace for the uuids of declared items.
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5c1f_02a8_4f5e_4d0b_9e3a_d1d0_0000_0001);

fn derived_uuid(kind: &str, tenant: &str, name: &str) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, format!("{kind}/{tenant}/{name}").as_bytes()).to_string()
}

fn items<'a>(value: &'a Value, key: &str, errors: &mut Vec<String>) -> Vec<&'a Map<String, Value>> {
    match value {
        Value::Null => Vec::new(),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .filter_map(|(index, item)| {
                let object = item.as_object();
                if object.is_none() {
                    errors.push(format!("{key}[{index}]: expected a dict"));
                }
                object
            })
            .collect(),
        _ => {
            errors.push(format!("{key}: expected a list"));
            Vec::new()
        }
    }
}

/// Identity of an item: its tenant and uuid (given or derived).
fn identity(
    item: &Map<String, Value>,
    kind: &str,
    master: Option<&str>,
    label: &str,
    errors: &mut Vec<String>,
) -> Option<(String, String)> {
    let tenant = match item.get("tenant_uuid").and_then(Value::as_str).or(master) {
        Some(tenant) => tenant.to_owned(),
        None => {
            errors.push(format!("{label}: tenant_uuid is required (the master tenant is not known at start-up: set auth.master_tenant_uuid)"));
            return None;
        }
    };
    let uuid = match item.get("uuid").and_then(Value::as_str) {
        Some(uuid) => uuid.to_owned(),
        None => derived_uuid(
            kind,
            &tenant,
            item.get("name").and_then(Value::as_str).unwrap_or_default(),
        ),
    };
    Some((tenant, uuid))
}

fn describe(details: &Map<String, Value>) -> String {
    details
        .iter()
        .map(|(field, detail)| {
            let message = detail
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| detail.to_string(), str::to_owned);
            format!("{field}: {message}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn label(key: &str, index: usize, item: &Map<String, Value>) -> String {
    match item.get("name").and_then(Value::as_str) {
        Some(name) => format!("{key}[{index}] ({name})"),
        None => format!("{key}[{index}]"),
    }
}

/// Replaces `{name: x}` references by `{uuid: ...}` of the item of that name in `tenant`.
fn resolve(
    reference: &Value,
    tenant: &str,
    known: &[(String, String, String)],
) -> Result<Value, String> {
    let Some(object) = reference.as_object() else {
        return Ok(reference.clone());
    };
    if object.contains_key("uuid") {
        let uuid = object
            .get("uuid")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return if known.iter().any(|(t, u, _)| t == tenant && u == uuid) {
            Ok(reference.clone())
        } else {
            Err(format!("no such item {uuid} in tenant {tenant}"))
        };
    }
    let Some(name) = object.get("name").and_then(Value::as_str) else {
        return Ok(reference.clone());
    };
    known
        .iter()
        .find(|(t, _, n)| t == tenant && n == name)
        .map(|(_, uuid, _)| serde_json::json!({"uuid": uuid}))
        .ok_or_else(|| format!("no item named {name:?} in tenant {tenant}"))
}

/// Validates the three lists. Every error is reported, with the item it concerns.
pub fn load(
    sources: &Value,
    displays: &Value,
    profiles: &Value,
    master: Option<&str>,
) -> Result<Declared, Vec<String>> {
    let mut errors = Vec::new();
    let sources = load_sources(sources, master, &mut errors);
    let displays = load_displays(displays, master, &mut errors);
    let profiles = load_profiles(profiles, master, &sources, &displays, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Declared {
        sources,
        displays,
        profiles,
    })
}

/// The declared sources, each read by its kind; an unknown kind's error lists the installed ones.
fn load_sources(list: &Value, master: Option<&str>, errors: &mut Vec<String>) -> Vec<Source> {
    let mut sources = Vec::new();
    for (index, item) in items(list, "sources", errors).into_iter().enumerate() {
        let label = label("sources", index, item);
        let Some((tenant, uuid)) = identity(item, "source", master, &label, errors) else {
            continue;
        };
        let backend = item
            .get("backend")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(kind) = backends::kind(backend) else {
            let known: Vec<&str> = backends::KINDS.iter().map(|k| k.name()).collect();
            errors.push(format!(
                "{label}: unknown backend {backend:?}; installed: {}",
                known.join(", ")
            ));
            continue;
        };
        let body = Value::Object(item.clone());
        match source_validator::validate(kind, &body, uuid, tenant, backends::Origin::Declared) {
            Ok(source) => sources.push(source),
            Err(details) => errors.push(format!("{label}: {}", describe(&details))),
        }
    }
    sources
}

fn load_displays(list: &Value, master: Option<&str>, errors: &mut Vec<String>) -> Vec<Display> {
    let mut displays = Vec::new();
    for (index, item) in items(list, "displays", errors).into_iter().enumerate() {
        let label = label("displays", index, item);
        let Some((tenant, uuid)) = identity(item, "display", master, &label, errors) else {
            continue;
        };
        match display_validator::validate(&Value::Object(item.clone()), uuid, tenant) {
            Ok(display) => displays.push(display),
            Err(details) => errors.push(format!("{label}: {}", describe(&details))),
        }
    }
    displays
}

/// The declared profiles, their display and sources named among the declared ones.
fn load_profiles(
    list: &Value,
    master: Option<&str>,
    sources: &[Source],
    displays: &[Display],
    errors: &mut Vec<String>,
) -> Vec<Profile> {
    let known_sources: Vec<(String, String, String)> = sources
        .iter()
        .map(|s| (s.tenant_uuid.clone(), s.uuid.clone(), s.name.clone()))
        .collect();
    let known_displays: Vec<(String, String, String)> = displays
        .iter()
        .map(|d| (d.tenant_uuid.clone(), d.uuid.clone(), d.name.clone()))
        .collect();
    let mut profiles = Vec::new();
    for (index, item) in items(list, "profiles", errors).into_iter().enumerate() {
        let label = label("profiles", index, item);
        let Some((tenant, uuid)) = identity(item, "profile", master, &label, errors) else {
            continue;
        };
        let errors_before = errors.len();
        let mut body = item.clone();
        if let Some(display) = item.get("display").filter(|d| !d.is_null()) {
            match resolve(display, &tenant, &known_displays) {
                Ok(resolved) => {
                    body.insert("display".into(), resolved);
                }
                Err(e) => errors.push(format!("{label}: display: {e}")),
            }
        }
        if let Some(Value::Object(services)) = item.get("services") {
            let mut services = services.clone();
            for (service, config) in services.iter_mut() {
                let Some(Value::Array(list)) = config.get_mut("sources") else {
                    continue;
                };
                for reference in list.iter_mut() {
                    match resolve(reference, &tenant, &known_sources) {
                        Ok(resolved) => *reference = resolved,
                        Err(e) => errors.push(format!("{label}: services.{service}.sources: {e}")),
                    }
                }
            }
            body.insert("services".into(), Value::Object(services));
        }
        if errors.len() > errors_before {
            continue;
        }
        match profile_validator::validate(&Value::Object(body), uuid, tenant) {
            Ok(profile) => profiles.push(profile),
            Err(details) => errors.push(format!("{label}: {}", describe(&details))),
        }
    }
    profiles
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_by_name_resolve_and_uuids_are_stable() {
        let sources = json!([{"backend": "csv", "name": "demo", "file": "/f.csv", "searched_columns": ["name"]}]);
        let displays = json!([{"name": "default", "columns": [{"field": "name", "title": "Nom"}]}]);
        let profiles = json!([{"name": "default", "display": {"name": "default"}, "services": {"lookup": {"sources": [{"name": "demo"}]}}}]);
        let first = load(&sources, &displays, &profiles, Some("t1")).expect("valid");
        let second = load(&sources, &displays, &profiles, Some("t1")).expect("valid");
        assert_eq!(first, second, "derived uuids are stable");
        let profile = &first.profiles[0];
        assert_eq!(
            profile.display.as_deref(),
            Some(first.displays[0].uuid.as_str())
        );
        assert_eq!(
            profile.services["lookup"].sources,
            vec![first.sources[0].uuid.clone()]
        );
        assert_eq!(profile.tenant_uuid, "t1");
    }

    #[test]
    fn every_problem_is_reported() {
        let sources = json!([{"backend": "nope", "name": "a"}, {"backend": "csv", "name": "b"}]);
        let profiles =
            json!([{"name": "p", "services": {"lookup": {"sources": [{"name": "missing"}]}}}]);
        let errors = load(&sources, &Value::Null, &profiles, Some("t1")).expect_err("invalid");
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].contains("unknown backend") && errors[0].contains("csv"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].contains("sources[1] (b)") && errors[1].contains("file"),
            "{}",
            errors[1]
        );
        assert!(errors[2].contains("missing"), "{}", errors[2]);
        let errors = load(
            &json!([{"backend": "csv", "name": "x", "file": "/f"}]),
            &Value::Null,
            &Value::Null,
            None,
        )
        .expect_err("no tenant");
        assert!(errors[0].contains("tenant_uuid"), "{}", errors[0]);
    }
}
