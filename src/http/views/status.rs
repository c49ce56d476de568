//! `GET /0.1/status`: the health of each part of the daemon.

use crate::access;
use crate::health::Health;
use crate::http::authorized::Authorized;
use crate::http::state::AppState;
use crate::services::engine::SourceHealth;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use std::collections::BTreeMap;
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
    pub sources: BTreeMap<String, SourceHealth>,
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
    let component = |health: Health| ComponentStatus {
        status: health.as_str(),
    };
    let bus = state.bus.health();
    let directory = match state.directory.readiness() {
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
        bus_publisher: PublisherStatus {
            status: bus.publisher.as_str(),
            backlog: bus.backlog,
            dropped: bus.dropped,
        },
        directory,
        bus_consumer: component(bus.consumer),
        master_tenant: component(Health::of(true, state.auth.master_tenant().is_some())),
        rest_api: component(Health::Ok),
        database: component(state.storage.health()),
        sources: state.directory.source_health(),
    })
}
