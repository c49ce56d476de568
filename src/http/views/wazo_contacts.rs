//! `GET /0.1/backends/wazo/sources/{source_uuid}/contacts`: the users a `wazo` source reads, as
//! wazo-confd lists them (see `confd_contacts`).

use super::confd_contacts::{confd_query, listed};
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::list_params::{ListParams, ListSpec};
use crate::http::state::AppState;
use crate::services::backend_contacts::Listing;
use actix_web::{get, web, HttpRequest, HttpResponse};

crate::routes!(
    "/0.1/backends" => [list_wazo_contacts],
);

access!(
    WazoContactsRead,
    "dird.backends.wazo.sources.{source_uuid}.contacts.read",
    New
);

/// The users a `wazo` source reads, as wazo-confd lists them.
#[utoipa::path(get, path = "/0.1/backends/wazo/sources/{source_uuid}/contacts", tag = "sources",
    description = "ACL `dird.backends.wazo.sources.{source_uuid}.contacts.read`. `search`; order `firstname` (default) or `lastname`; `direction`, `limit`, `offset`, `recurse` (default false); `uuid` (comma-separated), `firstname`, `lastname` exact filters. Items `{id, uuid, firstname, lastname, email, exten, mobile_phone_number, voicemail_number}`.",
    params(("source_uuid" = String, Path)),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object), (status = 404, description = "unknown-source"), (status = 503, description = "wazo-confd-error")))]
#[get("/wazo/sources/{source_uuid}/contacts")]
async fn list_wazo_contacts(
    caller: Authorized<WazoContactsRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    const FILTERS: &[&str] = &["uuid", "firstname", "lastname"];
    let spec = ListSpec {
        sort_columns: &["firstname", "lastname"],
        filter_columns: FILTERS,
    };
    let params = ListParams::parse(request.query_string(), spec)?;
    let query = confd_query(&params, FILTERS);
    listed(&caller, &state, Listing::Users, &path, &query).await
}
