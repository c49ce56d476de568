//! wazo-dird's list query parameters: `search`, `order`, `direction`, `limit`, `offset`, `recurse`,
//! plus exact-match filters on an endpoint's searchable columns. Unknown parameters are ignored; a bad
//! value is a `400 invalid-data` naming every bad parameter.

use super::error::ApiError;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// Parsed list parameters.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub search: Option<String>,
    pub order: String,
    pub direction: Direction,
    pub limit: Option<u64>,
    pub offset: u64,
    pub recurse: bool,
    /// `column → value` exact filters, for the columns the endpoint allows.
    pub filters: HashMap<String, String>,
}

/// What an endpoint accepts.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec<'a> {
    /// The columns `order` may name; the first is the default.
    pub sort_columns: &'a [&'a str],
    /// Columns usable as exact-match filters.
    pub filter_columns: &'a [&'a str],
}

impl ListParams {
    /// Parses a raw query string against `spec`.
    pub fn parse(query: &str, spec: ListSpec<'_>) -> Result<Self, ApiError> {
        let pairs: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let mut errors = Map::new();
        let order = match pairs.get("order") {
            None => spec
                .sort_columns
                .first()
                .copied()
                .unwrap_or("name")
                .to_owned(),
            Some(order) if spec.sort_columns.contains(&order.as_str()) => order.clone(),
            Some(_) => {
                errors.insert("order".into(), one_of(spec.sort_columns));
                String::new()
            }
        };
        let direction = match pairs.get("direction").map(String::as_str) {
            None | Some("asc") => Direction::Asc,
            Some("desc") => Direction::Desc,
            Some(_) => {
                errors.insert("direction".into(), one_of(&["asc", "desc"]));
                Direction::Asc
            }
        };
        let limit = match pairs.get("limit") {
            None => None,
            Some(raw) => match raw.parse::<u64>() {
                Ok(limit) => Some(limit),
                Err(_) => {
                    errors.insert("limit".into(), minimum_zero());
                    None
                }
            },
        };
        let offset = match pairs.get("offset") {
            None => 0,
            Some(raw) => raw.parse::<u64>().unwrap_or_else(|_| {
                errors.insert("offset".into(), minimum_zero());
                0
            }),
        };
        let recurse = match pairs.get("recurse").map(|r| r.to_lowercase()) {
            None => false,
            Some(value) => match value.as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => {
                    errors.insert("recurse".into(), json!({"constraint_id": "type", "constraint": "boolean", "message": "Not a valid boolean."}));
                    false
                }
            },
        };
        if !errors.is_empty() {
            return Err(ApiError::invalid_data(Value::Object(errors)));
        }
        let filters = spec
            .filter_columns
            .iter()
            .filter_map(|column| {
                pairs
                    .get(*column)
                    .map(|value| ((*column).to_owned(), value.clone()))
            })
            .collect();
        Ok(ListParams {
            search: pairs.get("search").cloned(),
            order,
            direction,
            limit,
            offset,
            recurse,
            filters,
        })
    }

    /// Applies `offset` and `limit` to an already filtered and sorted list.
    pub fn paginate<T>(&self, items: Vec<T>) -> Vec<T> {
        let offset = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let limit = self
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        items.into_iter().skip(offset).take(limit).collect()
    }
}

fn one_of(choices: &[&str]) -> Value {
    json!({
        "constraint_id": "enum",
        "constraint": {"choices": choices},
        "message": format!("Must be one of: {}.", choices.join(", ")),
    })
}

fn minimum_zero() -> Value {
    json!({
        "constraint_id": "range",
        "constraint": {"min": 0},
        "message": "Must be an integer greater than or equal to 0.",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: ListSpec<'static> = ListSpec {
        sort_columns: &["name", "backend"],
        filter_columns: &["uuid", "name"],
    };

    #[test]
    fn defaults_and_filters() {
        let params = ListParams::parse("name=x&unknown=1", SPEC).expect("valid");
        assert_eq!(params.order, "name");
        assert_eq!(params.direction, Direction::Asc);
        assert_eq!(params.limit, None);
        assert_eq!(params.offset, 0);
        assert!(!params.recurse);
        assert_eq!(params.filters.get("name").map(String::as_str), Some("x"));
        assert_eq!(params.filters.len(), 1);
    }

    #[test]
    fn every_bad_value_is_reported() {
        let error = ListParams::parse(
            "order=color&direction=up&limit=-1&offset=a&recurse=maybe",
            SPEC,
        )
        .expect_err("invalid");
        assert_eq!(error.status.as_u16(), 400);
        assert_eq!(error.error_id, "invalid-data");
        for key in ["order", "direction", "limit", "offset", "recurse"] {
            assert!(
                error.details.get(key).is_some(),
                "{key} missing from {}",
                error.details
            );
        }
    }

    #[test]
    fn paginates() {
        let params =
            ListParams::parse("limit=2&offset=1&direction=desc&recurse=true", SPEC).expect("valid");
        assert_eq!(params.paginate(vec![1, 2, 3, 4]), vec![2, 3]);
        assert_eq!(params.direction, Direction::Desc);
        assert!(params.recurse);
    }
}
