//! Checks a display body: `name` (1..512) and at least one column, no column empty.

use super::model::{Display, DisplayColumn};
use crate::validation::{object, Checker};
use serde_json::{json, Map, Value};

pub(crate) fn validate(
    body: &Value,
    uuid: String,
    tenant_uuid: String,
) -> Result<Display, Map<String, Value>> {
    let body = object(body)?;
    let mut check = Checker::new(body);
    let name = check.string("name", 1, 512);
    let columns = match body.get("columns") {
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut columns = Vec::new();
            let mut errors = Map::new();
            for (index, item) in items.iter().enumerate() {
                let column = item
                    .as_object()
                    .filter(|object| !object.is_empty())
                    .and_then(|_| serde_json::from_value::<DisplayColumn>(item.clone()).ok());
                match column {
                    Some(column) => columns.push(column),
                    None => {
                        errors.insert(index.to_string(), json!({"constraint_id": "type", "constraint": "column", "message": "A column is a non-empty object of nullable strings."}));
                    }
                }
            }
            if !errors.is_empty() {
                check.fail("columns", Value::Object(errors));
            }
            columns
        }
        _ => {
            check.fail("columns", json!({"constraint_id": "length", "constraint": {"min": 1}, "message": "Shorter than minimum length 1."}));
            Vec::new()
        }
    };
    check.finish(Display {
        uuid,
        tenant_uuid,
        name,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_required_and_never_empty() {
        let display = validate(
            &json!({"name": "d", "columns": [{"field": "fn", "title": "Nom"}]}),
            "u".into(),
            "t".into(),
        )
        .expect("valid");
        assert_eq!(display.columns[0].title.as_deref(), Some("Nom"));
        assert_eq!(display.columns[0].kind, None);
        for bad in [
            json!({"name": "d"}),
            json!({"name": "d", "columns": []}),
            json!({"name": "d", "columns": [{}]}),
            json!({"columns": [{"field": 1}]}),
        ] {
            assert!(validate(&bad, "u".into(), "t".into()).is_err(), "{bad}");
        }
    }
}
