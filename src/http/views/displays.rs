//! Displays: `/0.1/displays[/{display_uuid}]`.

use super::{listing, records};
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

crate::routes!(
    "/0.1/displays" => [list_displays, create_display, get_display, update_display, delete_display],
);

access!(DisplaysRead, "dird.displays.read", New);
access!(DisplaysCreate, "dird.displays.create", New);
access!(DisplayRead, "dird.displays.{display_uuid}.read", New);
access!(DisplayUpdate, "dird.displays.{display_uuid}.update", New);
access!(DisplayDelete, "dird.displays.{display_uuid}.delete", New);

fn display_body(display: &crate::resources::displays::model::Display) -> Value {
    json!(display)
}

/// The displays the caller sees.
#[utoipa::path(
    get, path = "/0.1/displays", tag = "displays",
    description = "ACL `dird.displays.read`. `search` (substring of the name), exact `uuid`, `name`; order `name`.",
    params(("recurse" = Option<bool>, Query), ("search" = Option<String>, Query), ("order" = Option<String>, Query),
        ("direction" = Option<String>, Query), ("limit" = Option<u64>, Query), ("offset" = Option<u64>, Query)),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object))
)]
#[get("")]
async fn list_displays(
    caller: Authorized<DisplaysRead>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    records::list(
        &caller,
        &state.displays,
        request.query_string(),
        display_body,
    )
    .await
}

/// Creates a display in the caller's tenant.
#[utoipa::path(
    post, path = "/0.1/displays", tag = "displays",
    description = "ACL `dird.displays.create`. `{name, columns: [{title, type, default, field, number_display}]}`, at least one column.",
    request_body(content = Object),
    responses((status = 201, description = "The display", body = crate::resources::displays::model::Display), (status = 400, description = "invalid-data"))
)]
#[post("")]
async fn create_display(
    caller: Authorized<DisplaysCreate>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body_value = listing::json_body(&body)?;
    let display = state
        .displays
        .create(&body_value, &caller.tenant_uuid)
        .await?;
    Ok(HttpResponse::Created().json(display_body(&display)))
}

/// One display.
#[utoipa::path(
    get, path = "/0.1/displays/{display_uuid}", tag = "displays",
    description = "ACL `dird.displays.{display_uuid}.read`.",
    params(("display_uuid" = String, Path)),
    responses((status = 200, description = "The display", body = crate::resources::displays::model::Display), (status = 404, description = "unknown-display"))
)]
#[get("/{display_uuid}")]
async fn get_display(
    caller: Authorized<DisplayRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    records::get(&caller, &state.displays, path.into_inner(), display_body).await
}

/// Replaces a display's name and every column.
#[utoipa::path(
    put, path = "/0.1/displays/{display_uuid}", tag = "displays",
    description = "ACL `dird.displays.{display_uuid}.update`.",
    params(("display_uuid" = String, Path)), request_body(content = Object),
    responses((status = 204, description = "Replaced"), (status = 400, description = "invalid-data"), (status = 404, description = "unknown-display"))
)]
#[put("/{display_uuid}")]
async fn update_display(
    caller: Authorized<DisplayUpdate>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    records::update(&caller, &state.displays, &path, &body).await
}

/// Deletes a display (profiles using it go on without one).
#[utoipa::path(
    delete, path = "/0.1/displays/{display_uuid}", tag = "displays",
    description = "ACL `dird.displays.{display_uuid}.delete`.",
    params(("display_uuid" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "unknown-display"))
)]
#[delete("/{display_uuid}")]
async fn delete_display(
    caller: Authorized<DisplayDelete>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    records::delete(&caller, &state.displays, &path).await
}
