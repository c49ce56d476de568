//! Profiles: `/0.1/profiles[/{profile_uuid}]`.

use super::{listing, records};
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};

crate::routes!(
    "/0.1/profiles" => [list_profiles, create_profile, get_profile, update_profile, delete_profile],
);

access!(ProfilesRead, "dird.profiles.read", New);
access!(ProfilesCreate, "dird.profiles.create", New);
access!(ProfileRead, "dird.profiles.{profile_uuid}.read", New);
access!(ProfileUpdate, "dird.profiles.{profile_uuid}.update", New);
access!(ProfileDelete, "dird.profiles.{profile_uuid}.delete", New);

/// The profiles the caller sees.
#[utoipa::path(
    get, path = "/0.1/profiles", tag = "profiles",
    description = "ACL `dird.profiles.read`. `search` (substring of the name), exact `uuid`, `name`; order `name`.",
    params(("recurse" = Option<bool>, Query), ("search" = Option<String>, Query), ("order" = Option<String>, Query),
        ("direction" = Option<String>, Query), ("limit" = Option<u64>, Query), ("offset" = Option<u64>, Query)),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object))
)]
#[get("")]
async fn list_profiles(
    caller: Authorized<ProfilesRead>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    records::list(&caller, &state.profiles, request.query_string(), |p| {
        p.to_body()
    })
    .await
}

/// Creates a profile in the caller's tenant; its display and sources must be of that tenant.
#[utoipa::path(
    post, path = "/0.1/profiles", tag = "profiles",
    description = "ACL `dird.profiles.create`. `{name, display: {uuid}, services: {<service>: {sources: [{uuid}], options: {timeout}}}}`.",
    request_body(content = Object),
    responses((status = 201, description = "The profile", body = Object), (status = 400, description = "invalid-data, unknown-display, unknown-source"), (status = 409, description = "conflict"))
)]
#[post("")]
async fn create_profile(
    caller: Authorized<ProfilesCreate>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body = listing::json_body(&body)?;
    let profile = state.profiles.create(&body, &caller.tenant_uuid).await?;
    let mut created = profile.to_body();
    // Upstream answers with what it was sent: no `display` key when none was (reads show `null`).
    if body.get("display").is_none() {
        if let Some(created) = created.as_object_mut() {
            created.remove("display");
        }
    }
    Ok(HttpResponse::Created().json(created))
}

/// One profile.
#[utoipa::path(
    get, path = "/0.1/profiles/{profile_uuid}", tag = "profiles",
    description = "ACL `dird.profiles.{profile_uuid}.read`.",
    params(("profile_uuid" = String, Path)),
    responses((status = 200, description = "The profile", body = Object), (status = 404, description = "unknown-profile"))
)]
#[get("/{profile_uuid}")]
async fn get_profile(
    caller: Authorized<ProfileRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    records::get(&caller, &state.profiles, path.into_inner(), |p| p.to_body()).await
}

/// Replaces a profile.
#[utoipa::path(
    put, path = "/0.1/profiles/{profile_uuid}", tag = "profiles",
    description = "ACL `dird.profiles.{profile_uuid}.update`.",
    params(("profile_uuid" = String, Path)), request_body(content = Object),
    responses((status = 204, description = "Replaced"), (status = 400, description = "invalid-data"), (status = 404, description = "unknown-profile"), (status = 409, description = "conflict"))
)]
#[put("/{profile_uuid}")]
async fn update_profile(
    caller: Authorized<ProfileUpdate>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    records::update(&caller, &state.profiles, &path, &body).await
}

/// Deletes a profile.
#[utoipa::path(
    delete, path = "/0.1/profiles/{profile_uuid}", tag = "profiles",
    description = "ACL `dird.profiles.{profile_uuid}.delete`.",
    params(("profile_uuid" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "unknown-profile"))
)]
#[delete("/{profile_uuid}")]
async fn delete_profile(
    caller: Authorized<ProfileDelete>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    records::delete(&caller, &state.profiles, &path).await
}
