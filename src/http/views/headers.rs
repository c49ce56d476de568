//! `GET /0.1/directories/lookup/{profile}/headers`: the columns of a profile's display.

use super::directories::no_such_profile;
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::services::results;
use actix_web::{get, web, HttpResponse};

crate::routes!(
    "/0.1/directories" => [lookup_headers],
);

access!(
    HeadersRead,
    "dird.directories.lookup.{profile}.headers.read",
    Legacy
);

/// The columns of a profile's display.
#[utoipa::path(
    get,
    path = "/0.1/directories/lookup/{profile}/headers",
    tag = "directories",
    description = "ACL `dird.directories.lookup.{profile}.headers.read`.",
    params(("profile" = String, Path, description = "Profile name")),
    responses((status = 200, description = "`{column_headers, column_types}`", body = Object), (status = 404, description = "No such profile"))
)]
#[get("/lookup/{profile}/headers")]
async fn lookup_headers(
    caller: Authorized<HeadersRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let resolved = state
        .directory
        .profile(&caller.tenant_uuid, &path)?
        .ok_or_else(|| no_such_profile(&path))?;
    Ok(HttpResponse::Ok().json(results::headers(resolved.display.as_deref())))
}
