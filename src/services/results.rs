//! Formatting of source results as wazo-dird answers them: `column_headers`, `column_types`,
//! `results[].column_values` by the profile's display, `relations`, `source`, `backend`; and the
//! reverse lookup answer.

use super::source_actor::SourceResult;
use crate::resources::displays::model::Display;
use serde_json::{json, Value};

/// `column_headers` and `column_types` of a display (empty without one).
pub fn headers(display: Option<&Display>) -> Value {
    let columns = display.map(|d| d.columns.as_slice()).unwrap_or_default();
    json!({
        "column_headers": columns.iter().map(|c| c.title.clone()).collect::<Vec<_>>(),
        "column_types": columns.iter().map(|c| c.kind.clone()).collect::<Vec<_>>(),
    })
}

/// Formats results with the display: `column_values` follow the columns (`field`, else `default`),
/// a `favorite` column is true for the user's favorites, a `personal` column for personal contacts.
pub fn format_results(
    display: Option<&Display>,
    results: Vec<SourceResult>,
    is_favorite: impl Fn(&SourceResult) -> bool,
) -> Value {
    let columns = display.map(|d| d.columns.as_slice()).unwrap_or_default();
    let formatted: Vec<Value> = results
        .into_iter()
        .map(|mut result| {
            let favorite = is_favorite(&result);
            for column in columns {
                let Some(field) = &column.field else { continue };
                match column.kind.as_deref() {
                    Some("favorite") => {
                        result.fields.insert(field.clone(), json!(favorite));
                    }
                    Some("personal") => {
                        result
                            .fields
                            .insert(field.clone(), json!(result.is_personal));
                    }
                    _ => {}
                }
            }
            let values: Vec<Value> = columns
                .iter()
                .map(|column| {
                    column
                        .field
                        .as_ref()
                        .and_then(|field| result.fields.get(field).cloned())
                        .unwrap_or_else(|| {
                            column.default.clone().map_or(Value::Null, Value::String)
                        })
                })
                .collect();
            json!({
                "column_values": values,
                "relations": result.relations,
                "source": result.source,
                "backend": result.backend,
            })
        })
        .collect();
    let mut body = headers(display);
    body["results"] = Value::Array(formatted);
    body
}

/// The reverse lookup answer: always a body, `null`s when nothing matched.
pub fn reverse_body(exten: &str, found: Option<SourceResult>) -> Value {
    match found {
        Some(result) => json!({
            "display": result.fields.get("reverse").cloned().unwrap_or(Value::Null),
            "exten": exten,
            "fields": result.fields,
            "source": result.source,
        }),
        None => json!({"display": null, "exten": exten, "fields": {}, "source": null}),
    }
}
