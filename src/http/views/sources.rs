//! Sources: `GET /0.1/sources` and the per-backend CRUD `/0.1/backends/{backend}/sources[/{uuid}]`.
//! A source POST answers 200 (wazo-dird's quirk). Secrets are never returned.

use super::listing;
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::list_params::{ListParams, ListSpec};
use crate::http::state::AppState;
use crate::resources::sources::model::{to_body, to_summary};
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde_json::Value;

crate::routes!(
    "/0.1/sources" => [list_all_sources],
    "/0.1/backends" => [list_sources, create_source, get_source, update_source, delete_source],
);

access!(SourcesRead, "dird.sources.read", New);
access!(
    BackendSourcesRead,
    "dird.backends.{backend}.sources.read",
    New
);
access!(
    BackendSourcesCreate,
    "dird.backends.{backend}.sources.create",
    New
);
access!(
    SourceRead,
    "dird.backends.{backend}.sources.{source_uuid}.read",
    New
);
access!(
    SourceUpdate,
    "dird.backends.{backend}.sources.{source_uuid}.update",
    New
);
access!(
    SourceDelete,
    "dird.backends.{backend}.sources.{source_uuid}.delete",
    New
);

/// Every source the caller sees.
#[utoipa::path(
    get, path = "/0.1/sources", tag = "sources",
    description = "ACL `dird.sources.read`. `search` (substring of the name), exact `uuid`, `name`, `backend`; order `name` or `backend`.",
    params(
        ("recurse" = Option<bool>, Query), ("search" = Option<String>, Query), ("order" = Option<String>, Query),
        ("direction" = Option<String>, Query), ("limit" = Option<u64>, Query), ("offset" = Option<u64>, Query),
    ),
    responses((status = 200, description = "`{total, filtered, items: [{uuid, tenant_uuid, name, backend}]}`", body = Object))
)]
#[get("")]
async fn list_all_sources(
    caller: Authorized<SourcesRead>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    const SPEC: ListSpec<'static> = ListSpec {
        sort_columns: &["name", "backend"],
        filter_columns: &["uuid", "name", "backend"],
    };
    let params = ListParams::parse(request.query_string(), SPEC)?;
    let tenants = caller.tenants(params.recurse).await?;
    let items = state
        .sources
        .list(&tenants)
        .iter()
        .map(|s| to_summary(s))
        .collect();
    Ok(HttpResponse::Ok().json(listing::respond(items, &params, &["name"])))
}

/// The sources of one backend.
#[utoipa::path(
    get, path = "/0.1/backends/{backend}/sources", tag = "sources",
    description = "ACL `dird.backends.{backend}.sources.read`. Order `name` or a backend column (csv: `file`).",
    params(
        ("backend" = String, Path), ("recurse" = Option<bool>, Query), ("search" = Option<String>, Query),
        ("order" = Option<String>, Query), ("direction" = Option<String>, Query), ("limit" = Option<u64>, Query), ("offset" = Option<u64>, Query),
    ),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object), (status = 404, description = "Backend not enabled"))
)]
#[get("/{backend}/sources")]
async fn list_sources(
    caller: Authorized<BackendSourcesRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let sort_columns = state.sources.sort_columns(&path)?;
    let params = ListParams::parse(
        request.query_string(),
        ListSpec {
            sort_columns: &sort_columns,
            filter_columns: &["uuid", "name"],
        },
    )?;
    let tenants = caller.tenants(params.recurse).await?;
    let items = state
        .sources
        .list_of(&path, &tenants)?
        .iter()
        .map(|s| to_body(s))
        .collect();
    Ok(HttpResponse::Ok().json(listing::respond(items, &params, &["name"])))
}

/// Creates a source in the caller's tenant. Answers 200, as wazo-dird does.
#[utoipa::path(
    post, path = "/0.1/backends/{backend}/sources", tag = "sources",
    description = "ACL `dird.backends.{backend}.sources.create`. Common fields `name` (required), `searched_columns`, \
                   `first_matched_columns`, `format_columns`, `timeout` (seconds); then the backend's own fields (keys the backend does not know are dropped, as wazo-dird drops them).",
    params(("backend" = String, Path)),
    request_body(content = Object),
    responses(
        (status = 200, description = "The source (each secret shown as null)", body = Object),
        (status = 400, description = "invalid-data"), (status = 409, description = "conflict: name used in the tenant"),
        (status = 503, description = "No database"),
    )
)]
#[post("/{backend}/sources")]
async fn create_source(
    caller: Authorized<BackendSourcesCreate>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body = listing::json_body(&body)?;
    let source = state
        .sources
        .create(&path, &body, &caller.tenant_uuid)
        .await?;
    Ok(HttpResponse::Ok().json(to_body(&source)))
}

/// One source.
#[utoipa::path(
    get, path = "/0.1/backends/{backend}/sources/{source_uuid}", tag = "sources",
    description = "ACL `dird.backends.{backend}.sources.{source_uuid}.read`. Searches every tenant the caller sees.",
    params(("backend" = String, Path), ("source_uuid" = String, Path)),
    responses((status = 200, description = "The source (each secret shown as null)", body = Object), (status = 404, description = "unknown-source"))
)]
#[get("/{backend}/sources/{source_uuid}")]
async fn get_source(
    caller: Authorized<SourceRead>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (backend, uuid) = path.into_inner();
    let tenants = caller.tenants(true).await?;
    let source = state.sources.get_of(&backend, &uuid, &tenants)?;
    Ok(HttpResponse::Ok().json(to_body(&source)))
}

/// Replaces a source; secrets the body omits are kept.
#[utoipa::path(
    put, path = "/0.1/backends/{backend}/sources/{source_uuid}", tag = "sources",
    description = "ACL `dird.backends.{backend}.sources.{source_uuid}.update`. Sources declared in the configuration answer 409.",
    params(("backend" = String, Path), ("source_uuid" = String, Path)),
    request_body(content = Object),
    responses((status = 204, description = "Replaced"), (status = 400, description = "invalid-data"), (status = 404, description = "unknown-source"), (status = 409, description = "conflict"))
)]
#[put("/{backend}/sources/{source_uuid}")]
async fn update_source(
    caller: Authorized<SourceUpdate>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (backend, uuid) = path.into_inner();
    let body: Value = listing::json_body(&body)?;
    let tenants = caller.tenants(true).await?;
    state
        .sources
        .update(&backend, &uuid, &tenants, &body)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes a source, its profile links and its favorites.
#[utoipa::path(
    delete, path = "/0.1/backends/{backend}/sources/{source_uuid}", tag = "sources",
    description = "ACL `dird.backends.{backend}.sources.{source_uuid}.delete`.",
    params(("backend" = String, Path), ("source_uuid" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "unknown-source"), (status = 409, description = "Declared in the configuration"))
)]
#[delete("/{backend}/sources/{source_uuid}")]
async fn delete_source(
    caller: Authorized<SourceDelete>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (backend, uuid) = path.into_inner();
    let tenants = caller.tenants(true).await?;
    state.sources.delete(&backend, &uuid, &tenants).await?;
    Ok(HttpResponse::NoContent().finish())
}
