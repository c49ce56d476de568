//! The routes of a catalog resource stored in the database (displays, profiles), once: each view
//! extracts its caller, path and body, then hands them here with the resource's service and how
//! an item reads as a body.

use super::listing;
use crate::http::authorized::{Access, Authorized};
use crate::http::error::ApiError;
use crate::http::list_params::{ListParams, ListSpec};
use crate::resources::records::{Record, Records};
use crate::resources::ResourceError;
use actix_web::HttpResponse;
use serde_json::Value;

/// Sorted by name, filtered by exact uuid or name, searched in the name.
const SPEC: ListSpec<'static> = ListSpec {
    sort_columns: &["name"],
    filter_columns: &["uuid", "name"],
};

/// `GET /0.1/<resource>`: `{total, filtered, items}` of the caller's tenants.
pub async fn list<A: Access, T: Record>(
    caller: &Authorized<A>,
    records: &Records<T>,
    query: &str,
    body: impl Fn(&T) -> Value,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(query, SPEC)?;
    let tenants = caller.tenants(params.recurse).await?;
    let items = records
        .list(&tenants)
        .iter()
        .map(|item| body(item))
        .collect();
    Ok(HttpResponse::Ok().json(listing::respond(items, &params, &["name"])))
}

/// `GET /0.1/<resource>/{uuid}`.
pub async fn get<A: Access, T: Record>(
    caller: &Authorized<A>,
    records: &Records<T>,
    uuid: String,
    body: impl Fn(&T) -> Value,
) -> Result<HttpResponse, ApiError> {
    let tenants = caller.tenants(true).await?;
    let item = records
        .get(&uuid, &tenants)
        .ok_or(ResourceError::NotFound {
            resource: T::RESOURCE,
            uuid,
        })?;
    Ok(HttpResponse::Ok().json(body(&item)))
}

/// `PUT /0.1/<resource>/{uuid}`: 204.
pub async fn update<A: Access, T: Record>(
    caller: &Authorized<A>,
    records: &Records<T>,
    uuid: &str,
    body: &[u8],
) -> Result<HttpResponse, ApiError> {
    let body = listing::json_body(body)?;
    let tenants = caller.tenants(true).await?;
    records.update(uuid, &tenants, &body).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /0.1/<resource>/{uuid}`: 204.
pub async fn delete<A: Access, T: Record>(
    caller: &Authorized<A>,
    records: &Records<T>,
    uuid: &str,
) -> Result<HttpResponse, ApiError> {
    let tenants = caller.tenants(true).await?;
    records.delete(uuid, &tenants).await?;
    Ok(HttpResponse::NoContent().finish())
}
