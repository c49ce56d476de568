//! The one error type of the HTTP layer, mapped to wazo-dird's two error bodies in one place.
//!
//! *New* resources answer `{message, error_id, details, timestamp, resource?}`; *legacy* resources
//! (directories, personal, backends, deprecated phonebooks) answer `{reason: [message], timestamp,
//! status_code}`. Which body a route uses is decided by its [`ErrorStyle`], set once per route.

use super::codes::Code;
use crate::resources::favorites::service::FavoriteError;
use crate::resources::personal::service::PersonalError;
use crate::resources::phonebooks::service::{ImportError, PhonebookError};
use crate::resources::ResourceError;
use crate::services::backend_contacts::{BookError, ContactsError};
use crate::services::readiness::NotReady;
use crate::storage::StorageError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Value};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Which of wazo-dird's two error bodies a route answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStyle {
    /// `{reason: [message], timestamp, status_code}`.
    Legacy,
    /// `{message, error_id, details, timestamp, resource?}`.
    New,
}

/// An error answered to an HTTP client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub error_id: &'static str,
    pub message: String,
    pub details: Box<Value>,
    pub resource: Option<&'static str>,
    pub style: ErrorStyle,
    /// A body that follows neither format, answered as is (upstream quirks such as a missing `term`).
    pub raw_body: Option<Box<Value>>,
}

impl ApiError {
    /// The error `code` (its status, id and default body: the table of `super::codes`).
    pub fn of(code: Code, message: impl Into<String>) -> Self {
        ApiError {
            status: code.status(),
            error_id: code.id(),
            message: message.into(),
            details: Box::new(json!({})),
            resource: None,
            style: code.style(),
            raw_body: None,
        }
    }

    /// Adds details.
    #[must_use]
    pub fn details(mut self, details: Value) -> Self {
        self.details = Box::new(details);
        self
    }

    /// Names the resource the error is about.
    #[must_use]
    pub fn resource(mut self, resource: &'static str) -> Self {
        self.resource = Some(resource);
        self
    }

    /// Renders this error in the given style.
    #[must_use]
    pub fn styled(mut self, style: ErrorStyle) -> Self {
        self.style = style;
        self
    }

    /// `400 invalid-data`, wazo-dird's answer to a body or query that fails validation.
    pub fn invalid_data(details: Value) -> Self {
        ApiError::of(Code::InvalidData, "Sent data is invalid").details(details)
    }

    /// A legacy error whose body wazo-dird builds by hand (`timestamp` is a one-element list),
    /// with `code`'s status.
    pub fn legacy_handmade(code: Code, reason: String) -> Self {
        let status = code.status().as_u16();
        let body = json!({"reason": [reason], "timestamp": [now()], "status_code": status});
        ApiError {
            raw_body: Some(Box::new(body)),
            ..ApiError::of(code, reason).styled(ErrorStyle::Legacy)
        }
    }

    /// A body that follows neither format (wazo-dird quirks), answered as is with `code`'s status.
    pub fn raw(code: Code, body: Value) -> Self {
        ApiError {
            raw_body: Some(Box::new(body)),
            ..ApiError::of(code, "")
        }
    }

    /// The JSON body in this error's style.
    pub fn body(&self) -> Value {
        if let Some(raw) = &self.raw_body {
            return Value::clone(raw);
        }
        match self.style {
            ErrorStyle::Legacy => json!({
                "reason": [self.message],
                "timestamp": now(),
                "status_code": self.status.as_u16(),
            }),
            ErrorStyle::New => {
                let mut body = json!({
                    "message": self.message,
                    "error_id": self.error_id,
                    "details": *self.details,
                    "timestamp": now(),
                });
                if let Some(resource) = self.resource {
                    body["resource"] = json!(resource);
                }
                body
            }
        }
    }
}

impl From<NotReady> for ApiError {
    /// A directory request before the instance is ready: a load balancer tries another one.
    fn from(not_ready: NotReady) -> Self {
        ApiError::of(
            Code::NotReady,
            "wazo-dird is starting and cannot answer directory requests yet",
        )
        .details(json!({ "reason": not_ready.0 }))
    }
}

impl From<StorageError> for ApiError {
    /// Storage that is absent or away is a 503 naming the cause; a failed query is a 500 whose
    /// detail stays in the log.
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotConfigured => ApiError::of(
                Code::DatabaseNotConfigured,
                "This route needs a database and none is configured (db_uri is null)",
            ),
            StorageError::Unavailable(reason) => {
                // PostgreSQL's own words when it refused the connection ("too many clients").
                tracing::warn!(%reason, "no database connection for a request");
                ApiError::of(
                    Code::DatabaseUnavailable,
                    "The database is unavailable; retrying in the background",
                )
                .details(json!({ "reason": reason }))
            }
            // A value PostgreSQL cannot hold where it goes (a contact field above the btree
            // index's 2704 bytes once compressed, an id above its column's length): the
            // statement failed and its transaction was rolled back, so nothing changed.
            StorageError::Query(error) if too_large(&error) => {
                let reason = error
                    .as_db_error()
                    .map(|db| db.message().to_owned())
                    .unwrap_or_default();
                tracing::info!(%reason, "refused a value too large to be stored");
                let message = format!("A value is too long to be stored: {reason}");
                ApiError::of(Code::InvalidData, message.clone()).details(
                    json!({"_schema": {"constraint_id": "length", "constraint": "storable", "message": message}}),
                )
            }
            StorageError::Query(error) => {
                let error = crate::storage::reason(&error);
                tracing::error!(%error, "database query failed");
                ApiError::of(Code::DatabaseError, "A database query failed")
            }
        }
    }
}

/// Whether PostgreSQL refused a value for its size.
fn too_large(error: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    error.code().is_some_and(|code| {
        *code == SqlState::PROGRAM_LIMIT_EXCEEDED || *code == SqlState::STRING_DATA_RIGHT_TRUNCATION
    })
}

impl From<ResourceError> for ApiError {
    fn from(error: ResourceError) -> Self {
        match error {
            ResourceError::Invalid(details) => ApiError::invalid_data(Value::Object(details)),
            ResourceError::NotFound { resource, uuid } => {
                let (code, singular) = match resource {
                    "displays" => (Code::UnknownDisplay, "display"),
                    "profiles" => (Code::UnknownProfile, "profile"),
                    _ => (Code::UnknownSource, "source"),
                };
                ApiError::of(code, format!("No such {singular}: \"{uuid}\""))
                    .details(json!({ "uuid": uuid }))
                    .resource(resource)
            }
            ResourceError::Duplicate { resource, name } => ApiError::of(Code::Conflict, "Conflict detected")
                .details(json!({"name": {"constraint_id": "unique", "message": format!("The name \"{name}\" is already used in this tenant")}}))
                .resource(resource),
            ResourceError::Declared { resource, uuid } => ApiError::of(Code::DeclaredInConfiguration, format!("{uuid} is declared in the configuration files: change it there (then reload)"),
            )
            .details(json!({ "uuid": uuid }))
            .resource(resource),
            ResourceError::UnknownReference { kind, uuid } => {
                let code = if kind == "display" { Code::UnknownDisplayReference } else { Code::UnknownSourceReference };
                ApiError::of(code, format!("No such {kind} in the profile's tenant: \"{uuid}\""))
                    .details(json!({ "uuid": uuid }))
            }
            ResourceError::UnknownPhonebook { uuid, tenant_uuid } => ApiError::of(Code::UnknownPhonebook, format!("Phonebook {{'uuid': '{uuid}'}} not found in tenants ['{tenant_uuid}']"),
            )
            .details(json!({"phonebook_key": {"uuid": uuid}, "visible_tenants": [tenant_uuid]}))
            .resource("/backends/phonebook/sources"),
            ResourceError::NoSuchBackend(_) => ApiError::of(Code::NotFound, "The requested URL was not found on the server",
            ),
            ResourceError::Storage(error) => ApiError::from(error),
        }
    }
}

impl From<ContactsError> for ApiError {
    /// The contacts routes of the backends, as wazo-dird answers them.
    fn from(error: ContactsError) -> Self {
        match error {
            ContactsError::NoSuchSource(uuid) => ResourceError::NotFound {
                resource: "sources",
                uuid,
            }
            .into(),
            ContactsError::Confd(error) => {
                ApiError::of(Code::WazoConfdError, "wazo-confd request error")
                    .details(error.details)
            }
            ContactsError::Book(BookError::NoToken {
                provider,
                user_uuid,
            }) => ApiError::of(Code::NoTokenFound, format!("No {provider} token found."))
                .details(json!({ "user_uuid": user_uuid })),
            ContactsError::Book(BookError::Unexpected { endpoint }) => {
                ApiError::of(Code::UnexpectedEndpointError, "Unexpected endpoint error.")
                    .details(json!({ "endpoint": endpoint }))
            }
        }
    }
}

impl From<PersonalError> for ApiError {
    /// The personal routes' own errors, in the legacy body wazo-dird builds by hand.
    fn from(error: PersonalError) -> Self {
        match error {
            PersonalError::Invalid(reason) => ApiError::legacy_handmade(Code::InvalidData, reason),
            PersonalError::NotFound(_) => {
                ApiError::legacy_handmade(Code::NotFound, error.to_string())
            }
            PersonalError::Duplicate => {
                ApiError::legacy_handmade(Code::Conflict, error.to_string())
            }
            PersonalError::Resource(error) => ApiError::from(error).styled(ErrorStyle::Legacy),
        }
    }
}

impl From<FavoriteError> for ApiError {
    /// The favorites routes' own errors, in the legacy body wazo-dird builds by hand.
    fn from(error: FavoriteError) -> Self {
        match error {
            FavoriteError::Duplicate => {
                ApiError::legacy_handmade(Code::Conflict, error.to_string())
            }
            FavoriteError::NoSuchSource(_) | FavoriteError::NoSuchFavorite(_) => {
                ApiError::legacy_handmade(Code::NotFound, error.to_string())
            }
            FavoriteError::Resource(error) => ApiError::from(error).styled(ErrorStyle::Legacy),
        }
    }
}

impl From<PhonebookError> for ApiError {
    /// The phonebook routes' own errors: the legacy body wazo-dird builds by hand, but an
    /// import's refusal in the new body with its own id.
    fn from(error: PhonebookError) -> Self {
        let (code, reason) = match error {
            PhonebookError::Resource(ResourceError::Duplicate { name, .. }) => (
                Code::Conflict,
                format!("Adding this phonebook would create a duplicate: {name}"),
            ),
            PhonebookError::Resource(error) => {
                return ApiError::from(error).styled(ErrorStyle::Legacy)
            }
            PhonebookError::Invalid(details) => (
                Code::InvalidData,
                format!("Invalid phonebook: {}", Value::Object(details)),
            ),
            PhonebookError::InvalidContact(reason) => (Code::InvalidData, reason),
            error @ (PhonebookError::NoSuchPhonebook(_) | PhonebookError::NoSuchContact(_)) => {
                (Code::NotFound, error.to_string())
            }
            error @ PhonebookError::DuplicateContact => (Code::Conflict, error.to_string()),
            PhonebookError::Import(error) => return ApiError::from(error),
        };
        ApiError::legacy_handmade(code, reason)
    }
}

impl From<ImportError> for ApiError {
    /// A refused phonebook import: nothing was imported.
    fn from(error: ImportError) -> Self {
        let (code, details) = match &error {
            ImportError::BadEncoding(_) => (Code::ImportBadEncoding, json!({})),
            ImportError::DuplicateColumns(_) => (Code::ImportDuplicateColumns, json!({})),
            ImportError::InvalidFile(_) => (Code::ImportInvalidFile, json!({})),
            ImportError::EmptyFile => (Code::ImportEmptyFile, json!({})),
            ImportError::BadContacts(errors) => {
                (Code::ImportBadContacts, json!({ "errors": errors }))
            }
        };
        ApiError::of(code, error.to_string())
            .details(details)
            .resource("contacts")
    }
}

/// Seconds since the epoch, as wazo-dird's error timestamps.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.error_id,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_style_body_has_wazo_keys() {
        let body = ApiError::of(Code::UnknownSource, "No such source")
            .resource("sources")
            .body();
        assert_eq!(body["error_id"], "unknown-source");
        assert_eq!(body["message"], "No such source");
        assert_eq!(body["details"], json!({}));
        assert_eq!(body["resource"], "sources");
        assert!(body["timestamp"].as_f64().is_some_and(|t| t > 1.0e9));
    }

    #[test]
    fn missing_storage_is_a_clear_503() {
        let error = ApiError::from(StorageError::NotConfigured);
        assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            error.message.contains("db_uri is null"),
            "{}",
            error.message
        );
        let error = ApiError::from(StorageError::Unavailable("connection refused".into()));
        assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(error.details["reason"], "connection refused");
    }

    #[test]
    fn legacy_body_has_reason_list_and_status_code() {
        let body = ApiError::of(Code::Unauthorized, "Unauthorized")
            .styled(ErrorStyle::Legacy)
            .body();
        assert_eq!(body["reason"], json!(["Unauthorized"]));
        assert_eq!(body["status_code"], 401);
        assert!(body.get("error_id").is_none());
        assert!(body["timestamp"].as_f64().is_some());
    }
}
