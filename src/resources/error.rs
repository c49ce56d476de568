//! The errors of the resource services, mapped to HTTP in `http::error`.

use crate::storage::StorageError;
use crate::validation::FieldErrors;

/// Why a resource operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// The body is invalid: field → detail.
    #[error("invalid data")]
    Invalid(FieldErrors),
    /// No such item in the caller's tenants.
    #[error("no such {resource}: {uuid}")]
    NotFound {
        resource: &'static str,
        uuid: String,
    },
    /// Another item of the tenant has this name.
    #[error("duplicate name in {resource}: {name}")]
    Duplicate {
        resource: &'static str,
        name: String,
    },
    /// The item is declared in the configuration files.
    #[error("{resource} {uuid} is declared in the configuration")]
    Declared {
        resource: &'static str,
        uuid: String,
    },
    /// A profile names a display or source that is not in its tenant.
    #[error("unknown {kind}: {uuid}")]
    UnknownReference { kind: &'static str, uuid: String },
    /// No backend of that name is installed and enabled: its routes do not exist.
    #[error("no backend {0}")]
    NoSuchBackend(String),
    /// A phonebook source names a phonebook that is not in its tenant.
    #[error("no such phonebook {uuid} in tenant {tenant_uuid}")]
    UnknownPhonebook { uuid: String, tenant_uuid: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<tokio_postgres::Error> for ResourceError {
    fn from(error: tokio_postgres::Error) -> Self {
        ResourceError::Storage(StorageError::Query(error))
    }
}

/// Whether a database error is the violation of the unique constraint `constraint`.
pub fn violates(error: &tokio_postgres::Error, constraint: &str) -> bool {
    error
        .as_db_error()
        .and_then(|db| db.constraint())
        .is_some_and(|c| c == constraint)
}
