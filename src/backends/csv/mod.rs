//! The `csv` backend: contacts from a CSV file with a header row, re-read when the file changes.

mod backend;
mod config;

pub use backend::CsvBackend;
pub use config::CsvConfig;

use super::{BackendKind, Deps, FieldErrors, SourceSpec};
use crate::backends::kind::Built;
use std::sync::Arc;

/// The `csv` kind.
#[derive(Debug)]
pub struct Csv;

impl BackendKind for Csv {
    const NAME: &'static str = "csv";
    const SORT_COLUMNS: &'static [&'static str] = &["file"];
    type Config = CsvConfig;

    fn check(config: &mut CsvConfig) -> FieldErrors {
        config::check(config)
    }

    fn build(spec: Arc<SourceSpec>, config: CsvConfig, deps: Deps) -> Built {
        Box::pin(backend::build(spec, config, deps.countries))
    }
}
