//! `GET /0.1/status`: the health of each part of the daemon.

use crate::access;
use crate::http::authorized::Authorized;
use crate::http::state::AppState;
use crate::storage::Health;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

crate::routes!(
    "/0.1/status" => [status],
);

access!(StatusRead, "dird.status.read", New);

/// One part's health: `ok`, `fail`, or `disabled` when the part is switched off in the configuration.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentStatus {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The health of each part.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusBody {
    /// Consuming bus events.
    pub bus_consumer: ComponentStatus,
    /// The master tenant is known (from `auth.master_tenant_uuid` or the service token).
    pub master_tenant: ComponentStatus,
    /// The HTTP API answers.
    pub rest_api: ComponentStatus,
    /// PostgreSQL answers and its schema is ready (not in wazo-dird).
    pub database: ComponentStatus,
    /// Connected to RabbitMQ and publishing with confirms (not in wazo-dird).
    pub bus_publisher: PublisherStatus,
    /// Answering directory requests: `fail` after a start until the catalog is read and the
    /// sources are warm, with the `reason`; those requests answer 503 meanwhile (not in wazo-dird).
    pub directory: DirectoryStatus,
    /// Each running source by uuid: `name`, `backend`, `tenant_uuid`, `state` (`starting`, `up`,
    /// or `down`: its breaker is open, lookups skip it), and its counters `requests`, `failures`,
    /// `timeouts`, `restarts`, `breaker_opens`, and `reason`: why it is not up, while it is not
    /// (not in wazo-dird).
    #[schema(value_type = Object)]
    pub sources: serde_json::Map<String, serde_json::Value>,
}

/// Whether directory requests are answered, and why not.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryStatus {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// What the instance is doing before it answers (only while it does not).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "reading the sources, displays and profiles from the database")]
    pub reason: Option<String>,
}

/// The publishing side of the bus.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublisherStatus {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Events waiting for the broker's confirmation.
    pub backlog: usize,
    /// Events dropped since start because the backlog was full (`bus.backlog_size`).
    pub dropped: u64,
}

fn ok_or_fail(ok: bool) -> ComponentStatus {
    ComponentStatus {
        status: if ok { "ok" } else { "fail" },
    }
}

/// The health of the daemon.
#[utoipa::path(
    get,
    path = "/0.1/status",
    tag = "status",
    description = "ACL `dird.status.read`.",
    responses(
        (status = 200, description = "Health of each part", body = StatusBody),
        (status = 401, description = "Unauthorized"),
        (status = 503, description = "Authentication server unreachable"),
    )
)]
#[get("")]
async fn status(_caller: Authorized<StatusRead>, state: web::Data<AppState>) -> HttpResponse {
    let bus_consumer = if state.bus.is_enabled() {
        ok_or_fail(
            state
                .bus
                .status
                .consuming
                .load(std::sync::atomic::Ordering::Acquire),
        )
    } else {
        ComponentStatus { status: "disabled" }
    };
    let database = match state.storage.health() {
        Health::Ok => ok_or_fail(true),
        Health::Fail => ok_or_fail(false),
        Health::Disabled => ComponentStatus { status: "disabled" },
    };
    let bus_publisher = PublisherStatus {
        status: match (
            state.bus.is_enabled(),
            state
                .bus
                .status
                .publishing
                .load(std::sync::atomic::Ordering::Acquire),
        ) {
            (false, _) => "disabled",
            (true, true) => "ok",
            (true, false) => "fail",
        },
        backlog: state.bus.backlog(),
        dropped: state
            .bus
            .status
            .dropped
            .load(std::sync::atomic::Ordering::Relaxed),
    };
    let directory = match state.directory.readiness.check() {
        Ok(()) => DirectoryStatus {
            status: "ok",
            reason: None,
        },
        Err(not_ready) => DirectoryStatus {
            status: "fail",
            reason: Some(not_ready.0),
        },
    };
    HttpResponse::Ok().json(StatusBody {
        bus_publisher,
        directory,
        bus_consumer,
        master_tenant: ok_or_fail(state.auth.master_tenant().is_some()),
        rest_api: ok_or_fail(true),
        database,
        sources: state.directory.engine.health(),
    })
}
