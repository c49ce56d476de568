//! The `personal` backend: each user's personal contacts, from dird's own database. It answers for
//! the user of the request (the token's user, or the `{user_uuid}` of the route); `id` is the
//! unique column.

use super::stored::{StoredContacts, Whose};
use super::{Deps, Kind, SourceSpec};
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The `personal` kind: no fields of its own.
pub const KIND: Kind = Kind {
    name: "personal",
    sort_columns: &[],
    validate,
    build,
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

fn build(
    spec: Arc<SourceSpec>,
    deps: Deps,
) -> BoxFuture<'static, Result<Arc<dyn super::Backend>, String>> {
    Box::pin(async move {
        Ok(StoredContacts::backend(
            spec,
            Whose::CallingUser,
            deps.storage,
        ))
    })
}
