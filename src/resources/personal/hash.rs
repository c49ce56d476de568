//! The contact hash wazo-dird stores in `dird_contact.hash`: the SHA-1 of the contact's fields
//! without `id`, serialised as Python's `json.dumps(fields, sort_keys=True)` writes them (`", "` and
//! `": "` separators, non-ASCII escaped as `\uXXXX`). Identical contacts have identical hashes,
//! which is how duplicates are refused, also across a database wazo-dird wrote.

use serde_json::Value;
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;

/// The hash of a contact's fields (`id` ignored).
pub fn contact_hash(fields: &BTreeMap<String, Value>) -> String {
    let mut text = String::from("{");
    let mut first = true;
    for (key, value) in fields.iter().filter(|(key, _)| key.as_str() != "id") {
        if !first {
            text.push_str(", ");
        }
        first = false;
        python_json(&Value::String(key.clone()), &mut text);
        text.push_str(": ");
        python_json(value, &mut text);
    }
    text.push('}');
    let digest = Sha1::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn python_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(text) => {
            out.push('"');
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
                    c => {
                        let mut units = [0u16; 2];
                        for unit in c.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
            }
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let sorted: BTreeMap<&String, &Value> = map.iter().collect();
            out.push('{');
            for (index, (key, item)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                python_json(&Value::String(key.clone()), out);
                out.push_str(": ");
                python_json(item, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> BTreeMap<String, Value> {
        value
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    #[test]
    fn hashes_python_json_dumps_with_sorted_keys() {
        // hashlib.sha1(json.dumps({'lastname': 'Martin', 'firstname': 'Alice'}, sort_keys=True).encode()).hexdigest()
        // = sha1 of '{"firstname": "Alice", "lastname": "Martin"}'
        let expected = format!(
            "{:x}",
            Sha1::digest(br#"{"firstname": "Alice", "lastname": "Martin"}"#)
        );
        assert_eq!(
            contact_hash(&fields(
                json!({"lastname": "Martin", "firstname": "Alice", "id": "x"})
            )),
            expected
        );
        let accents = format!(
            "{:x}",
            Sha1::digest(br#"{"firstname": "\u00c9lodie", "x": "\ud83d\ude00\n"}"#)
        );
        assert_eq!(
            contact_hash(&fields(json!({"firstname": "Élodie", "x": "😀\n"}))),
            accents
        );
        assert_eq!(
            contact_hash(&BTreeMap::new()),
            format!("{:x}", Sha1::digest(b"{}"))
        );
    }
}
