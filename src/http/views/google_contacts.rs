//! `GET /0.1/backends/google/sources/{source_uuid}/contacts`: the calling user's Google contacts
//! (see `cloud_contacts`).

use super::cloud_contacts::listed;
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::list_params::{ListParams, ListSpec};
use crate::http::state::AppState;
use crate::services::backend_contacts::Provider;
use actix_web::{get, web, HttpRequest, HttpResponse};

crate::routes!(
    "/0.1/backends" => [list_google_contacts],
);

access!(
    GoogleContactsRead,
    "dird.backends.google.sources.{source_uuid}.contacts.read",
    New
);
/// The calling user's Google contacts.
#[utoipa::path(get, path = "/0.1/backends/google/sources/{source_uuid}/contacts", tag = "sources",
    description = "ACL `dird.backends.google.sources.{source_uuid}.contacts.read`. The token's user's own contacts. `search` (in any field), order `name` (default), `direction`, `limit`, `offset`. Items: `id`, `name`, `firstname`, `lastname`, `numbers`, `numbers_by_label`, `numbers_except_label`, `emails`, `organizations`, `addresses`, `note`. 404 `no-token-found` when the user has no Google account in wazo-auth.",
    params(("source_uuid" = String, Path)),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object), (status = 404, description = "unknown-source, no-token-found"), (status = 503, description = "unexpected-endpoint-error")))]
#[get("/google/sources/{source_uuid}/contacts")]
async fn list_google_contacts(
    caller: Authorized<GoogleContactsRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let spec = ListSpec {
        sort_columns: &["name"],
        filter_columns: &[],
    };
    let params = ListParams::parse(request.query_string(), spec)?;
    listed(&caller, &state, Provider::Google, &path, &params).await
}
