//! `GET /0.1/directories/{profile}/sources`: the sources a profile uses.

use super::directories::new_profile;
use super::listing;
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::list_params::{ListParams, ListSpec};
use crate::http::state::AppState;
use crate::resources::sources::model as source_model;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::Value;

crate::routes!(
    "/0.1/directories" => [profile_sources],
);

access!(
    ProfileSourcesRead,
    "dird.directories.{profile}.sources.read",
    New
);

const SOURCES_SPEC: ListSpec<'static> = ListSpec {
    sort_columns: &["name", "backend"],
    filter_columns: &["uuid", "name", "backend"],
};

/// The distinct sources of every service of a profile.
#[utoipa::path(
    get,
    path = "/0.1/directories/{profile}/sources",
    tag = "directories",
    description = "ACL `dird.directories.{profile}.sources.read`.",
    params(
        ("profile" = String, Path, description = "Profile name"),
        ("search" = Option<String>, Query, description = "Substring of the name or backend"),
        ("order" = Option<String>, Query, description = "`name` or `backend`"),
        ("direction" = Option<String>, Query, description = "`asc` or `desc`"),
        ("limit" = Option<u64>, Query), ("offset" = Option<u64>, Query),
    ),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object), (status = 404, description = "No such profile"))
)]
#[get("/{profile}/sources")]
async fn profile_sources(
    caller: Authorized<ProfileSourcesRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(request.query_string(), SOURCES_SPEC)?;
    let resolved = new_profile(&state, &caller, &path)?;
    let mut uuids: Vec<&String> = resolved
        .profile
        .services
        .values()
        .flat_map(|s| s.sources.iter())
        .collect();
    uuids.sort();
    uuids.dedup();
    let sources: Vec<_> = uuids
        .into_iter()
        .filter_map(|uuid| state.sources.get_any(uuid))
        .collect();
    let items: Vec<Value> = sources
        .iter()
        .map(|s| source_model::to_summary(s))
        .collect();
    Ok(HttpResponse::Ok().json(listing::respond(items, &params, &["name", "backend"])))
}
