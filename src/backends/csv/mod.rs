//! The `csv` backend: contacts from a CSV file with a header row, re-read when the file changes.

mod backend;
mod config;

pub use backend::CsvBackend;
pub use config::CsvConfig;

use super::Kind;

/// The `csv` kind.
pub const KIND: Kind = Kind {
    name: "csv",
    sort_columns: &["file"],
    validate: config::validate,
    build: backend::build,
    virtual_name: false,
    fields: config::FIELDS,
    default_timeout: None,
};
