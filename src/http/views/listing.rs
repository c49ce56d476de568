//! The common shape of list routes: filter by `search` (case-insensitive substring of some fields)
//! and exact filters, sort by `order`/`direction`, page by `offset`/`limit`, answer
//! `{total, filtered, items}`.

use crate::http::codes::Code;
use crate::http::error::ApiError;
use crate::http::list_params::{Direction, ListParams};
use crate::input;
use serde_json::{json, Value};

/// Filters, sorts and pages `items` (JSON objects); `search_fields` are the fields `search` looks in.
pub fn respond(items: Vec<Value>, params: &ListParams, search_fields: &[&str]) -> Value {
    let total = items.len();
    let needle = params.search.as_deref().map(str::to_lowercase);
    let mut matching: Vec<Value> = items
        .into_iter()
        .filter(|item| {
            needle.as_ref().is_none_or(|needle| {
                search_fields.iter().any(|field| {
                    item[*field]
                        .as_str()
                        .is_some_and(|v| v.to_lowercase().contains(needle))
                })
            })
        })
        .filter(|item| {
            params
                .filters
                .iter()
                .all(|(field, value)| item[field].as_str() == Some(value.as_str()))
        })
        .collect();
    let key = |item: &Value| match &item[&params.order] {
        Value::String(text) => text.to_lowercase(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    matching.sort_by_cached_key(key);
    if params.direction == Direction::Desc {
        matching.reverse();
    }
    let filtered = matching.len();
    json!({"total": total, "filtered": filtered, "items": params.paginate(matching)})
}

/// Why a JSON body is refused.
enum BodyError {
    NotJson,
    /// A key or string holds a NUL character, at this path.
    Nul(String),
}

fn parse_body(bytes: &[u8]) -> Result<Value, BodyError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Null) | Err(_) => Err(BodyError::NotJson),
        Ok(value) => match input::nul_in(&value) {
            Some(path) => Err(BodyError::Nul(path)),
            None => Ok(value),
        },
    }
}

/// A JSON body, whatever the Content-Type; missing or invalid, or holding a NUL character, is
/// `400 invalid-data`.
pub fn json_body(bytes: &[u8]) -> Result<Value, ApiError> {
    parse_body(bytes).map_err(|error| match error {
        BodyError::NotJson => ApiError::invalid_data(
            json!({"_schema": {"constraint_id": "type", "constraint": "object", "message": "The body must be a JSON object"}}),
        ),
        BodyError::Nul(path) => {
            let field = if path.is_empty() { "_schema".to_owned() } else { path };
            ApiError::invalid_data(json!({ field: input::nul_constraint() }))
        }
    })
}

/// The same for the legacy routes (personal contacts, phonebooks): `400 {reason: [...]}`.
pub fn legacy_json_body(bytes: &[u8]) -> Result<Value, ApiError> {
    parse_body(bytes).map_err(|error| {
        let reason = match error {
            BodyError::NotJson => "The body must be a JSON object".to_owned(),
            BodyError::Nul(path) => input::nul_reason(&path),
        };
        ApiError::legacy_handmade(Code::InvalidData, reason)
    })
}

/// A text body decoded with the charset its Content-Type names (UTF-8 when it names none);
/// `Err` carries the charset when it is unknown or the bytes are not valid in it.
pub fn text_body(request: &actix_web::HttpRequest, body: &[u8]) -> Result<String, String> {
    let content_type = request
        .headers()
        .get("Content-Type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let charset = content_type
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("charset="))
        .next()
        .unwrap_or("utf-8")
        .trim_matches('"');
    encoding_rs::Encoding::for_label(charset.as_bytes())
        .map(|encoding| encoding.decode(body))
        .filter(|(_, _, malformed)| !malformed)
        .map(|(text, _, _)| text.into_owned())
        .ok_or_else(|| charset.to_owned())
}
