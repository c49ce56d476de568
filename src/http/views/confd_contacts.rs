//! What the contacts routes of the backends that read wazo-confd share (`wazo_contacts.rs`,
//! `conference_contacts.rs`). As in wazo-dird, their listing is wazo-confd's own (searched, sorted
//! and paged by wazo-confd, asked with the source's token: `services::backend_contacts`) and
//! `filtered` repeats `total`; a wazo-confd that fails answers 503 `wazo-confd-error`.

use crate::http::authorized::Caller;
use crate::http::error::ApiError;
use crate::http::list_params::{Direction, ListParams};
use crate::http::state::AppState;
use crate::services::backend_contacts::Listing;
use actix_web::HttpResponse;
use serde_json::json;

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

/// Lists the source `uuid` (among the tenants the caller sees, recursively, as wazo-dird looks)
/// with wazo-confd's `query`: `{total, filtered, items}`.
pub(super) async fn listed(
    caller: &Caller,
    state: &AppState,
    listing: Listing,
    uuid: &str,
    query: &[(&str, String)],
) -> Result<HttpResponse, ApiError> {
    let tenants = caller.tenants(true).await?;
    let page = state
        .backend_contacts
        .confd(listing, uuid, &tenants, query)
        .await?;
    Ok(HttpResponse::Ok()
        .json(json!({"total": page.total, "filtered": page.total, "items": page.items})))
}
