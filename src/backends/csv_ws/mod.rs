//! The `csv_ws` backend: contacts from a web service that answers CSV (header row first).

mod backend;
mod config;

pub use config::CsvWsConfig;

use super::Kind;

/// The `csv_ws` kind.
pub const KIND: Kind = Kind {
    name: "csv_ws",
    sort_columns: &["lookup_url", "list_url"],
    validate: config::validate,
    build: backend::build,
    virtual_name: false,
    fields: config::FIELDS,
    default_timeout: Some(10.0),
};
