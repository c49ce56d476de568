//! The `personal` backend: each user's personal contacts, from dird's own database. It answers for
//! the user of the request (the token's user, or the `{user_uuid}` of the route); `id` is the
//! unique column.

mod backend;

use super::Kind;
use serde_json::{Map, Value};

/// The `personal` kind: no fields of its own.
pub const KIND: Kind = Kind {
    name: "personal",
    sort_columns: &[],
    validate,
    build: backend::build,
    virtual_name: false,
    fields: &[],
    default_timeout: None,
};

fn validate(fields: &Map<String, Value>) -> Result<Map<String, Value>, Map<String, Value>> {
    #[derive(serde::Deserialize, serde::Serialize)]
    #[serde(deny_unknown_fields)]
    struct NoFields {}
    super::parse_fields::<NoFields>(fields, &[])
}
