//! What `google_contacts.rs` and `office365_contacts.rs` share. Their routes,
//! `GET /0.1/backends/{google,office365}/sources/{source_uuid}/contacts`, list the calling user's own
//! Google or Microsoft 365 contacts through a source of the current tenant
//! (`services::backend_contacts`): `search` (any field), `order`, `direction`, `limit`, `offset`;
//! `{total, filtered, items}`, `filtered` repeating `total` as wazo-dird's.

use crate::context::Context;
use crate::http::authorized::Caller;
use crate::http::error::ApiError;
use crate::http::list_params::{Direction, ListParams};
use crate::http::state::AppState;
use crate::services::backend_contacts::{Paging, Provider};
use actix_web::HttpResponse;
use serde_json::json;

/// A page of the caller's address book through the source `uuid` of `provider`.
pub(super) async fn listed(
    caller: &Caller,
    state: &AppState,
    provider: Provider,
    uuid: &str,
    params: &ListParams,
) -> Result<HttpResponse, ApiError> {
    let context = Context {
        token: Some(caller.token.clone()),
        user_uuid: caller.user_uuid().await?,
        tenant_uuid: caller.tenant_uuid.clone(),
    };
    let paging = Paging {
        search: params.search.clone(),
        order: params.order.clone(),
        descending: params.direction == Direction::Desc,
        offset: usize::try_from(params.offset).unwrap_or(usize::MAX),
        limit: params
            .limit
            .map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
    };
    let page = state
        .backend_contacts
        .book(provider, uuid, &context, &paging)
        .await?;
    Ok(HttpResponse::Ok()
        .json(json!({"total": page.total, "filtered": page.total, "items": page.items})))
}
