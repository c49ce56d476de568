//! A source, as the API shows it.

pub use crate::backends::SourceSpec as Source;
use serde_json::{json, Map, Value};

/// Write-only keys: a GET shows them as `null`, at any depth (`ldap_password`, `auth.password`).
pub const SECRET_KEYS: &[&str] = &["ldap_password", "password"];

/// The API body of a source: wazo-dird's keys (common fields, then the backend's own fields; the
/// backend is in the path, not in the body), each secret shown as `null`.
pub fn to_body(source: &Source) -> Value {
    let mut body = Map::new();
    for (key, value) in &source.extra_fields {
        body.insert(key.clone(), value.clone());
    }
    mask_secrets(&mut body, None);
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

/// Replaces every secret that holds a value, at any depth, with `mask` (`GET /0.1/config` shows
/// the declared sources with `"********"`), or with `null` (a source's body).
pub fn mask_secrets(map: &mut Map<String, Value>, mask: Option<&str>) {
    for (key, value) in map.iter_mut() {
        if SECRET_KEYS.contains(&key.as_str()) {
            if !value.is_null() {
                *value = mask.map_or(Value::Null, |mask| json!(mask));
            }
        } else if let Value::Object(inner) = value {
            mask_secrets(inner, mask);
        }
    }
}

crate::resources::catalog::item!(Source);

/// The stored secrets an update keeps: a GET shows them as `null`, so a client that PUTs back what
/// it read (the Wazo UI's edit forms do) must not erase them. A secret left out or `null` keeps the
/// stored one, a string replaces it, `""` clears it.
pub fn keep_secrets(new: &mut Map<String, Value>, old: &Map<String, Value>) {
    for key in SECRET_KEYS {
        match new.get(*key) {
            None | Some(Value::Null) => {
                if let Some(stored) = old.get(*key) {
                    new.insert((*key).to_owned(), stored.clone());
                }
            }
            Some(Value::String(text)) if text.is_empty() => {
                new.insert((*key).to_owned(), Value::Null);
            }
            Some(_) => {}
        }
    }
    for (key, old_value) in old {
        if let (Some(Value::Object(new_inner)), Value::Object(old_inner)) =
            (new.get_mut(key), old_value)
        {
            keep_secrets(new_inner, old_inner);
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
        let shown = to_body(&source);
        assert_eq!(
            shown["ldap_password"],
            Value::Null,
            "the key stays, its value goes"
        );
        assert_eq!(shown["auth"]["password"], Value::Null);
        let body = shown.to_string();
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

#[cfg(test)]
mod secret_tests {
    use super::keep_secrets;
    use serde_json::{json, Value};

    #[test]
    fn null_or_absent_keeps_a_string_replaces_empty_clears() {
        let old = json!({"ldap_password": "old", "auth": {"password": "p", "username": "u"}});
        let old = old.as_object().expect("object");
        for (sent, expected) in [
            (json!({}), json!("old")),
            (json!({"ldap_password": null}), json!("old")),
            (json!({"ldap_password": "new"}), json!("new")),
            (json!({"ldap_password": ""}), Value::Null),
        ] {
            let mut new = sent.as_object().cloned().expect("object");
            keep_secrets(&mut new, old);
            assert_eq!(new["ldap_password"], expected, "{sent}");
        }
        let mut new = json!({"auth": {"username": "u", "password": null}})
            .as_object()
            .cloned()
            .expect("object");
        keep_secrets(&mut new, old);
        assert_eq!(new["auth"]["password"], "p");
    }
}
