//! Checks on raw input shared by every layer (a leaf: it depends on nothing of the crate).

use serde_json::Value;

/// What a NUL character gets: PostgreSQL's text cannot hold one, so it is refused before it
/// reaches the database.
pub const NUL_MESSAGE: &str = "NUL characters (\\u0000) are not accepted";

/// The reason a field holding a NUL character is refused, in wazo-dird's plain-text error style.
pub fn nul_reason(field: &str) -> String {
    format!("{field}: {NUL_MESSAGE}")
}

/// The validation detail of a field holding a NUL character, in wazo-dird's `details` style.
pub fn nul_constraint() -> Value {
    serde_json::json!({"constraint_id": "nul", "constraint": "no NUL character", "message": NUL_MESSAGE})
}

/// The path (`name`, `columns.0.title`…) of the first key or string of `value` that holds a NUL
/// character, if any.
pub fn nul_in(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(String::new),
        Value::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            nul_in(item).map(|inner| join_path(&index.to_string(), &inner))
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(key.replace('\0', "\\u0000"));
            }
            nul_in(item).map(|inner| join_path(key, &inner))
        }),
        _ => None,
    }
}

fn join_path(head: &str, tail: &str) -> String {
    if tail.is_empty() {
        head.to_owned()
    } else {
        format!("{head}.{tail}")
    }
}

/// A CSV reader over `text` whose rows may be longer or shorter than its header (the importers
/// check that themselves, as wazo-dird's `DictReader` lets them), and its header row, a UTF-8 byte
/// order mark dropped from the first name.
pub fn csv_with_header(text: &str) -> (csv::Reader<&[u8]>, Result<Vec<String>, csv::Error>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map(|names| {
        names
            .iter()
            .map(|name| name.trim_start_matches('\u{feff}').to_owned())
            .collect()
    });
    (reader, header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_path_of_the_first_nul_is_named() {
        assert_eq!(nul_in(&json!({"name": "a\u{0}b"})).as_deref(), Some("name"));
        assert_eq!(
            nul_in(&json!({"columns": [{"title": "ok"}, {"title": "x\u{0}"}]})).as_deref(),
            Some("columns.1.title")
        );
        assert_eq!(nul_in(&json!({"a\u{0}": "v"})).as_deref(), Some("a\\u0000"));
        assert_eq!(nul_in(&json!({"n": 1, "list": ["a", "b"]})), None);
    }
}
