//! The `google` backend: a user's Google contacts (People API, `people/me/connections`, every
//! page), with the fields wazo-dird builds from them: `id`, `name`, `firstname`, `lastname`,
//! `numbers`, `numbers_by_label`, `numbers_except_label`, `emails`, `organizations`, `addresses`,
//! `note`. Its sources have an `auth` field only (wazo-auth, where the user's token is).

use super::book::{Fetched, Fetcher};
use super::external::{access_token, External};
use super::{auth_endpoint, CloudBackend};
use crate::backends::http::{client, Verify};
use crate::backends::{Backend, Deps, FieldErrors, Kind, RawContact, SourceSpec};
use futures_util::future::BoxFuture;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The fields of a person the backend reads.
const PERSON_FIELDS: &str = "names,emailAddresses,phoneNumbers,addresses,organizations,biographies";
/// Google's largest page.
const PAGE_SIZE: &str = "1000";
/// The labels `numbers_except_label` has a list for (wazo-dird's).
const LABELS: &[&str] = &[
    "home",
    "work",
    "mobile",
    "other",
    "main",
    "home_fax",
    "work_fax",
    "google_voice",
    "pager",
];

/// The `google` kind.
pub const KIND: Kind = Kind {
    name: "google",
    sort_columns: &[],
    validate,
    build,
    virtual_name: false,
    fields: &["auth"],
    default_timeout: None,
};

/// `auth`, with wazo-dird's defaults (`localhost:443`, https, `/api/auth`, `0.1`).
fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, FieldErrors> {
    super::validate_auth(fields)
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
            sort_by: None,
        });
        Ok(backend)
    })
}

/// How a `google` source fetches a user's book.
pub async fn fetcher(deps: &Deps) -> Result<Fetcher, String> {
    let settings = deps.cloud.settings.clone();
    let google = client(settings.timeout, &Verify::Enabled(true)).await?;
    let fetcher: Fetcher = Arc::new(
        move |spec: Arc<SourceSpec>, wazo_token: String, user: String| {
            let (google, settings) = (google.clone(), settings.clone());
            Box::pin(async move {
                let auth = auth_endpoint(&spec);
                let to_auth = client(settings.timeout.min(auth.timeout()), &auth.verify).await?;
                let token =
                    match access_token(&to_auth, &auth, "google", &user, &wazo_token).await? {
                        External::AccessToken(token) => token,
                        External::NoAccount => return Ok(Fetched::NoAccount),
                    };
                let url = format!(
                    "{}/v1/people/me/connections",
                    settings.google_url.trim_end_matches('/')
                );
                let mut contacts = Vec::new();
                let mut page_token: Option<String> = None;
                loop {
                    let mut query = vec![("personFields", PERSON_FIELDS), ("pageSize", PAGE_SIZE)];
                    if let Some(page) = &page_token {
                        query.push(("pageToken", page.as_str()));
                    }
                    let response = google
                        .get(&url)
                        .query(&query)
                        .bearer_auth(&token)
                        .header("Accept", "application/json")
                        .send()
                        .await
                        .map_err(|e| format!("Google {url}: {e}"))?;
                    let status = response.status();
                    if status == reqwest::StatusCode::UNAUTHORIZED
                        || status == reqwest::StatusCode::FORBIDDEN
                    {
                        tracing::info!(source = %spec.name, %user, %status, "Google refused the user's token");
                        return Ok(Fetched::NoAccount);
                    }
                    if !status.is_success() {
                        return Err(format!("Google {url} answered {status}"));
                    }
                    let page: Value = response
                        .json()
                        .await
                        .map_err(|e| format!("Google {url}: {e}"))?;
                    let people = page["connections"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    contacts.extend(people.iter().map(|person| contact(person, &spec)));
                    page_token = page["nextPageToken"]
                        .as_str()
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned);
                    if page_token.is_none() {
                        break;
                    }
                }
                Ok(Fetched::Book(contacts))
            }) as BoxFuture<'static, Result<Fetched, String>>
        },
    );
    Ok(fetcher)
}

/// A person of the People API as a contact, with a `reverse` field when the source's
/// `format_columns` have none (wazo-dird shows the `name` then).
fn contact(person: &Value, spec: &SourceSpec) -> RawContact {
    let mut fields = convert(person);
    if !spec.format_columns.contains_key("reverse") {
        let name = fields.get("name").cloned().unwrap_or(Value::Null);
        fields.insert("reverse".into(), name);
    }
    RawContact::from_fields(fields)
}

/// The label of an entry: its `type`, `other` without one; `None` for an empty one.
fn label(entry: &Value) -> Option<String> {
    match entry.get("type") {
        None => Some("other".to_owned()),
        Some(Value::String(text)) if text.is_empty() => None,
        Some(value) => Some(value.as_str().unwrap_or("other").to_owned()),
    }
}

/// A number as wazo-dird keeps it: without spaces, dashes and parentheses.
fn number(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect()
}

fn entries<'a>(person: &'a Value, key: &str) -> &'a [Value] {
    person[key]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The fields wazo-dird builds from a person.
pub fn convert(person: &Value) -> Map<String, Value> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let names = entries(person, "names");
    let first = names.first();
    let id = match first {
        None => Value::Null,
        Some(name) => json!(text(&name["metadata"]["source"]["id"])),
    };
    let name = first
        .map(|n| {
            n["displayName"]
                .as_str()
                .or_else(|| n["unstructuredName"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default();
    let mut by_label: Vec<(String, String)> = Vec::new();
    for entry in entries(person, "phoneNumbers") {
        let value = number(entry["value"].as_str().unwrap_or_default());
        let Some(label) = label(entry).filter(|_| !value.is_empty()) else {
            continue;
        };
        match by_label.iter_mut().find(|(l, _)| *l == label) {
            Some(existing) => existing.1 = value,
            None => by_label.push((label, value)),
        }
    }
    let mut numbers: Vec<&String> = by_label
        .iter()
        .filter(|(l, _)| l != "mobile")
        .map(|(_, n)| n)
        .collect();
    numbers.extend(
        by_label
            .iter()
            .filter(|(l, _)| l == "mobile")
            .map(|(_, n)| n),
    );
    let except: Map<String, Value> = LABELS
        .iter()
        .map(|excluded| {
            let others: Vec<&String> = by_label
                .iter()
                .filter(|(l, _)| l != excluded)
                .map(|(_, n)| n)
                .collect();
            ((*excluded).to_owned(), json!(others))
        })
        .collect();
    let labelled = |key: &str, value_key: &str, out_key: &str| -> Vec<Value> {
        entries(person, key)
            .iter()
            .filter(|entry| entry.get(value_key).is_some_and(|v| !v.is_null()))
            .map(|entry| json!({out_key: text(&entry[value_key]), "label": label(entry).unwrap_or_default()}))
            .collect()
    };
    let organizations: Vec<Value> = entries(person, "organizations")
        .iter()
        .map(|org| json!({"name": text(&org["name"]), "title": text(&org["title"])}))
        .collect();
    let note = match entries(person, "biographies").first() {
        None => json!(""),
        Some(biography) => biography.get("value").cloned().unwrap_or(Value::Null),
    };
    let mut fields = Map::new();
    fields.insert("id".into(), id);
    fields.insert("name".into(), json!(name));
    fields.insert(
        "firstname".into(),
        json!(first.map(|n| text(&n["givenName"])).unwrap_or_default()),
    );
    fields.insert(
        "lastname".into(),
        json!(first.map(|n| text(&n["familyName"])).unwrap_or_default()),
    );
    fields.insert(
        "numbers_by_label".into(),
        Value::Object(
            by_label
                .iter()
                .map(|(l, n)| (l.clone(), json!(n)))
                .collect(),
        ),
    );
    fields.insert("numbers".into(), json!(numbers));
    fields.insert("numbers_except_label".into(), Value::Object(except));
    fields.insert(
        "emails".into(),
        json!(labelled("emailAddresses", "value", "address")),
    );
    fields.insert("organizations".into(), json!(organizations));
    fields.insert(
        "addresses".into(),
        json!(labelled("addresses", "formattedValue", "address")),
    );
    fields.insert("note".into(), note);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_converts_as_wazo_dird_converts_it() {
        let person = json!({
            "names": [{"metadata": {"source": {"id": "38ad74eb0f67d221"}}, "displayName": "Mario Bros", "givenName": "Mario", "familyName": "Bros"}],
            "phoneNumbers": [{"value": "555-555-1234", "type": "work"}, {"value": "(555) 555-8888", "type": "mobile"}, {"value": "555 555 4321", "type": "home"}, {"value": "1"}],
            "emailAddresses": [{"value": "mario@bros.example.com", "type": "work"}, {"value": "m@x.org"}],
            "organizations": [{"name": "Mushroom Kingdom", "title": "Plumber"}],
            "addresses": [{"formattedValue": "1 Pipe St", "type": "home"}],
            "biographies": [{"value": "Notes test"}],
        });
        let fields = convert(&person);
        assert_eq!(fields["id"], "38ad74eb0f67d221");
        assert_eq!(fields["name"], "Mario Bros");
        assert_eq!(fields["firstname"], "Mario");
        assert_eq!(fields["lastname"], "Bros");
        assert_eq!(
            fields["numbers_by_label"],
            json!({"work": "5555551234", "mobile": "5555558888", "home": "5555554321", "other": "1"})
        );
        assert_eq!(
            fields["numbers"],
            json!(["5555551234", "5555554321", "1", "5555558888"]),
            "mobile last"
        );
        assert_eq!(
            fields["numbers_except_label"]["mobile"],
            json!(["5555551234", "5555554321", "1"])
        );
        assert_eq!(
            fields["numbers_except_label"]["pager"]
                .as_array()
                .map(Vec::len),
            Some(4)
        );
        assert_eq!(
            fields["emails"],
            json!([{"address": "mario@bros.example.com", "label": "work"}, {"address": "m@x.org", "label": "other"}])
        );
        assert_eq!(
            fields["organizations"],
            json!([{"name": "Mushroom Kingdom", "title": "Plumber"}])
        );
        assert_eq!(
            fields["addresses"],
            json!([{"address": "1 Pipe St", "label": "home"}])
        );
        assert_eq!(fields["note"], "Notes test");
        let bare = convert(&json!({}));
        assert_eq!(bare["id"], Value::Null);
        assert_eq!(bare["note"], "");
        assert_eq!(bare["numbers"], json!([]));
    }
}
