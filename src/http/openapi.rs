//! The OpenAPI document served at `/0.1/api/api.yml`: what the views declare (utoipa), plus the
//! schemas of the bodies that are free-form maps in Rust (`schemas.yml`), so that every request and
//! response body has a real schema for generated clients and fuzzers.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const SCHEMAS: &str = include_str!("schemas.yml");

#[derive(Deserialize)]
struct Schemas {
    schemas: Map<String, Value>,
    /// `"<METHOD> <path> request|<status>"` → schema name.
    bodies: BTreeMap<String, String>,
}

/// The document as YAML, built once.
pub fn yaml() -> Result<&'static str, String> {
    static YAML: OnceLock<Result<String, String>> = OnceLock::new();
    YAML.get_or_init(|| {
        let document = document()?;
        yaml_serde::to_string(&document)
            .map_err(|e| format!("cannot render the OpenAPI document: {e}"))
    })
    .as_deref()
    .map_err(Clone::clone)
}

/// The document: the views' own, with `schemas.yml` added to its components and referenced from
/// the bodies it names.
pub fn document() -> Result<Value, String> {
    let mut document = serde_json::to_value(super::views::openapi()).map_err(|e| e.to_string())?;
    let extra: Schemas =
        yaml_serde::from_str(SCHEMAS).map_err(|e| format!("src/http/schemas.yml: {e}"))?;
    let schemas = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("the document has no components.schemas")?;
    for (name, schema) in extra.schemas {
        if schemas.insert(name.clone(), schema).is_some() {
            return Err(format!("schemas.yml redefines the schema {name}"));
        }
    }
    let names: Vec<String> = schemas.keys().cloned().collect();
    for (key, name) in &extra.bodies {
        if !names.contains(name) {
            return Err(format!("schemas.yml: {key}: no schema {name}"));
        }
        let content = body_content(&mut document, key)
            .ok_or_else(|| format!("schemas.yml: no body {key}"))?;
        for media in content.values_mut() {
            media["schema"] = json!({"$ref": format!("#/components/schemas/{name}")});
        }
    }
    per_backend(&mut document);
    Ok(document)
}

/// One path per backend kind where a route names `{backend}` (`/0.1/backends/csv/sources`,
/// `/0.1/backends/ldap/sources/{source_uuid}`…), as upstream's document lists them, so that tools
/// generated from or checked against it find every route.
fn per_backend(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let generic: Vec<String> = paths
        .keys()
        .filter(|path| path.contains("{backend}"))
        .cloned()
        .collect();
    for path in generic {
        let Some(operations) = paths.remove(&path) else {
            continue;
        };
        for kind in crate::backends::KINDS {
            let name = kind.name();
            let mut operations = operations.clone();
            for operation in operations
                .as_object_mut()
                .into_iter()
                .flat_map(|o| o.values_mut())
            {
                if let Some(parameters) = operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut)
                {
                    parameters.retain(|parameter| parameter["name"] != "backend");
                }
                if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                    operation["operationId"] = json!(format!("{id}_{name}"));
                }
                if let Some(text) = operation.get("description").and_then(Value::as_str) {
                    operation["description"] = json!(text.replace("{backend}", name));
                }
            }
            paths.insert(path.replace("{backend}", name), operations);
        }
    }
}

/// The `content` map of the body `key` names ("GET /0.1/x 200", "POST /0.1/x request").
fn body_content<'a>(document: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    let (method, rest) = key.split_once(' ')?;
    let (path, target) = rest.rsplit_once(' ')?;
    let operation = document
        .get_mut("paths")?
        .get_mut(path)?
        .get_mut(method.to_ascii_lowercase())?;
    let body = if target == "request" {
        operation.get_mut("requestBody")?
    } else {
        operation.get_mut("responses")?.get_mut(target)?
    };
    body.get_mut("content")?
        .as_object_mut()
        .filter(|content| !content.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every body of the document, as (where, its schema).
    fn bodies(document: &Value) -> Vec<(String, Value)> {
        let mut found = Vec::new();
        for (path, operations) in document["paths"].as_object().expect("paths") {
            for (method, operation) in operations.as_object().expect("operations") {
                let mut add = |target: &str, body: &Value| {
                    for (media, content) in body["content"].as_object().into_iter().flatten() {
                        found.push((
                            format!("{method} {path} {target} {media}"),
                            content.get("schema").cloned().unwrap_or(Value::Null),
                        ));
                    }
                };
                add("request", &operation["requestBody"]);
                for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                    add(status, response);
                }
            }
        }
        found
    }

    #[test]
    fn every_body_has_a_real_schema() {
        let document = document().expect("document");
        let bodies = bodies(&document);
        assert!(bodies.len() > 60, "{} bodies", bodies.len());
        let bare = [Value::Null, json!({}), json!({"type": "object"})];
        let weak: Vec<&String> = bodies
            .iter()
            .filter(|(_, schema)| bare.contains(schema))
            .map(|(place, _)| place)
            .collect();
        assert!(weak.is_empty(), "bodies without a real schema: {weak:#?}");
    }

    #[test]
    fn each_backend_kind_has_its_own_source_paths() {
        let document = document().expect("document");
        let paths = document["paths"].as_object().expect("paths");
        assert!(paths.keys().all(|path| !path.contains("{backend}")));
        for kind in crate::backends::KINDS {
            let name = kind.name();
            let list = &paths[&format!("/0.1/backends/{name}/sources")];
            assert!(
                list["get"].is_object() && list["post"].is_object(),
                "{name}"
            );
            let item = &paths[&format!("/0.1/backends/{name}/sources/{{source_uuid}}")];
            for method in ["get", "put", "delete"] {
                let parameters = item[method]["parameters"].as_array().expect("parameters");
                assert!(
                    parameters.iter().all(|p| p["name"] != "backend"),
                    "{name} {method}"
                );
                assert!(
                    item[method]["description"]
                        .as_str()
                        .is_some_and(|d| d.contains(&format!("dird.backends.{name}."))),
                    "{name} {method}: {}",
                    item[method]["description"]
                );
            }
        }
        let mut ids: Vec<&str> = paths
            .iter()
            .filter(|(path, _)| path.starts_with("/0.1/backends/"))
            .map(|(_, operations)| operations)
            .flat_map(|operations| operations.as_object().into_iter().flat_map(|o| o.values()))
            .filter_map(|operation| operation["operationId"].as_str())
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "each copy has an operation id of its own");
    }

    #[test]
    fn every_reference_resolves() {
        let document = document().expect("document");
        let text = document.to_string();
        let schemas = document["components"]["schemas"]
            .as_object()
            .expect("schemas");
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap_or_default();
            assert!(schemas.contains_key(name), "unresolved $ref {name}");
        }
        assert!(yaml().expect("yaml").contains("openapi: 3.1.0"));
    }
}
