//! The one error type of the HTTP layer, mapped to wazo-dird's two error bodies in one place.
//!
//! *New* resources answer `{message, error_id, details, timestamp, resource?}`; *legacy* resources
//! (directories, personal, backends, deprecated phonebooks) answer `{reason: [message], timestamp,
//! status_code}`. Which body a route uses is decided by its [`ErrorStyle`], set once per route.

use crate::resources::ResourceError;
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
    /// A new-style error.
    pub fn new(status: StatusCode, error_id: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error_id,
            message: message.into(),
            details: Box::new(json!({})),
            resource: None,
            style: ErrorStyle::New,
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
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid-data",
            "Sent data is invalid",
        )
        .details(details)
    }

    /// A legacy error whose body wazo-dird builds by hand: `timestamp` is a one-element list.
    pub fn legacy_handmade(status: StatusCode, reason: String) -> Self {
        let body =
            json!({"reason": [reason], "timestamp": [now()], "status_code": status.as_u16()});
        ApiError {
            raw_body: Some(Box::new(body)),
            ..ApiError::new(status, "legacy", reason).styled(ErrorStyle::Legacy)
        }
    }

    /// A body that follows neither format (wazo-dird quirks), answered as is.
    pub fn raw(status: StatusCode, body: Value) -> Self {
        ApiError {
            raw_body: Some(Box::new(body)),
            ..ApiError::new(status, "raw", "")
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
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
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
            StorageError::NotConfigured => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database-not-configured",
                "This route needs a database and none is configured (db_uri is null)",
            ),
            StorageError::Unavailable(reason) => {
                // PostgreSQL's own words when it refused the connection ("too many clients").
                tracing::warn!(%reason, "no database connection for a request");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database-unavailable",
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
                ApiError::new(StatusCode::BAD_REQUEST, "invalid-data", message.clone()).details(
                    json!({"_schema": {"constraint_id": "length", "constraint": "storable", "message": message}}),
                )
            }
            StorageError::Query(error) => {
                let error = crate::storage::reason(&error);
                tracing::error!(%error, "database query failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "database-error",
                    "A database query failed",
                )
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
                let (error_id, singular) = match resource {
                    "displays" => ("unknown-display", "display"),
                    "profiles" => ("unknown-profile", "profile"),
                    _ => ("unknown-source", "source"),
                };
                ApiError::new(StatusCode::NOT_FOUND, error_id, format!("No such {singular}: \"{uuid}\""))
                    .details(json!({ "uuid": uuid }))
                    .resource(resource)
            }
            ResourceError::Duplicate { resource, name } => ApiError::new(StatusCode::CONFLICT, "conflict", "Conflict detected")
                .details(json!({"name": {"constraint_id": "unique", "message": format!("The name \"{name}\" is already used in this tenant")}}))
                .resource(resource),
            ResourceError::Declared { resource, uuid } => ApiError::new(
                StatusCode::CONFLICT,
                "declared-in-configuration",
                format!("{uuid} is declared in the configuration files: change it there (then reload)"),
            )
            .details(json!({ "uuid": uuid }))
            .resource(resource),
            ResourceError::UnknownReference { kind, uuid } => {
                let error_id = if kind == "display" { "unknown-display" } else { "unknown-source" };
                ApiError::new(StatusCode::BAD_REQUEST, error_id, format!("No such {kind} in the profile's tenant: \"{uuid}\""))
                    .details(json!({ "uuid": uuid }))
            }
            ResourceError::UnknownPhonebook { uuid, tenant_uuid } => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown-phonebook",
                format!("Phonebook {{'uuid': '{uuid}'}} not found in tenants ['{tenant_uuid}']"),
            )
            .details(json!({"phonebook_key": {"uuid": uuid}, "visible_tenants": [tenant_uuid]}))
            .resource("/backends/phonebook/sources"),
            ResourceError::Storage(error) => ApiError::from(error),
        }
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
        let body = ApiError::new(StatusCode::NOT_FOUND, "unknown-source", "No such source")
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
        let body = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
            .styled(ErrorStyle::Legacy)
            .body();
        assert_eq!(body["reason"], json!(["Unauthorized"]));
        assert_eq!(body["status_code"], 401);
        assert!(body.get("error_id").is_none());
        assert!(body["timestamp"].as_f64().is_some());
    }
}
