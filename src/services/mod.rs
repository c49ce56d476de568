//! The directory services: formatting of source results, and the scatter-gather lookups.

pub mod format;
