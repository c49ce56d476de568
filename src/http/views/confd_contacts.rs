//! What the contacts routes of the backends that read wazo-confd share (`wazo_contacts.rs`,
//! `conference_contacts.rs`). As in wazo-dird, their listing is wazo-confd's own (searched, sorted
//! and paged by wazo-confd, asked with the source's token) and `filtered` repeats `total`; a
//! wazo-confd that fails answers 503 `wazo-confd-error`.

use crate::backends::confd::client::ConfdClient;
use crate::http::error::ApiError;
use crate::http::list_params::{Direction, ListParams};
use crate::http::state::AppState;
use crate::resources::sources::model::Source;
use crate::resources::ResourceError;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::{json, Value};
use std::sync::Arc;

/// The source of `backend` among the tenants the caller sees (recursively, as wazo-dird looks).
pub(super) async fn source(
    caller: &crate::http::authorized::Caller,
    state: &AppState,
    backend: &str,
    uuid: &str,
) -> Result<Arc<Source>, ApiError> {
    let tenants = caller.tenants(true).await?;
    state
        .directory
        .sources
        .get(uuid, &tenants)
        .filter(|s| s.backend == backend)
        .ok_or_else(|| {
            ResourceError::NotFound {
                resource: "sources",
                uuid: uuid.to_owned(),
            }
            .into()
        })
}

/// wazo-confd's query: the list parameters and the allowed exact filters, as given.
pub(super) fn confd_query(
    params: &ListParams,
    filters: &[&'static str],
) -> Vec<(&'static str, String)> {
    let mut query = vec![
        (
            "direction",
            match params.direction {
                Direction::Asc => "asc",
                Direction::Desc => "desc",
            }
            .to_owned(),
        ),
        ("order", params.order.clone()),
        ("offset", params.offset.to_string()),
        ("recurse", params.recurse.to_string()),
    ];
    if let Some(limit) = params.limit {
        query.push(("limit", limit.to_string()));
    }
    if let Some(search) = &params.search {
        query.push(("search", search.clone()));
    }
    for (key, value) in &params.filters {
        if let Some(key) = filters.iter().find(|f| **f == key.as_str()) {
            query.push((key, value.clone()));
        }
    }
    query
}

/// wazo-dird's answer when wazo-confd fails.
fn confd_error(details: Value) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "wazo-confd-error",
        "wazo-confd request error",
    )
    .details(details)
}

/// Lists `path` of wazo-confd as `source`: `{total, filtered, items}`, or 503 `wazo-confd-error`.
pub(super) async fn listed(
    source: &Source,
    state: &AppState,
    path: &str,
    query: &[(&str, String)],
    item: fn(&Value) -> Value,
) -> Result<HttpResponse, ApiError> {
    let client = ConfdClient::for_source(source, &state.directory.engine.deps())
        .await
        .map_err(|error| confd_error(json!({"original_error": error})))?;
    match client.list(path, query).await {
        Ok((items, total)) => {
            let items: Vec<Value> = items.iter().map(item).collect();
            Ok(HttpResponse::Ok().json(json!({"total": total, "filtered": total, "items": items})))
        }
        Err(error) => Err(confd_error(json!({
            "wazo_confd_config": {"host": client.host, "port": client.port, "timeout": client.timeout},
            "original_error": error.to_string(),
        }))),
    }
}
