//! The one table of the error ids the daemon answers, each with its HTTP status and the body it is
//! answered in by default (as Meilisearch's error-code table). Errors are built from a [`Code`]
//! only (`ApiError::of`), so an id is spelled, and given its status, once. A route answers in its
//! own style (`access!`'s `Legacy` or `New`): the style here is the one an error has before a route
//! restyles it. wazo-dird's ids are kept as they are, its typo `matser` included.

use super::error::ErrorStyle;
use actix_web::http::StatusCode;

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $status:ident, $id:literal, $style:ident;)*) => {
        /// An error the daemon answers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            /// Every code, in the table's order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// Its HTTP status.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Code::$name => StatusCode::$status,)*
                }
            }

            /// Its `error_id` in a new-style body.
            pub fn id(self) -> &'static str {
                match self {
                    $(Code::$name => $id,)*
                }
            }

            /// The body it is answered in unless its route restyles it.
            pub fn style(self) -> ErrorStyle {
                match self {
                    $(Code::$name => ErrorStyle::$style,)*
                }
            }
        }
    };
}

codes! {
    /// A body, a query or a value fails validation.
    InvalidData = BAD_REQUEST, "invalid-data", New;
    /// A profile names a source that is not a stored source of its tenant.
    UnknownSourceReference = BAD_REQUEST, "unknown-source", New;
    /// A profile names a display that is not a stored display of its tenant.
    UnknownDisplayReference = BAD_REQUEST, "unknown-display", New;
    /// A phonebook import that is not UTF-8.
    ImportBadEncoding = BAD_REQUEST, "phonebook-contact-import-bad-encoding", New;
    ImportDuplicateColumns = BAD_REQUEST, "phonebook-contact-import-duplicate-columns", New;
    ImportInvalidFile = BAD_REQUEST, "phonebook-contact-import-invalid-file", New;
    ImportEmptyFile = BAD_REQUEST, "phonebook-contact-import-empty-file", New;
    /// Some rows of a phonebook import are refused (nothing is imported).
    ImportBadContacts = BAD_REQUEST, "phonebook-contact-import-bad-contacts", New;
    /// No token, an unknown token, or one without the route's ACL.
    Unauthorized = UNAUTHORIZED, "unauthorized", New;
    /// The token has no user, where the route needs one.
    InvalidToken = UNAUTHORIZED, "invalid-token", New;
    /// No such route, or a path parameter no resource can have.
    NotFound = NOT_FOUND, "not-found", New;
    UnknownSource = NOT_FOUND, "unknown-source", New;
    UnknownDisplay = NOT_FOUND, "unknown-display", New;
    UnknownProfile = NOT_FOUND, "unknown-profile", New;
    UnknownPhonebook = NOT_FOUND, "unknown-phonebook", New;
    /// The user has no account with the provider of a google or office365 source.
    NoTokenFound = NOT_FOUND, "no-token-found", New;
    /// A name already used in the tenant.
    Conflict = CONFLICT, "conflict", New;
    /// An item declared in the configuration files, which the API does not change.
    DeclaredInConfiguration = CONFLICT, "declared-in-configuration", New;
    PayloadTooLarge = PAYLOAD_TOO_LARGE, "payload-too-large", New;
    InternalError = INTERNAL_SERVER_ERROR, "internal-error", New;
    /// A query failed; its detail is in the log only.
    DatabaseError = INTERNAL_SERVER_ERROR, "database-error", New;
    /// The personal contacts could not be written as CSV.
    ExportFailed = INTERNAL_SERVER_ERROR, "export-failed", New;
    AuthenticationServerUnreachable = SERVICE_UNAVAILABLE, "authentication-server-unreachable", New;
    /// A master-tenant route before the master tenant is known (wazo-dird's spelling).
    MasterTenantNotInitiated = SERVICE_UNAVAILABLE, "matser-tenant-not-initiated", New;
    /// After a start, until the catalog is read and the sources are warm.
    NotReady = SERVICE_UNAVAILABLE, "not-ready", New;
    DatabaseNotConfigured = SERVICE_UNAVAILABLE, "database-not-configured", New;
    DatabaseUnavailable = SERVICE_UNAVAILABLE, "database-unavailable", New;
    WazoConfdError = SERVICE_UNAVAILABLE, "wazo-confd-error", New;
    /// Microsoft Graph (or wazo-auth) failed for an office365 source.
    UnexpectedEndpointError = SERVICE_UNAVAILABLE, "unexpected-endpoint-error", New;
    PersonalUnavailable = SERVICE_UNAVAILABLE, "personal-unavailable", Legacy;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_has_one_status_except_where_wazo_dird_gives_it_two() {
        let mut seen = std::collections::HashMap::new();
        for code in Code::ALL {
            if let Some(status) = seen.insert(code.id(), code.status()) {
                assert!(
                    ["unknown-source", "unknown-display"].contains(&code.id()),
                    "{} answered with {status} and {}",
                    code.id(),
                    code.status()
                );
            }
        }
    }
}
