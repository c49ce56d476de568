//! The users of a `wazo` source as lookups see them, indexed: wazo-confd's directory view turned
//! into wazo-dird's fields and relations, the searched columns folded for substring search, the
//! first-matched columns by exact value.

use crate::backends::{Fields, RawContact, Relations, SourceSpec};
use crate::numbers::{Caller, LazyIndex, NumberIndex, Tiers};
use crate::text::fold;
use crate::text::python as format;
use crate::text::t9::T9Index;
use crate::text::trigram::TrigramIndex;
use serde_json::Value;
use std::collections::HashMap;

/// The fields a `wazo` contact has (wazo-dird's), besides `full_name`.
const FIELDS: &[&str] = &[
    "id",
    "exten",
    "firstname",
    "lastname",
    "userfield",
    "email",
    "description",
    "mobile_phone_number",
    "voicemail_number",
];

/// A user of wazo-confd's `view=directory` as a contact of this source.
pub fn contact(user: &Value, xivo_id: &str) -> RawContact {
    let mut fields = Fields::new();
    for key in FIELDS {
        fields.insert(
            (*key).to_owned(),
            user.get(*key).cloned().unwrap_or(Value::Null),
        );
    }
    let part = |key: &str| {
        user.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let full_name: Vec<&str> = [part("firstname"), part("lastname")]
        .into_iter()
        .flatten()
        .collect();
    fields.insert("full_name".into(), Value::String(full_name.join(" ")));
    let relation = |key: &str| user.get(key).cloned().filter(|v| !v.is_null());
    RawContact {
        fields,
        relations: Relations {
            xivo_id: Some(Value::String(xivo_id.to_owned())),
            agent_id: relation("agent_id"),
            user_id: relation("id"),
            user_uuid: relation("uuid"),
            endpoint_id: relation("line_id"),
        },
    }
}

fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(value) => format::python_str(value),
    }
}

/// A source's users, ready for its lookups.
#[derive(Debug, Default)]
pub struct Users {
    contacts: Vec<RawContact>,
    /// Per user, the folded values of the searched columns.
    searched: Vec<Vec<String>>,
    /// Per user, the digits of the searched values written as numbers.
    numbers: Vec<Vec<String>>,
    /// The trigrams of `searched` and `numbers`, so a search checks only the users that can match.
    index: TrigramIndex,
    /// The users' names by their keys on a keypad.
    t9: T9Index,
    by_value: HashMap<String, Vec<u32>>,
    by_id: HashMap<String, u32>,
    /// Per user, the values of the first-matched columns (format columns applied).
    matched: Vec<Vec<String>>,
    /// `matched` by E.164 number and last digits, keyed at the first reverse lookup in the rule
    /// of the source's tenant (again when its country changes).
    number_index: LazyIndex,
}

impl Users {
    /// Indexes `contacts` (in wazo-confd's order) for the source `spec`.
    pub fn build(spec: &SourceSpec, contacts: Vec<RawContact>) -> Users {
        let mut users = Users {
            searched: Vec::with_capacity(contacts.len()),
            ..Users::default()
        };
        for (row, contact) in contacts.iter().enumerate() {
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            // wazo-dird matches the fields with the source's format columns applied.
            let mut fields = contact.fields.clone();
            format::apply_columns(&spec.format_columns, &mut fields);
            let searched: Vec<String> = spec
                .searched_columns
                .iter()
                .map(|column| text(fields.get(column)))
                .collect();
            let numbers = searched
                .iter()
                .filter_map(|v| crate::numbers::number_digits(v));
            users.numbers.push(numbers.collect());
            users
                .searched
                .push(searched.iter().map(|v| fold(v)).collect());
            let mut matched = Vec::new();
            for column in &spec.first_matched_columns {
                if let Some(Value::String(value)) = fields.get(column) {
                    let rows = users.by_value.entry(value.clone()).or_default();
                    if rows.last() != Some(&row) {
                        rows.push(row);
                    }
                    matched.push(value.clone());
                }
            }
            users.matched.push(matched);
            users
                .by_id
                .entry(text(contact.fields.get("id")))
                .or_insert(row);
        }
        users.index = TrigramIndex::build(
            users
                .searched
                .iter()
                .zip(&users.numbers)
                .map(|(searched, numbers)| searched.iter().chain(numbers).map(String::as_str)),
        );
        let names = crate::backends::name_columns(spec);
        users.t9 = T9Index::build(
            contacts
                .iter()
                .map(|contact| crate::backends::t9_name(&names, &contact.fields)),
        );
        users.contacts = contacts;
        users
    }

    /// Users with `term` in a searched column (case- and accent-insensitive substring; an empty
    /// term matches everyone), in wazo-confd's order.
    /// A term written as a number of three digits or more also finds the numbers that hold its
    /// digits.
    pub fn search(&self, term: &str) -> Vec<RawContact> {
        let needle = crate::numbers::Needle::new(term, fold);
        self.index
            .candidates_of_any(needle.needles())
            .into_iter()
            .filter(|&row| {
                let (Some(texts), Some(numbers)) = (
                    self.searched.get(row as usize),
                    self.numbers.get(row as usize),
                ) else {
                    return false;
                };
                needle.found_in(
                    texts.iter().map(String::as_str),
                    numbers.iter().map(String::as_str),
                )
            })
            .filter_map(|row| self.contacts.get(row as usize).cloned())
            .collect()
    }

    /// The users whose names may spell `digits` on a keypad (the caller checks them).
    pub fn dial(&self, digits: &str) -> Vec<RawContact> {
        let rows = self.t9.candidates(digits).into_iter();
        rows.filter_map(|row| self.contacts.get(row as usize).cloned())
            .collect()
    }

    /// The first user whose first-matched column equals `exten` exactly.
    pub fn first_match(&self, exten: &str) -> Option<RawContact> {
        let row = *self.by_value.get(exten)?.first()?;
        self.contacts.get(row as usize).cloned()
    }

    /// `caller`'s users by tier: the exact string, then the index of the numbers.
    pub fn tiers(&self, caller: &Caller) -> Tiers<RawContact> {
        let index = self.number_index.get(caller.rule, |rule| {
            let rows = self.matched.iter();
            NumberIndex::build(rule, rows.map(|values| values.iter().map(String::as_str)))
        });
        let mut rows = index.find(caller);
        rows.exact = self
            .by_value
            .get(&caller.raw)
            .and_then(|r| r.first().copied());
        rows.map(|row| self.contacts.get(row as usize).cloned().unwrap_or_default())
    }

    /// For each of `extens`, its first user.
    pub fn match_all(&self, extens: &[String]) -> HashMap<String, RawContact> {
        extens
            .iter()
            .filter_map(|exten| Some((exten.clone(), self.first_match(exten)?)))
            .collect()
    }

    /// The users whose id is one of `ids`.
    pub fn list(&self, ids: &[String]) -> Vec<RawContact> {
        let mut rows: Vec<u32> = ids
            .iter()
            .filter_map(|id| self.by_id.get(id).copied())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows.into_iter()
            .filter_map(|row| self.contacts.get(row as usize).cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn spec() -> SourceSpec {
        SourceSpec {
            format_columns: BTreeMap::from([(
                "reverse".to_owned(),
                "{firstname} {lastname}".to_owned(),
            )]),
            ..SourceSpec::for_tests(
                "wazo",
                &["firstname", "lastname", "full_name", "reverse"],
                &["exten", "mobile_phone_number"],
            )
        }
    }

    fn users() -> Users {
        let confd = [
            json!({"id": 42, "uuid": "u-42", "line_id": 3, "agent_id": "2", "firstname": "Bob", "lastname": "Dylan", "exten": "1000", "mobile_phone_number": null}),
            json!({"id": 43, "uuid": "u-43", "line_id": null, "agent_id": null, "firstname": "Pablo Ruiz", "lastname": "Picasso", "exten": "1001", "mobile_phone_number": "+33600000001"}),
            json!({"id": 44, "uuid": "u-44", "firstname": "Paul", "lastname": "àccent", "exten": null}),
        ];
        Users::build(&spec(), confd.iter().map(|u| contact(u, "xivo")).collect())
    }

    fn ids(found: &[RawContact]) -> Vec<i64> {
        found
            .iter()
            .filter_map(|c| c.fields["id"].as_i64())
            .collect()
    }

    #[test]
    fn search_folds_case_and_accents_over_full_names_and_formatted_columns() {
        let users = users();
        for term in ["dyl", "bob ", "Bob Dyl", " dyl"] {
            assert_eq!(ids(&users.search(term)), [42], "{term}");
        }
        for term in ["pablo ruiz pic", " picasso"] {
            assert_eq!(ids(&users.search(term)), [43], "{term}");
        }
        for term in ["paul àccent", "Paul À", "accént"] {
            assert_eq!(ids(&users.search(term)), [44], "{term}");
        }
        assert!(users.search("frack").is_empty());
        assert_eq!(users.search("").len(), 3, "an empty term matches everyone");
    }

    #[test]
    fn numbers_match_by_tier_from_the_copys_index() {
        use crate::numbers::{country, Settings};
        let users = users();
        let rule = crate::numbers::Rule::new(&Settings::default(), country("FR"));
        let id = |found: Option<RawContact>| found.and_then(|c| c.fields["id"].as_i64());
        let tiers = users.tiers(&Caller::new(rule, "06 00 00 00 01"));
        assert_eq!((tiers.exact.is_none(), id(tiers.same)), (true, Some(43)));
        let tiers = users.tiers(&Caller::new(rule, "1000"));
        assert_eq!(id(tiers.exact), Some(42), "short numbers: the exact string");
        assert!(users.tiers(&Caller::new(rule, "06 00 00 00 02")).is_empty());
    }

    #[test]
    fn dial_pad_searches_find_the_candidates_of_the_index() {
        let users = users();
        assert_eq!(ids(&users.dial("39526")), [42], "dylan");
        assert_eq!(ids(&users.dial("722567")), [43], "pablor, across words");
        assert!(users.dial("466").is_empty());
    }

    #[test]
    fn numbers_match_exactly_and_relations_come_from_confd() {
        let users = users();
        let bob = users.first_match("1000").expect("bob");
        assert_eq!(bob.fields["full_name"], "Bob Dylan");
        assert_eq!(
            bob.relations,
            Relations {
                xivo_id: Some(json!("xivo")),
                agent_id: Some(json!("2")),
                user_id: Some(json!(42)),
                user_uuid: Some(json!("u-42")),
                endpoint_id: Some(json!(3)),
            }
        );
        assert!(users.first_match("100").is_none());
        let found = users.match_all(&["1001".into(), "+33600000001".into(), "9".into()]);
        assert_eq!(found.len(), 2);
        assert_eq!(found["+33600000001"].fields["id"], 43);
        assert_eq!(
            ids(&users.list(&["44".into(), "42".into(), "7".into()])),
            [42, 44]
        );
    }
}
