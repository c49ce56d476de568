//! The `office365` backend: a user's Microsoft 365 contacts (Microsoft Graph, the source's
//! `endpoint`, every page through `@odata.nextLink`), each as Graph gives it plus the fields
//! wazo-dird adds: `email`, `numbers` (mobile first) and `numbers_except_label`.

use super::{CloudSettings, Provider};
use crate::backends::kind::Built;
use crate::backends::{BackendKind, Deps, FieldErrors, RawContact, SourceSpec};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// wazo-dird's default endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://graph.microsoft.com/v1.0/me/contacts";
/// Graph's largest page of contacts.
const PAGE_SIZE: &str = "1000";
/// The fields added to Graph's contacts (the contacts route shows Graph's own only).
pub const ADDED_FIELDS: &[&str] = &["email", "numbers", "numbers_except_label", "reverse"];

/// The `office365` kind.
#[derive(Debug)]
pub struct Office365;

/// `auth` as for `google`, and `endpoint` (1 to 255 characters, wazo-dird's default).
#[derive(Debug, Deserialize, Serialize)]
pub struct Office365Config {
    #[serde(default)]
    pub auth: super::EndpointConfig,
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
}

fn default_endpoint() -> String {
    DEFAULT_ENDPOINT.to_owned()
}

impl BackendKind for Office365 {
    const NAME: &'static str = "office365";
    type Config = Office365Config;

    fn check(config: &mut Office365Config) -> FieldErrors {
        let mut errors = super::check_auth(&mut config.auth);
        if !(1..=255).contains(&config.endpoint.chars().count()) {
            errors.insert(
                "endpoint".into(),
                json!([{"constraint_id": "length", "constraint": {"min": 1, "max": 255}, "message": "Length must be between 1 and 255."}]),
            );
        }
        errors
    }

    fn build(spec: Arc<SourceSpec>, _config: Office365Config, deps: Deps) -> Built {
        super::build(spec, deps, &PROVIDER)
    }
}

/// Microsoft Graph: the source's `endpoint`, every page (`@odata.nextLink`); search results sorted
/// by `givenName`, as wazo-dird sorts them.
pub static PROVIDER: Provider = Provider {
    external: "microsoft",
    label: "Microsoft Graph",
    first_page: |spec, settings| {
        let endpoint = spec
            .extra_fields
            .get("endpoint")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_ENDPOINT);
        (
            routed(endpoint, settings),
            vec![("$top", PAGE_SIZE.to_owned())],
        )
    },
    next_page: |page, _, settings| {
        let link = page["@odata.nextLink"].as_str()?;
        Some((routed(link, settings), Vec::new()))
    },
    items: "value",
    convert,
    reverse_from: "givenName",
    sort_by: Some("givenName"),
};

/// `url` with Graph's own address replaced by the configured one (`cloud_contacts.microsoft_url`).
fn routed(url: &str, settings: &CloudSettings) -> String {
    match url.strip_prefix(super::MICROSOFT_URL) {
        Some(rest) if settings.microsoft_url != super::MICROSOFT_URL => {
            format!("{}{rest}", settings.microsoft_url.trim_end_matches('/'))
        }
        _ => url.to_owned(),
    }
}

/// Graph's contact plus `email`, `numbers` and `numbers_except_label`, as wazo-dird adds them.
pub fn convert(item: &Value) -> Map<String, Value> {
    let mut fields = item.as_object().cloned().unwrap_or_default();
    if fields.get("givenName").is_none_or(Value::is_null) {
        fields.insert("givenName".into(), json!(""));
    }
    let list = |key: &str| -> Vec<Value> {
        item[key]
            .as_array()
            .map(|values| {
                values
                    .iter()
                    .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let business = list("businessPhones");
    let home = list("homePhones");
    let mobile: Vec<Value> = item["mobilePhone"]
        .as_str()
        .filter(|m| !m.is_empty())
        .map(|m| vec![json!(m)])
        .unwrap_or_default();
    let email = item["emailAddresses"]
        .as_array()
        .and_then(|addresses| addresses.iter().find_map(|a| a["address"].as_str()))
        .map_or(Value::Null, |a| json!(a));
    let joined = |parts: &[&Vec<Value>]| -> Value {
        json!(parts
            .iter()
            .flat_map(|p| p.iter().cloned())
            .collect::<Vec<_>>())
    };
    fields.insert("email".into(), email);
    fields.insert("numbers".into(), joined(&[&mobile, &business, &home]));
    fields.insert(
        "numbers_except_label".into(),
        json!({
            "businessPhones": joined(&[&home, &mobile]),
            "homePhones": joined(&[&business, &mobile]),
            "mobilePhone": joined(&[&business, &home]),
        }),
    );
    fields
}

/// The contact as Graph gave it (what the contacts route lists).
pub fn as_graph_gave_it(contact: &RawContact) -> Value {
    let mut fields = contact.fields.clone();
    for added in ADDED_FIELDS {
        fields.remove(*added);
    }
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_graph_contact_gets_wazo_dirds_fields() {
        let wario = json!({"id": "an-id", "displayName": "Wario Bros", "givenName": "Wario", "surname": "Bros",
                           "mobilePhone": "", "businessPhones": ["5555555555"], "homePhones": ["111"],
                           "emailAddresses": [{"address": "wbros@example.com"}, {}]});
        let fields = convert(&wario);
        assert_eq!(fields["email"], "wbros@example.com");
        assert_eq!(fields["numbers"], json!(["5555555555", "111"]));
        assert_eq!(
            fields["numbers_except_label"],
            json!({"businessPhones": ["111"], "homePhones": ["5555555555"], "mobilePhone": ["5555555555", "111"]})
        );
        let with_mobile = convert(&json!({"mobilePhone": "06", "businessPhones": ["1"]}));
        assert_eq!(with_mobile["numbers"], json!(["06", "1"]), "mobile first");
        assert_eq!(with_mobile["givenName"], "");
        assert_eq!(with_mobile["email"], Value::Null);
        assert_eq!(as_graph_gave_it(&RawContact::from_fields(fields)), {
            let mut raw = wario.clone();
            raw["givenName"] = json!("Wario");
            raw
        });
    }

    #[test]
    fn graphs_address_is_routed_to_the_configured_one() {
        let mut settings = CloudSettings::default();
        assert_eq!(routed(DEFAULT_ENDPOINT, &settings), DEFAULT_ENDPOINT);
        settings.microsoft_url = "http://127.0.0.1:8080/".into();
        assert_eq!(
            routed(DEFAULT_ENDPOINT, &settings),
            "http://127.0.0.1:8080/v1.0/me/contacts"
        );
        assert_eq!(
            routed("https://other.example/x", &settings),
            "https://other.example/x"
        );
    }
}
