//! The `wazo` backend: the users of the source's tenant (and its sub-tenants) in wazo-confd, as
//! wazo-dird gives them (`id, exten, firstname, lastname, userfield, email, description,
//! mobile_phone_number, voicemail_number` and `full_name`; relations to the user, its main line,
//! its agent and the stack). Lookups read an in-memory copy kept fresh by wazo-confd's events
//! (see `confd::copy`). `id` is the unique column.

mod backend;
mod users;

pub(crate) use backend::contact_item;

use super::confd::config::ConfdConfig;
use super::{BackendKind, Deps, FieldErrors, SourceSpec};
use crate::backends::kind::Built;
use std::sync::Arc;

/// The `wazo` kind.
#[derive(Debug)]
pub struct Wazo;

impl BackendKind for Wazo {
    const NAME: &'static str = "wazo";
    type Config = ConfdConfig;

    fn check(config: &mut ConfdConfig) -> FieldErrors {
        config.check()
    }

    fn build(spec: Arc<SourceSpec>, config: ConfdConfig, deps: Deps) -> Built {
        Box::pin(backend::build(spec, config, deps))
    }
}
