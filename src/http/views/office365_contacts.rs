//! `GET /0.1/backends/office365/sources/{source_uuid}/contacts`: the calling user's Microsoft 365
//! contacts, as Graph gives them (see `cloud_contacts`).

use super::cloud_contacts::listed;
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::list_params::{ListParams, ListSpec};
use crate::http::state::AppState;
use crate::services::backend_contacts::Provider;
use actix_web::{get, web, HttpRequest, HttpResponse};

crate::routes!(
    "/0.1/backends" => [list_office365_contacts],
);

access!(
    Office365ContactsRead,
    "dird.backends.office365.sources.{source_uuid}.contacts.read",
    New
);

/// The calling user's Microsoft 365 contacts.
#[utoipa::path(get, path = "/0.1/backends/office365/sources/{source_uuid}/contacts", tag = "sources",
    description = "ACL `dird.backends.office365.sources.{source_uuid}.contacts.read`. The token's user's own contacts, as Microsoft Graph gives them. `search` (in any field), order `name` (Graph's `displayName`, default), `firstname` (`givenName`) or `lastname` (`surname`), `direction`, `limit`, `offset`. 404 `no-token-found` when the user has no Microsoft account in wazo-auth; 503 `unexpected-endpoint-error` when Graph fails.",
    params(("source_uuid" = String, Path)),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object), (status = 404, description = "unknown-source, no-token-found"), (status = 503, description = "unexpected-endpoint-error")))]
#[get("/office365/sources/{source_uuid}/contacts")]
async fn list_office365_contacts(
    caller: Authorized<Office365ContactsRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let spec = ListSpec {
        sort_columns: &["name", "firstname", "lastname"],
        filter_columns: &[],
    };
    let params = ListParams::parse(request.query_string(), spec)?;
    listed(&caller, &state, Provider::Microsoft, &path, &params).await
}
