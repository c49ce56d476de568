//! The `conference` backend: the conference rooms of the source's tenant in wazo-confd, as
//! wazo-dird gives them (`{id, name, extensions: [exten], incalls: [exten]}`, no relations). Text
//! columns and list columns are searched alike; numbers match case-insensitively. Lookups read an
//! in-memory copy kept fresh by wazo-confd's events. `id` is the unique column.

mod backend;

pub(crate) use backend::contact_item;

use super::confd::config::ConfdConfig;
use super::{BackendKind, Deps, FieldErrors, SourceSpec};
use crate::backends::kind::Built;
use std::sync::Arc;

/// The `conference` kind.
#[derive(Debug)]
pub struct Conference;

impl BackendKind for Conference {
    const NAME: &'static str = "conference";
    type Config = ConfdConfig;

    fn check(config: &mut ConfdConfig) -> FieldErrors {
        config.check()
    }

    fn build(spec: Arc<SourceSpec>, config: ConfdConfig, deps: Deps) -> Built {
        Box::pin(backend::build(spec, config, deps))
    }
}
