//! The directory services: formatting of source results, and the scatter-gather lookups.

pub mod backend_contacts;
pub mod directory;
pub mod directory_actor;
pub mod engine;
pub mod graphql;
pub mod reactions;
pub mod readiness;
pub mod results;
pub mod source_actor;
