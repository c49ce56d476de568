//! The `google` backend: a user's Google contacts (People API, `people/me/connections`, every
//! page), with the fields wazo-dird builds from them: `id`, `name`, `firstname`, `lastname`,
//! `numbers`, `numbers_by_label`, `numbers_except_label`, `emails`, `organizations`, `addresses`,
//! `note`. Its sources have an `auth` field only (wazo-auth, where the user's token is).

use super::{CloudSettings, Provider};
use crate::backends::kind::Built;
use crate::backends::{BackendKind, Deps, FieldErrors, SourceSpec};
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
#[derive(Debug)]
pub struct Google;

impl BackendKind for Google {
    const NAME: &'static str = "google";
    type Config = super::CloudAuth;

    /// `auth`, with wazo-dird's defaults (`localhost:443`, https, `/api/auth`, `0.1`).
    fn check(config: &mut super::CloudAuth) -> FieldErrors {
        config.check()
    }

    fn build(spec: Arc<SourceSpec>, _config: super::CloudAuth, deps: Deps) -> Built {
        super::build(spec, deps, &PROVIDER)
    }
}

/// Google's People API: `people/me/connections`, every page (`nextPageToken`), Google's order.
pub static PROVIDER: Provider = Provider {
    external: "google",
    label: "Google",
    first_page: |_, settings| (connections_url(settings), query(None)),
    next_page: |page, url, _| {
        let token = page["nextPageToken"].as_str().filter(|t| !t.is_empty())?;
        Some((url.to_owned(), query(Some(token))))
    },
    items: "connections",
    convert,
    reverse_from: "name",
    sort_by: None,
};

fn connections_url(settings: &CloudSettings) -> String {
    format!(
        "{}/v1/people/me/connections",
        settings.google_url.trim_end_matches('/')
    )
}

fn query(page_token: Option<&str>) -> Vec<(&'static str, String)> {
    let mut query = vec![
        ("personFields", PERSON_FIELDS.to_owned()),
        ("pageSize", PAGE_SIZE.to_owned()),
    ];
    if let Some(token) = page_token {
        query.push(("pageToken", token.to_owned()));
    }
    query
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
    let first = entries(person, "names").first();
    let id = match first {
        None => Value::Null,
        Some(name) => json!(text(&name["metadata"]["source"]["id"])),
    };
    let name = first
        .and_then(|n| {
            n["displayName"]
                .as_str()
                .or_else(|| n["unstructuredName"].as_str())
        })
        .unwrap_or_default();
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
    let part = |key: &str| json!(first.map(|n| text(&n[key])).unwrap_or_default());
    fields.insert("firstname".into(), part("givenName"));
    fields.insert("lastname".into(), part("familyName"));
    fields.extend(numbers(person));
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

/// A person's numbers as wazo-dird gives them: `numbers_by_label` (the last number of each label),
/// `numbers` (the mobile ones last) and `numbers_except_label` (for each known label, the others).
fn numbers(person: &Value) -> Map<String, Value> {
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
    let labelled = |keep: &dyn Fn(&str) -> bool| -> Vec<&String> {
        by_label
            .iter()
            .filter(|(l, _)| keep(l))
            .map(|(_, n)| n)
            .collect()
    };
    let mut numbers = labelled(&|l| l != "mobile");
    numbers.extend(labelled(&|l| l == "mobile"));
    let except: Map<String, Value> = LABELS
        .iter()
        .map(|excluded| ((*excluded).to_owned(), json!(labelled(&|l| l != *excluded))))
        .collect();
    let by_label: Map<String, Value> = by_label
        .iter()
        .map(|(l, n)| (l.clone(), json!(n)))
        .collect();
    let mut fields = Map::new();
    fields.insert("numbers_by_label".into(), Value::Object(by_label));
    fields.insert("numbers".into(), json!(numbers));
    fields.insert("numbers_except_label".into(), Value::Object(except));
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
