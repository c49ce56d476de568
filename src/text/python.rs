//! wazo-dird's `format_columns` templates: the subset of Python's `str.format` that sources use,
//! with wazo-dird's forgiving rules.
//!
//! `"{firstname} {lastname}"`, `"{extensions[0]}"`, `"{numbers_except_label[mobile][0]}"`: named
//! fields with `[key]` / `[index]` access (digits index a list). A missing or null top-level field
//! renders as `''`; the output is stripped; an empty output or any error (an index out of range, a
//! positional field, a bad template) gives `None`. Values render as Python's `str()` would.

use serde_json::{Map, Value};
use std::borrow::Cow;

/// Adds a source's `format_columns` to `fields`, in order: each may use the previous ones, as in
/// wazo-dird; one that renders empty or fails is `null`.
pub fn apply_columns(
    format_columns: &std::collections::BTreeMap<String, String>,
    fields: &mut Map<String, Value>,
) {
    for (column, template) in format_columns {
        let value = render(template, fields).map_or(Value::Null, Value::String);
        fields.insert(column.clone(), value);
    }
}

/// Renders `template` against `fields`. `None` when the result is empty or the template fails.
pub fn render(template: &str, fields: &Map<String, Value>) -> Option<String> {
    let rendered = render_strict(template, fields)?;
    let trimmed = rendered.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn render_strict(template: &str, fields: &Map<String, Value>) -> Option<String> {
    let mut output = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                output.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                output.push('}');
            }
            '}' => return None,
            '{' => {
                let mut field = String::new();
                let mut depth = 0usize;
                loop {
                    match chars.next()? {
                        '[' => {
                            depth += 1;
                            field.push('[');
                        }
                        ']' => {
                            depth = depth.checked_sub(1)?;
                            field.push(']');
                        }
                        '}' if depth == 0 => break,
                        '{' => return None,
                        other => field.push(other),
                    }
                }
                replacement(&field, fields, &mut output)?;
            }
            other => output.push(other),
        }
    }
    Some(output)
}

/// One `{...}` replacement field (`name[key][0]!conversion:spec`), appended to `output`.
fn replacement(field: &str, fields: &Map<String, Value>, output: &mut String) -> Option<()> {
    let (field, spec) = split_outside_brackets(field, ':');
    let (field, conversion) = split_outside_brackets(field, '!');
    let (name, mut rest) = match field.find(['[', '.']) {
        Some(index) => field.split_at(index),
        None => (field, ""),
    };
    if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) {
        // Positional fields: wazo-dird passes no positional arguments.
        return None;
    }
    const EMPTY: Value = Value::String(String::new());
    let mut value = match fields.get(name) {
        None | Some(Value::Null) => Cow::Borrowed(&EMPTY),
        Some(value) => Cow::Borrowed(value),
    };
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let key = &after[..end];
            value = index(value, key)?;
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['[', '.']).unwrap_or(after.len());
            value = member(value, &after[..end])?;
            rest = &after[end..];
        } else {
            return None;
        }
    }
    let spec = spec.filter(|s| !s.is_empty());
    match (conversion, &*value, spec) {
        // The common case, `{name}` on a string: no copy but the one into the output.
        (None | Some("s"), Value::String(text), None) => output.push_str(text),
        _ => {
            let text = match conversion {
                None | Some("s") => python_str(&value),
                Some("r" | "a") => python_repr(&value),
                Some(_) => return None,
            };
            output.push_str(&apply_spec(&text, spec)?);
        }
    }
    Some(())
}

/// `value.key` of an object, borrowed when `value` is.
fn member<'a>(value: Cow<'a, Value>, key: &str) -> Option<Cow<'a, Value>> {
    match value {
        Cow::Borrowed(value) => value.as_object()?.get(key).map(Cow::Borrowed),
        Cow::Owned(value) => value.as_object()?.get(key).cloned().map(Cow::Owned),
    }
}

fn split_outside_brackets(text: &str, separator: char) -> (&str, Option<&str>) {
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if c == separator && depth == 0 => return (&text[..index], Some(&text[index + 1..])),
            _ => {}
        }
    }
    (text, None)
}

/// Python's `value[key]` as `str.format` does it: digits index lists, anything else is a dict key.
fn index<'a>(value: Cow<'a, Value>, key: &str) -> Option<Cow<'a, Value>> {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_digit()) {
        let position: usize = key.parse().ok()?;
        return match value {
            Cow::Borrowed(Value::Array(items)) => items.get(position).map(Cow::Borrowed),
            Cow::Owned(Value::Array(items)) => items.get(position).cloned().map(Cow::Owned),
            Cow::Borrowed(Value::Object(_)) | Cow::Owned(Value::Object(_)) => member(value, key),
            other => match &*other {
                Value::String(text) => text
                    .chars()
                    .nth(position)
                    .map(|c| Cow::Owned(Value::String(c.to_string()))),
                _ => None,
            },
        };
    }
    member(value, key)
}

/// A format spec: only fill, alignment and width are supported (what templates use, if anything).
fn apply_spec(text: &str, spec: Option<&str>) -> Option<String> {
    let Some(spec) = spec else {
        return Some(text.to_owned());
    };
    let mut chars: Vec<char> = spec.chars().collect();
    let (fill, align) = match chars.as_slice() {
        [fill, align, ..] if matches!(align, '<' | '>' | '^') => {
            let result = (*fill, *align);
            chars.drain(..2);
            result
        }
        [align, ..] if matches!(align, '<' | '>' | '^') => {
            let result = (' ', *align);
            chars.remove(0);
            result
        }
        _ => (' ', '<'),
    };
    let digits: String = chars.iter().collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let width: usize = digits.parse().ok()?;
    let length = text.chars().count();
    if length >= width {
        return Some(text.to_owned());
    }
    let padding = width - length;
    let pad = |n: usize| fill.to_string().repeat(n);
    Some(match align {
        '>' => format!("{}{text}", pad(padding)),
        '^' => format!("{}{text}{}", pad(padding / 2), pad(padding - padding / 2)),
        _ => format!("{text}{}", pad(padding)),
    })
}

/// Python's `str()` of a JSON value.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => python_repr(other),
    }
}

/// Python's `repr()` of a JSON value.
fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(number) => match (number.as_i64(), number.as_f64()) {
            (Some(integer), _) => integer.to_string(),
            (None, Some(float)) if float.fract() == 0.0 && float.abs() < 1e16 => {
                format!("{float:.1}")
            }
            _ => number.to_string(),
        },
        Value::String(text) => {
            let quote = if text.contains('\'') && !text.contains('"') {
                '"'
            } else {
                '\''
            };
            let escaped = text.replace('\\', "\\\\");
            let escaped = if quote == '\'' {
                escaped.replace('\'', "\\'")
            } else {
                escaped
            };
            format!("{quote}{escaped}{quote}")
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!(
                    "{}: {}",
                    python_repr(&Value::String(k.clone())),
                    python_repr(v)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn named_fields_and_stripping() {
        let f = fields(json!({"firstname": "Alice", "lastname": "Martin", "empty": ""}));
        assert_eq!(
            render("{firstname} {lastname}", &f).as_deref(),
            Some("Alice Martin")
        );
        assert_eq!(
            render("{firstname} {missing}", &f).as_deref(),
            Some("Alice"),
            "a missing field is '' and the result is stripped"
        );
        assert_eq!(
            render("{missing} {empty}", &f),
            None,
            "empty after stripping is None"
        );
        assert_eq!(
            render("{{literal}} {firstname}", &f).as_deref(),
            Some("{literal} Alice")
        );
    }

    #[test]
    fn indexing_lists_and_dicts() {
        let f = fields(json!({
            "extensions": ["1001", "1002"],
            "numbers_except_label": {"mobile": ["+33600"], "work": []},
            "none": null,
        }));
        assert_eq!(render("{extensions[0]}", &f).as_deref(), Some("1001"));
        assert_eq!(render("{extensions[1]}", &f).as_deref(), Some("1002"));
        assert_eq!(
            render("{numbers_except_label[mobile][0]}", &f).as_deref(),
            Some("+33600")
        );
        assert_eq!(
            render("{extensions[5]}", &f),
            None,
            "an index out of range is an error: None"
        );
        assert_eq!(render("{numbers_except_label[work][0]}", &f), None);
        assert_eq!(
            render("{numbers_except_label[home][0]}", &f),
            None,
            "a missing key is an error"
        );
        assert_eq!(
            render("{none[0]}", &f),
            None,
            "null renders '' and ''[0] fails"
        );
        assert_eq!(render("{missing[0]}", &f), None);
    }

    #[test]
    fn values_render_like_python_str() {
        let f = fields(
            json!({"n": 42, "x": 1.5, "whole": 2.0, "yes": true, "list": ["a", 1], "nested": {"k": null}}),
        );
        assert_eq!(render("{n}", &f).as_deref(), Some("42"));
        assert_eq!(render("{x}", &f).as_deref(), Some("1.5"));
        assert_eq!(render("{whole}", &f).as_deref(), Some("2.0"));
        assert_eq!(render("{yes}", &f).as_deref(), Some("True"));
        assert_eq!(render("{list}", &f).as_deref(), Some("['a', 1]"));
        assert_eq!(
            render("{nested[k]}", &f).as_deref(),
            Some("None"),
            "only top-level nulls become ''"
        );
        assert_eq!(render("{n!r}", &f).as_deref(), Some("42"));
        assert_eq!(
            render("{n:>5}|", &f).as_deref(),
            Some("42|"),
            "stripped after padding"
        );
        assert_eq!(render("[{n:*^6}]", &f).as_deref(), Some("[**42**]"));
    }

    #[test]
    fn bad_templates_give_none() {
        let f = fields(json!({"a": "x"}));
        for template in ["{", "}", "{a", "{0}", "{}", "{a!z}", "{a:d}", "{a[0}"] {
            assert_eq!(render(template, &f), None, "{template}");
        }
    }
}
