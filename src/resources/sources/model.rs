//! A source, as the API shows it.

pub use crate::backends::SourceSpec as Source;
use serde_json::{json, Map, Value};

/// Keys never shown by a GET: secrets stay write-only.
pub const SECRET_KEYS: &[&str] = &["ldap_password", "password"];

/// The API body of a source: wazo-dird's keys (common fields, then the backend's own fields; the
/// backend is in the path, not in the body), secrets removed (at any depth, e.g. `auth.password`).
pub fn to_body(source: &Source) -> Value {
    let mut body = Map::new();
    for (key, value) in &source.extra_fields {
        body.insert(key.clone(), value.clone());
    }
    strip_secrets(&mut body);
    body.insert("uuid".into(), json!(source.uuid));
    body.insert("tenant_uuid".into(), json!(source.tenant_uuid));
    body.insert("name".into(), json!(source.name));
    body.insert("searched_columns".into(), json!(source.searched_columns));
    body.insert(
        "first_matched_columns".into(),
        json!(source.first_matched_columns),
    );
    body.insert("format_columns".into(), json!(source.format_columns));
    if let Some(timeout) = source.timeout {
        body.insert("timeout".into(), json!(timeout));
    }
    Value::Object(body)
}

/// Replaces every secret of a source body, at any depth, with `mask` (`GET /0.1/config` shows the
/// declared sources this way).
pub fn mask_secrets(map: &mut Map<String, Value>, mask: &str) {
    for (key, value) in map.iter_mut() {
        if SECRET_KEYS.contains(&key.as_str()) {
            if !value.is_null() {
                *value = json!(mask);
            }
        } else if let Value::Object(inner) = value {
            mask_secrets(inner, mask);
        }
    }
}

fn strip_secrets(map: &mut Map<String, Value>) {
    map.retain(|key, _| !SECRET_KEYS.contains(&key.as_str()));
    for value in map.values_mut() {
        if let Value::Object(inner) = value {
            strip_secrets(inner);
        }
    }
}

impl crate::resources::catalog::Item for Source {
    fn uuid(&self) -> &str {
        &self.uuid
    }
    fn tenant_uuid(&self) -> &str {
        &self.tenant_uuid
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// Keeps the stored secrets that an update does not repeat (GET never shows them, so a client that
/// PUTs back what it read must not erase them).
pub fn keep_secrets(new: &mut Map<String, Value>, old: &Map<String, Value>) {
    for (key, old_value) in old {
        match (new.get_mut(key), old_value) {
            (None, _) if SECRET_KEYS.contains(&key.as_str()) => {
                new.insert(key.clone(), old_value.clone());
            }
            (Some(Value::Object(new_inner)), Value::Object(old_inner)) => {
                keep_secrets(new_inner, old_inner)
            }
            _ => {}
        }
    }
}

/// The short form used by `GET /sources` and `/directories/{profile}/sources`.
pub fn to_summary(source: &Source) -> Value {
    json!({"uuid": source.uuid, "tenant_uuid": source.tenant_uuid, "name": source.name, "backend": source.backend})
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn secrets_are_never_in_the_body() {
        let extra = json!({"ldap_uri": "ldap://x", "ldap_password": "s3cret", "auth": {"username": "u", "password": "p"}});
        let source = Source {
            uuid: "u".into(),
            tenant_uuid: "t".into(),
            name: "n".into(),
            backend: "ldap".into(),
            searched_columns: vec![],
            first_matched_columns: vec![],
            format_columns: BTreeMap::new(),
            extra_fields: extra.as_object().cloned().unwrap_or_default(),
            timeout: None,
        };
        let body = to_body(&source).to_string();
        assert!(
            !body.contains("s3cret") && !body.contains("\"p\""),
            "{body}"
        );
        assert!(
            body.contains("ldap://x") && body.contains("\"u\""),
            "{body}"
        );
    }
}
