//! The `csv_ws` backend: contacts from a web service that answers CSV (header row first).

mod backend;
mod config;

pub use config::CsvWsConfig;

use super::{BackendKind, Deps, FieldErrors, SourceSpec};
use crate::backends::kind::Built;
use std::sync::Arc;

/// The `csv_ws` kind.
#[derive(Debug)]
pub struct CsvWs;

impl BackendKind for CsvWs {
    const NAME: &'static str = "csv_ws";
    const SORT_COLUMNS: &'static [&'static str] = &["lookup_url", "list_url"];
    const DEFAULT_TIMEOUT: Option<f64> = Some(10.0);
    type Config = CsvWsConfig;

    fn check(config: &mut CsvWsConfig) -> FieldErrors {
        config::check(config)
    }

    fn build(spec: Arc<SourceSpec>, config: CsvWsConfig, _deps: Deps) -> Built {
        Box::pin(backend::build(spec, config))
    }
}
