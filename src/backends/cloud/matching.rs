//! How a lookup matches a user's address book: text, lists and maps searched by their values,
//! case- and accent-insensitively; numbers compared whole.

use crate::backends::RawContact;
use serde_json::Value;

/// `value` (text, a list of them, a map of them, or a list of maps) contains `folded` (a term
/// folded with [`crate::text::fold`]), case- and accent-insensitively.
fn contains(value: &Value, folded: &str) -> bool {
    match value {
        Value::String(text) => crate::text::fold(text).contains(folded),
        Value::Array(items) => items.iter().any(|item| contains(item, folded)),
        Value::Object(map) => map.values().any(|item| contains(item, folded)),
        Value::Number(number) => number.to_string().contains(folded),
        Value::Bool(_) | Value::Null => false,
    }
}

/// Appends the text of `value` (text, numbers, list items, map values), folded, one per line.
pub(super) fn fold_into(value: &Value, text: &mut String) {
    match value {
        Value::String(item) => {
            text.push_str(&crate::text::fold(item));
            text.push('\n');
        }
        Value::Number(number) => {
            text.push_str(&number.to_string());
            text.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|item| fold_into(item, text)),
        Value::Object(map) => map.values().for_each(|item| fold_into(item, text)),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Appends the digits of the texts of `value` written as numbers (list items, map values), one
/// per line.
pub(super) fn digits_into(value: &Value, digits: &mut String) {
    match value {
        Value::String(item) => {
            if let Some(number) = crate::numbers::number_digits(item) {
                digits.push_str(&number);
                digits.push('\n');
            }
        }
        Value::Array(items) => items.iter().for_each(|item| digits_into(item, digits)),
        Value::Object(map) => map.values().for_each(|item| digits_into(item, digits)),
        Value::Number(_) | Value::Bool(_) | Value::Null => {}
    }
}

/// Appends the texts of `value` (list items, map values), as they are.
pub(super) fn texts_into(value: &Value, texts: &mut Vec<String>) {
    match value {
        Value::String(item) => texts.push(item.clone()),
        Value::Array(items) => items.iter().for_each(|item| texts_into(item, texts)),
        Value::Object(map) => map.values().for_each(|item| texts_into(item, texts)),
        Value::Number(_) | Value::Bool(_) | Value::Null => {}
    }
}

/// `value` (or one of its items) is `exten`, case-insensitively.
fn equals(value: &Value, exten: &str) -> bool {
    match value {
        Value::String(text) => text.to_lowercase() == exten,
        Value::Array(items) => items.iter().any(|item| equals(item, exten)),
        Value::Object(map) => map.values().any(|item| equals(item, exten)),
        Value::Number(number) => number.to_string() == exten,
        Value::Bool(_) | Value::Null => false,
    }
}

/// The first contact of `book` whose `columns` hold `exten`.
pub fn first_match<'a>(
    book: &'a [RawContact],
    columns: &[String],
    exten: &str,
) -> Option<&'a RawContact> {
    let exten = exten.to_lowercase();
    book.iter().find(|contact| {
        columns
            .iter()
            .filter_map(|column| contact.fields.get(column))
            .any(|value| equals(value, &exten))
    })
}

/// The contacts of `book` whose `id` is one of `ids` (favorites).
pub fn listed(book: &[RawContact], ids: &[String]) -> Vec<RawContact> {
    book.iter()
        .filter(|contact| {
            contact
                .fields
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| ids.iter().any(|wanted| wanted == id))
        })
        .cloned()
        .collect()
}

/// The contacts of `book` with a value containing `term` in any field (the contacts route's
/// `search`).
pub fn anywhere(book: &[RawContact], term: &str) -> Vec<RawContact> {
    let folded = crate::text::fold(term);
    book.iter()
        .filter(|contact| {
            contact
                .fields
                .iter()
                .any(|(key, value)| key != "id" && contains(value, &folded))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contact(fields: Value) -> RawContact {
        RawContact::from_fields(fields.as_object().cloned().unwrap_or_default())
    }

    #[test]
    fn terms_match_text_lists_and_maps_without_case_or_accents() {
        let book = vec![
            contact(
                json!({"id": "1", "name": "Élodie Béranger", "numbers": ["5551234"], "emails": [{"address": "e@x.org", "label": "work"}]}),
            ),
            contact(json!({"id": "2", "name": "Bob", "numbers_by_label": {"mobile": "5559999"}})),
        ];
        let columns = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let spec = crate::backends::SourceSpec::for_tests(
            "google",
            &["name", "numbers", "emails", "numbers_by_label"],
            &["numbers", "numbers_by_label"],
        );
        let indexed = crate::backends::cloud::book::AddressBook::new(book.clone(), &spec);
        let found = |term| indexed.search(term);
        assert_eq!(found("elo").len(), 1);
        assert_eq!(
            found("E@X").len(),
            1,
            "a map inside a list is searched by its values"
        );
        assert_eq!(
            found("9999").len(),
            1,
            "a map is searched by its values, not its labels"
        );
        assert!(found("mobile").is_empty());
        assert_eq!(found("555 12").len(), 1, "a number by its digits");
        assert_eq!(
            first_match(&book, &columns(&["numbers"]), "5551234").map(|c| &c.fields["id"]),
            Some(&json!("1"))
        );
        assert!(
            first_match(&book, &columns(&["numbers"]), "555").is_none(),
            "a reverse lookup matches whole numbers"
        );
        assert_eq!(listed(&book, &["2".into()]).len(), 1);
        // Reverse lookups by tier from the book's number index (list items and map values).
        let rule = crate::numbers::Rule::new(
            &crate::numbers::Settings::default(),
            crate::numbers::country("US"),
        );
        let columns = &spec.first_matched_columns;
        let caller = |number: &str| crate::numbers::Caller::new(rule, number);
        let id = |c: Option<RawContact>| c.map(|c| c.fields["id"].clone());
        assert_eq!(
            id(indexed.tiers(columns, &caller("5551234")).exact),
            Some(json!("1"))
        );
        let tiers = indexed.tiers(columns, &caller("+1 212 555 9999"));
        assert_eq!(
            tiers.suffix.len(),
            1,
            "the last 7 digits of an invalid stored number"
        );
        assert_eq!(tiers.suffix[0].fields["id"], json!("2"));
        assert_eq!(anywhere(&book, "bob").len(), 1);
    }
}
