//! The `office365` backend: a user's Microsoft 365 contacts (Microsoft Graph, the source's
//! `endpoint`, every page through `@odata.nextLink`), each as Graph gives it plus the fields
//! wazo-dird adds: `email`, `numbers` (mobile first) and `numbers_except_label`.

use super::book::{Fetched, Fetcher};
use super::external::{access_token, External};
use super::{auth_endpoint, CloudBackend, CloudSettings};
use crate::backends::http::{client, Verify};
use crate::backends::{Backend, Deps, FieldErrors, Kind, RawContact, SourceSpec};
use futures_util::future::BoxFuture;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// wazo-dird's default endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://graph.microsoft.com/v1.0/me/contacts";
/// Graph's largest page of contacts.
const PAGE_SIZE: &str = "1000";
/// The fields added to Graph's contacts (the contacts route shows Graph's own only).
pub const ADDED_FIELDS: &[&str] = &["email", "numbers", "numbers_except_label", "reverse"];

/// The `office365` kind.
pub const KIND: Kind = Kind {
    name: "office365",
    sort_columns: &[],
    validate,
    build,
    virtual_name: false,
    fields: &["auth", "endpoint"],
    default_timeout: None,
};

/// `auth` as for `google`, and `endpoint` (1 to 255 characters, wazo-dird's default).
fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, FieldErrors> {
    let auth = super::validate_auth(fields);
    let endpoint = match fields.get("endpoint") {
        None => Ok(json!(DEFAULT_ENDPOINT)),
        Some(Value::String(text)) if (1..=255).contains(&text.chars().count()) => Ok(json!(text)),
        Some(Value::String(_)) => Err(
            json!([{"constraint_id": "length", "constraint": {"min": 1, "max": 255}, "message": "Length must be between 1 and 255."}]),
        ),
        Some(_) => Err(
            json!([{"constraint_id": "type", "constraint": "string", "message": "Not a valid string."}]),
        ),
    };
    match (auth, endpoint) {
        (Ok(mut out), Ok(endpoint)) => {
            out.insert("endpoint".into(), endpoint);
            Ok(out)
        }
        (auth, endpoint) => {
            let mut errors = auth.err().unwrap_or_default();
            if let Err(detail) = endpoint {
                errors.insert("endpoint".into(), detail);
            }
            Err(errors)
        }
    }
}

fn build(
    spec: Arc<SourceSpec>,
    deps: Deps,
) -> BoxFuture<'static, Result<Arc<dyn Backend>, String>> {
    Box::pin(async move {
        let fetcher = fetcher(&deps).await?;
        let books = deps.cloud.books(&spec, &deps.confd, fetcher);
        let backend: Arc<dyn Backend> = Arc::new(CloudBackend {
            spec,
            books,
            sort_by: Some("givenName"),
        });
        Ok(backend)
    })
}

/// `url` with Graph's own address replaced by the configured one (`cloud_contacts.microsoft_url`).
fn routed(url: &str, settings: &CloudSettings) -> String {
    match url.strip_prefix(super::MICROSOFT_URL) {
        Some(rest) if settings.microsoft_url != super::MICROSOFT_URL => {
            format!("{}{rest}", settings.microsoft_url.trim_end_matches('/'))
        }
        _ => url.to_owned(),
    }
}

/// How an `office365` source fetches a user's book.
pub async fn fetcher(deps: &Deps) -> Result<Fetcher, String> {
    let settings = deps.cloud.settings.clone();
    let graph = client(settings.timeout, &Verify::Enabled(true)).await?;
    let fetcher: Fetcher = Arc::new(
        move |spec: Arc<SourceSpec>, wazo_token: String, user: String| {
            let (graph, settings) = (graph.clone(), settings.clone());
            Box::pin(async move {
                let auth = auth_endpoint(&spec);
                let to_auth = client(settings.timeout.min(auth.timeout()), &auth.verify).await?;
                let token =
                    match access_token(&to_auth, &auth, "microsoft", &user, &wazo_token).await? {
                        External::AccessToken(token) => token,
                        External::NoAccount => return Ok(Fetched::NoAccount),
                    };
                let endpoint = spec
                    .extra_fields
                    .get("endpoint")
                    .and_then(Value::as_str)
                    .unwrap_or(DEFAULT_ENDPOINT);
                let mut next = Some(routed(endpoint, &settings));
                let mut first = true;
                let mut contacts = Vec::new();
                while let Some(url) = next.take() {
                    let mut request = graph
                        .get(&url)
                        .bearer_auth(&token)
                        .header("Accept", "application/json");
                    if first {
                        request = request.query(&[("$top", PAGE_SIZE)]);
                        first = false;
                    }
                    let response = request
                        .send()
                        .await
                        .map_err(|e| format!("Microsoft Graph {url}: {e}"))?;
                    let status = response.status();
                    if status == reqwest::StatusCode::UNAUTHORIZED
                        || status == reqwest::StatusCode::FORBIDDEN
                    {
                        tracing::info!(source = %spec.name, %user, %status, "Microsoft Graph refused the user's token");
                        return Ok(Fetched::NoAccount);
                    }
                    if !status.is_success() {
                        return Err(format!("Microsoft Graph {url} answered {status}"));
                    }
                    let page: Value = response
                        .json()
                        .await
                        .map_err(|e| format!("Microsoft Graph {url}: {e}"))?;
                    let items = page["value"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    contacts.extend(items.iter().map(|item| contact(item, &spec)));
                    next = page["@odata.nextLink"]
                        .as_str()
                        .map(|link| routed(link, &settings));
                }
                Ok(Fetched::Book(contacts))
            }) as BoxFuture<'static, Result<Fetched, String>>
        },
    );
    Ok(fetcher)
}

/// A Graph contact with wazo-dird's added fields, and `reverse` when the source's
/// `format_columns` have none (wazo-dird shows the `givenName` then).
fn contact(item: &Value, spec: &SourceSpec) -> RawContact {
    let mut fields = convert(item);
    if !spec.format_columns.contains_key("reverse") {
        let given = fields.get("givenName").cloned().unwrap_or(Value::Null);
        fields.insert("reverse".into(), given);
    }
    RawContact::from_fields(fields)
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
