//! `GET /0.1/backends/conference/sources/{source_uuid}/contacts`: the conference rooms a
//! `conference` source reads, as wazo-confd lists them (see `confd_contacts`).

use super::confd_contacts::{confd_query, listed};
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::list_params::{ListParams, ListSpec};
use crate::http::state::AppState;
use crate::services::backend_contacts::Listing;
use actix_web::{get, web, HttpRequest, HttpResponse};

crate::routes!(
    "/0.1/backends" => [list_conference_contacts],
);

access!(
    ConferenceContactsRead,
    "dird.backends.conference.sources.{source_uuid}.contacts.read",
    New
);

/// The conference rooms a `conference` source reads, as wazo-confd lists them.
#[utoipa::path(get, path = "/0.1/backends/conference/sources/{source_uuid}/contacts", tag = "sources",
    description = "ACL `dird.backends.conference.sources.{source_uuid}.contacts.read`. `search`; order `name`; `direction`, `limit`, `offset`, `recurse` (default false); `id`, `name` exact filters. Items `{id, name, extensions: [{context, exten}], incalls: [{context, exten}]}`.",
    params(("source_uuid" = String, Path)),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object), (status = 404, description = "unknown-source"), (status = 503, description = "wazo-confd-error")))]
#[get("/conference/sources/{source_uuid}/contacts")]
async fn list_conference_contacts(
    caller: Authorized<ConferenceContactsRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    const FILTERS: &[&str] = &["id", "name"];
    let spec = ListSpec {
        sort_columns: &["name"],
        filter_columns: FILTERS,
    };
    let params = ListParams::parse(request.query_string(), spec)?;
    let query = confd_query(&params, FILTERS);
    listed(&caller, &state, Listing::Conferences, &path, &query).await
}
