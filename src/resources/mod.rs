//! The resources the daemon manages (sources, displays, profiles…), each split as the seed asks:
//! `model` (plain data), `service` (business logic), `validator` (input checks), `dao` (SQL) and
//! `notifier` (events). Views and backends reach a resource only through its service.

pub mod catalog;
pub mod declared;
pub mod error;
pub(crate) mod notifier;
pub mod records;

pub use error::ResourceError;
pub mod displays;
pub mod favorites;
pub mod personal;
pub mod phonebooks;
pub mod profiles;
pub mod sources;
pub mod tenants;
