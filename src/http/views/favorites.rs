//! Favorites: `PUT`/`DELETE /0.1/directories/favorites/{directory}/{contact}` (the source name may
//! contain `/`) and `GET /0.1/directories/favorites/{profile}`. Legacy error bodies.

use super::directories::legacy_profile;
use crate::access;
use crate::context::Context;
use crate::http::authorized::{Access, Authorized};
use crate::http::codes::Code;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::services::results;
use actix_web::{delete, get, put, web, HttpResponse};

crate::routes!(
    "/0.1/directories" => [list_favorites, add_favorite, remove_favorite],
);

access!(
    FavoritesRead,
    "dird.directories.favorites.{profile}.read",
    Legacy
);
access!(
    FavoriteUpdate,
    "dird.directories.favorites.{directory}.{contact}.update",
    Legacy
);
access!(
    FavoriteDelete,
    "dird.directories.favorites.{directory}.{contact}.delete",
    Legacy
);

/// The contacts the token's user marked as favorites, from the profile's favorites sources.
#[utoipa::path(
    get, path = "/0.1/directories/favorites/{profile}", tag = "directories",
    description = "ACL `dird.directories.favorites.{profile}.read`. Every result's favorite column is true.",
    params(("profile" = String, Path, description = "Profile name")),
    responses((status = 200, description = "`{column_headers, column_types, results}`", body = Object), (status = 404, description = "No such profile, or no favorites service in it"))
)]
#[get("/favorites/{profile}")]
async fn list_favorites(
    caller: Authorized<FavoritesRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let resolved = legacy_profile(&state, &caller, &path)?;
    if !resolved.profile.services.contains_key("favorites") {
        let reason = format!(
            "No such profile in favorite service configuration: {}",
            path.as_str()
        );
        return Err(ApiError::legacy_handmade(Code::NotFound, reason));
    }
    let user = caller.required_user_uuid().await?;
    let ids = state
        .favorites
        .in_profile(&resolved.profile, &user)
        .await
        .map_err(|e| ApiError::from(e).styled(crate::http::error::ErrorStyle::Legacy))?;
    let context = Context {
        token: Some(caller.token.clone()),
        user_uuid: Some(user),
        tenant_uuid: caller.tenant_uuid.clone(),
    };
    let results = state
        .directory
        .favorites(&resolved.profile, &ids, &context)
        .await;
    Ok(HttpResponse::Ok().json(results::format_results(
        resolved.display.as_deref(),
        results,
        |_| true,
    )))
}

/// Marks a contact of a source (by name, in the caller's tenant) as a favorite of the token's user.
#[utoipa::path(
    put, path = "/0.1/directories/favorites/{directory}/{contact}", tag = "directories",
    description = "ACL `dird.directories.favorites.{directory}.{contact}.update`. Publishes `favorite_added`.",
    params(("directory" = String, Path, description = "Source name (may contain `/`)"), ("contact" = String, Path, description = "The contact's id in the source")),
    responses((status = 204, description = "Added"), (status = 404, description = "No such source in the tenant"), (status = 409, description = "Already a favorite"))
)]
#[put("/favorites/{directory:.+}/{contact}")]
async fn add_favorite(
    caller: Authorized<FavoriteUpdate>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    mark(&caller, &state, path.into_inner(), true).await
}

/// Removes a favorite of the token's user.
#[utoipa::path(
    delete, path = "/0.1/directories/favorites/{directory}/{contact}", tag = "directories",
    description = "ACL `dird.directories.favorites.{directory}.{contact}.delete`. Publishes `favorite_deleted`.",
    params(("directory" = String, Path, description = "Source name (may contain `/`)"), ("contact" = String, Path, description = "The contact's id in the source")),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such source or favorite"))
)]
#[delete("/favorites/{directory:.+}/{contact}")]
async fn remove_favorite(
    caller: Authorized<FavoriteDelete>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    mark(&caller, &state, path.into_inner(), false).await
}

/// Marks or unmarks a contact as a favorite of the token's user: 204.
async fn mark<A: Access>(
    caller: &Authorized<A>,
    state: &AppState,
    (source, contact): (String, String),
    favorite: bool,
) -> Result<HttpResponse, ApiError> {
    let user = caller.required_user_uuid().await?;
    state
        .favorites
        .set(&caller.tenant_uuid, (&source, &contact), &user, favorite)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
