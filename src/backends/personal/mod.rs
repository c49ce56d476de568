//! The `personal` backend: each user's personal contacts, from dird's own database. It answers for
//! the user of the request (the token's user, or the `{user_uuid}` of the route); `id` is the
//! unique column.

use super::stored::{StoredContacts, Whose};
use super::{BackendKind, Deps, SourceSpec};
use crate::backends::kind::Built;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The `personal` kind: no fields of its own.
#[derive(Debug)]
pub struct Personal;

/// A personal source has no fields besides the common ones.
#[derive(Debug, Deserialize, Serialize)]
pub struct NoFields {}

impl BackendKind for Personal {
    const NAME: &'static str = "personal";
    type Config = NoFields;

    fn build(spec: Arc<SourceSpec>, _config: NoFields, deps: Deps) -> Built {
        let backend = StoredContacts::backend(spec, Whose::CallingUser, deps.storage);
        Box::pin(async move { Ok(backend) })
    }
}
