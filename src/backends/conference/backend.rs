//! Lookups in a `conference` source, from the copy of its rooms when there is one, else from
//! wazo-confd's whole list of rooms (as wazo-dird reads it on every call).

use crate::backends::confd::client::{ConfdClient, ConfdError};
use crate::backends::confd::config::ConfdConfig;
use crate::backends::confd::copy::{Copy, CopyKind, Loader};
use crate::backends::{request_failed, Backend, Context, Deps, Fields, RawContact, SourceSpec};
use crate::backends::{Answer, ByExten};
use crate::text::fold;
use actors::Failure;
use futures_util::future::BoxFuture;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The `exten` of each of `extensions` (`[{exten, context}]`).
fn extens(extensions: Option<&Value>) -> Vec<Value> {
    extensions
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|e| e.get("exten").cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// The extensions of the incalls that reach `room`, each read by `read` (`incalls[].extensions`).
fn incall_extensions(room: &Value, read: impl Fn(Option<&Value>) -> Vec<Value>) -> Vec<Value> {
    room.get("incalls")
        .and_then(Value::as_array)
        .map(|incalls| {
            incalls
                .iter()
                .flat_map(|i| read(i.get("extensions")))
                .collect()
        })
        .unwrap_or_default()
}

/// A room of wazo-confd as a contact: its extensions, and those of the incalls that reach it.
fn contact(room: &Value) -> RawContact {
    let incalls = incall_extensions(room, extens);
    let mut fields = Fields::new();
    fields.insert("id".into(), room.get("id").cloned().unwrap_or(Value::Null));
    fields.insert(
        "name".into(),
        room.get("name").cloned().unwrap_or(Value::Null),
    );
    fields.insert(
        "extensions".into(),
        Value::Array(extens(room.get("extensions"))),
    );
    fields.insert("incalls".into(), Value::Array(incalls));
    RawContact::from_fields(fields)
}

/// The strings of a field: itself, or its items for a list.
fn texts(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(text)) => vec![text.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A source's rooms, in wazo-confd's order.
#[derive(Debug, Default)]
pub struct Rooms {
    contacts: Vec<RawContact>,
    /// The rooms' first-matched numbers by E.164 number and last digits, keyed at the first
    /// reverse lookup.
    number_index: crate::numbers::LazyIndex,
}

impl Rooms {
    fn search(&self, spec: &SourceSpec, term: &str) -> Vec<RawContact> {
        let needle = crate::numbers::Needle::new(term, fold);
        self.contacts
            .iter()
            .filter(|room| {
                spec.searched_columns.iter().any(|column| {
                    texts(room.fields.get(column))
                        .iter()
                        .any(|text| needle.found_in_value(text, fold))
                })
            })
            .cloned()
            .collect()
    }

    /// The rooms whose names spell `digits` on a keypad (a tenant has few rooms: each is checked).
    fn dial(&self, spec: &SourceSpec, digits: &str) -> Vec<RawContact> {
        let columns = crate::backends::name_columns(spec);
        let rooms = self.contacts.iter();
        rooms
            .filter(|room| {
                let name = crate::backends::t9_name(&columns, &room.fields);
                name.matches(digits).is_some()
            })
            .cloned()
            .collect()
    }

    fn matches(spec: &SourceSpec, room: &RawContact, lowered: &str) -> bool {
        spec.first_matched_columns.iter().any(|column| {
            texts(room.fields.get(column))
                .iter()
                .any(|text| text.to_lowercase() == lowered)
        })
    }

    /// `caller`'s rooms by tier: the exact string (as `match_all`: the last room that has it),
    /// then the index of the rooms' numbers.
    fn tiers(
        &self,
        spec: &SourceSpec,
        caller: &crate::backends::Caller,
    ) -> crate::backends::Tiers<RawContact> {
        let index = self.number_index.get(caller.rule, |rule| {
            let rooms = self.contacts.iter().map(|room| {
                let columns = spec.first_matched_columns.iter();
                columns.flat_map(|column| texts(room.fields.get(column)))
            });
            crate::numbers::NumberIndex::build(rule, rooms)
        });
        let mut tiers = index
            .find(caller)
            .map(|row| self.contacts.get(row as usize).cloned().unwrap_or_default());
        tiers.exact = self
            .match_all(spec, std::slice::from_ref(&caller.raw))
            .remove(&caller.raw);
        tiers
    }

    fn first_match(&self, spec: &SourceSpec, exten: &str) -> Option<RawContact> {
        let lowered = exten.to_lowercase();
        self.contacts
            .iter()
            .find(|room| Self::matches(spec, room, &lowered))
            .cloned()
    }

    /// For each exten, the last room that has it (wazo-dird lets later rooms win).
    fn match_all(&self, spec: &SourceSpec, extens: &[String]) -> HashMap<String, RawContact> {
        let mut found = HashMap::new();
        for room in &self.contacts {
            for exten in extens {
                if Self::matches(spec, room, &exten.to_lowercase()) {
                    found.insert(exten.clone(), room.clone());
                }
            }
        }
        found
    }

    fn list(&self, ids: &[String]) -> Vec<RawContact> {
        self.contacts
            .iter()
            .filter(|room| {
                let id = room.fields.get("id").map(crate::text::python::python_str);
                id.is_some_and(|id| ids.contains(&id))
            })
            .cloned()
            .collect()
    }
}

/// The rooms of `GET /conferences?recurse=false` as contacts.
async fn fetch(client: &ConfdClient) -> Result<Rooms, ConfdError> {
    let (items, _) = client
        .list("conferences", &[("recurse", "false".to_owned())])
        .await?;
    Ok(Rooms {
        contacts: items.iter().map(contact).collect(),
        number_index: crate::numbers::LazyIndex::default(),
    })
}

#[derive(Debug)]
struct ConferenceBackend {
    spec: Arc<SourceSpec>,
    client: Arc<ConfdClient>,
    copy: Option<Arc<Copy<Rooms>>>,
}

pub(super) async fn build(
    spec: Arc<SourceSpec>,
    config: ConfdConfig,
    deps: Deps,
) -> Result<Arc<dyn Backend>, String> {
    {
        let client = Arc::new(ConfdClient::for_config(&config, &spec, &deps).await?);
        let source = Arc::clone(&client);
        let loader: Loader<Rooms> = Arc::new(move || {
            let source = Arc::clone(&source);
            Box::pin(async move { fetch(&source).await })
        });
        let copy = deps
            .confd
            .start_copy(CopyKind::Conferences, &spec.tenant_uuid, loader);
        Ok(Arc::new(ConferenceBackend { spec, client, copy }) as Arc<dyn Backend>)
    }
}

impl ConferenceBackend {
    /// The copy, or the rooms read now from wazo-confd while it is cold.
    async fn rooms(&self) -> Result<Arc<Rooms>, Failure> {
        if let Some(rooms) = self.copy.as_ref().and_then(|copy| copy.get()) {
            return Ok(rooms);
        }
        fetch(&self.client)
            .await
            .map(Arc::new)
            .map_err(request_failed)
    }
}

impl Backend for ConferenceBackend {
    fn search(self: Arc<Self>, term: String, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move { Ok(self.rooms().await?.search(&self.spec, &term)) })
    }

    fn first_match(self: Arc<Self>, exten: String, _: Context) -> Answer<Option<RawContact>> {
        Box::pin(async move { Ok(self.rooms().await?.first_match(&self.spec, &exten)) })
    }

    fn match_all(self: Arc<Self>, extens: Vec<String>, _: Context) -> Answer<ByExten> {
        Box::pin(async move { Ok(self.rooms().await?.match_all(&self.spec, &extens)) })
    }

    fn search_t9(self: Arc<Self>, digits: String, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move { Ok(self.rooms().await?.dial(&self.spec, &digits)) })
    }

    fn match_numbers(
        self: Arc<Self>,
        numbers: Arc<[crate::backends::Caller]>,
        _: Context,
    ) -> Answer<crate::backends::NumberHits> {
        Box::pin(async move {
            let rooms = self.rooms().await?;
            let tiers = numbers.iter().map(|caller| rooms.tiers(&self.spec, caller));
            Ok(crate::backends::NumberHits::Tiered(tiers.collect()))
        })
    }

    fn list(self: Arc<Self>, ids: Vec<String>, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move { Ok(self.rooms().await?.list(&ids)) })
    }

    fn unique_column(&self) -> Option<&str> {
        Some("id")
    }

    fn warm_up(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Copy::warm_up(self.copy.clone())
    }
}

/// A room of wazo-confd as the contacts route shows it: `{id, name, extensions, incalls}`, each
/// extension `{context, exten}`, the incalls' extensions flattened.
pub(crate) fn contact_item(room: &Value) -> Value {
    let pair = |e: &Value| json!({"context": e.get("context"), "exten": e.get("exten")});
    let list = |v: Option<&Value>| -> Vec<Value> {
        v.and_then(Value::as_array)
            .map(|l| l.iter().map(pair).collect())
            .unwrap_or_default()
    };
    let incalls = incall_extensions(room, list);
    json!({"id": room.get("id"), "name": room.get("name"), "extensions": list(room.get("extensions")), "incalls": incalls})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SourceSpec {
        SourceSpec {
            name: "confs".into(),
            ..SourceSpec::for_tests(
                "conference",
                &["name", "extensions", "incalls"],
                &["extensions", "incalls"],
            )
        }
    }

    fn rooms() -> Rooms {
        let ext = |e: &str, c: &str| json!({"id": 1, "exten": e, "context": c});
        let confd = [
            json!({"id": 4, "name": "daily scrum", "extensions": [ext("4002", "inside")], "incalls": []}),
            json!({"id": 3, "name": "minimal", "extensions": [], "incalls": [{"id": 9, "extensions": [ext("4001", "from-extern")]}]}),
            json!({"id": 1, "name": "test", "extensions": [ext("4001", "inside")], "incalls": [{"id": 13, "extensions": [ext("1009", "from-extern")]}]}),
            json!({"id": 6, "name": "accént", "extensions": [ext("4006", "inside")], "incalls": []}),
        ];
        Rooms {
            contacts: confd.iter().map(contact).collect(),
            number_index: crate::numbers::LazyIndex::default(),
        }
    }

    fn names(found: &[RawContact]) -> Vec<&str> {
        found
            .iter()
            .filter_map(|c| c.fields["name"].as_str())
            .collect()
    }

    #[test]
    fn rooms_are_found_by_name_extension_and_incall() {
        let (rooms, spec) = (rooms(), spec());
        assert_eq!(names(&rooms.search(&spec, "accent")), ["accént"]);
        assert_eq!(names(&rooms.search(&spec, "DAILY")), ["daily scrum"]);
        assert_eq!(names(&rooms.search(&spec, "1009")), ["test"]);
        let daily = rooms.first_match(&spec, "4002").expect("daily");
        assert_eq!(
            daily.fields,
            json!({"id": 4, "name": "daily scrum", "extensions": ["4002"], "incalls": []})
                .as_object()
                .cloned()
                .unwrap_or_default()
        );
        assert_eq!(
            rooms
                .first_match(&spec, "1009")
                .map(|r| r.fields["id"].clone()),
            Some(json!(1))
        );
        let found = rooms.match_all(&spec, &["4002".into(), "1009".into(), "0".into()]);
        assert_eq!(found.len(), 2);
        // By tier: the exact string (the last room, as match_all), nothing by form for extensions.
        let rule = crate::numbers::Rule::new(&crate::numbers::Settings::default(), None);
        let tiers = rooms.tiers(&spec, &crate::backends::Caller::new(rule, "4001"));
        assert_eq!(tiers.exact.map(|r| r.fields["id"].clone()), Some(json!(1)));
        assert!(rooms
            .tiers(&spec, &crate::backends::Caller::new(rule, "40 01"))
            .is_empty());
        assert_eq!(
            names(&rooms.dial(&spec, "3245")),
            ["daily scrum"],
            "t9 daily"
        );
        assert_eq!(
            names(&rooms.list(&["1".into(), "4".into()])),
            ["daily scrum", "test"]
        );
    }

    #[test]
    fn the_contacts_route_flattens_incalls() {
        let room = json!({"id": 1, "name": "test", "extensions": [{"id": 7, "exten": "4001", "context": "inside"}],
                          "incalls": [{"id": 13, "extensions": [{"id": 8, "exten": "1009", "context": "from-extern"}]}]});
        assert_eq!(
            contact_item(&room),
            json!({"id": 1, "name": "test", "extensions": [{"context": "inside", "exten": "4001"}],
                   "incalls": [{"context": "from-extern", "exten": "1009"}]})
        );
    }
}
