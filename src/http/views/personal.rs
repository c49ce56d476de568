//! Personal contacts of the token's user: `/0.1/personal` and `/0.1/personal/{contact_id}` (legacy
//! error bodies, wazo-dird's codes: POST 201, PUT 200 with the contact, DELETE 204).

use super::listing::{legacy_json_body, text_body};
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::codes::Code;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::resources::personal::{to_body, Contact};
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

crate::routes!(
    "/0.1/personal" => [list_personal, create_personal, import_personal, purge_personal, get_personal, update_personal, delete_personal],
);

access!(PersonalRead, "dird.personal.read", Legacy);
access!(PersonalCreate, "dird.personal.create", Legacy);
access!(PersonalPurge, "dird.personal.delete", Legacy);
access!(PersonalImport, "dird.personal.import.create", Legacy);
access!(ContactRead, "dird.personal.{contact_id}.read", Legacy);
access!(ContactUpdate, "dird.personal.{contact_id}.update", Legacy);
access!(ContactDelete, "dird.personal.{contact_id}.delete", Legacy);

fn bad_request(reason: &str) -> ApiError {
    ApiError::legacy_handmade(Code::InvalidData, reason.to_owned())
}

/// A bad list argument: wazo-dird answers its message as a bare string (`reason` is not a list here).
fn bad_argument(reason: String) -> ApiError {
    ApiError::raw(
        Code::InvalidData,
        json!({"reason": reason, "timestamp": [crate::http::error::now()], "status_code": 400}),
    )
}

/// An integer argument as Python's `int()` reads it, with its error text.
fn python_int(raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| bad_argument(format!("invalid literal for int() with base 10: '{raw}'")))
}

/// Sorts (case- and accent-insensitively by `order`) and pages the contacts as the query asks,
/// refusing bad arguments with wazo-dird's messages.
fn arrange(
    mut contacts: Vec<Contact>,
    query: &HashMap<String, String>,
) -> Result<Vec<Contact>, ApiError> {
    let offset = match query.get("offset") {
        None => 0,
        Some(raw) => usize::try_from(python_int(raw)?)
            .map_err(|_| bad_argument("offset must be positive number".into()))?,
    };
    let limit = match query.get("limit") {
        None => None,
        Some(raw) => Some(
            usize::try_from(python_int(raw)?)
                .ok()
                .filter(|l| *l > 0)
                .ok_or_else(|| bad_argument("limit must be a positive number".into()))?,
        ),
    };
    let descending = match query.get("direction").map(String::as_str) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(bad_argument("direction must be asc or desc".into())),
    };
    if let Some(order) = query.get("order").filter(|o| !o.is_empty()) {
        if !contacts.is_empty() && !contacts.iter().any(|c| c.contains_key(order)) {
            return Err(bad_argument(format!(
                "order: column '{order}' was not found"
            )));
        }
        crate::text::sort_by_field(&mut contacts, |c| c.get(order).map(String::as_str));
        if descending {
            contacts.reverse();
        }
    }
    Ok(contacts
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .collect())
}

/// The CSV export: the sorted union of the keys as header, missing values empty.
fn to_csv(contacts: &[Contact]) -> Result<Vec<u8>, ApiError> {
    let header: Vec<&String> = contacts
        .iter()
        .flat_map(|c| c.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Python's csv module ends lines with CRLF: an export re-imports as it is.
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let failed = |e: csv::Error| ApiError::of(Code::ExportFailed, e.to_string());
    writer.write_record(&header).map_err(failed)?;
    for contact in contacts {
        writer
            .write_record(
                header
                    .iter()
                    .map(|key| contact.get(*key).map(String::as_str).unwrap_or("")),
            )
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|e| ApiError::of(Code::ExportFailed, e.to_string()))
}

/// Every personal contact of the token's user; `format=text/csv` (or a `text/csv` Content-Type)
/// exports them as CSV (204 when there is none).
#[utoipa::path(
    get, path = "/0.1/personal", tag = "personal",
    description = "ACL `dird.personal.read`. `order` (any field, case- and accent-insensitive), `direction`, `limit` (> 0), `offset`, `format` (`application/json` or `text/csv`).",
    responses((status = 200, description = "`{items}` or CSV", body = Object), (status = 204, description = "CSV export of no contact"), (status = 400, description = "Bad parameter"))
)]
#[get("")]
async fn list_personal(
    caller: Authorized<PersonalRead>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let user = caller.required_user_uuid().await?;
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(request.query_string().as_bytes())
            .into_owned()
            .collect();
    let content_type = request
        .headers()
        .get("Content-Type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_owned());
    let format = content_type
        .filter(|t| !t.is_empty())
        .or_else(|| query.get("format").cloned())
        .unwrap_or_else(|| "application/json".into());
    let contacts = arrange(state.personal.list(&user).await?, &query)?;
    if format == "text/csv" {
        if contacts.is_empty() {
            return Ok(HttpResponse::NoContent().finish());
        }
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(to_csv(&contacts)?));
    }
    Ok(HttpResponse::Ok().json(json!({"items": contacts.iter().map(to_body).collect::<Vec<_>>()})))
}

/// Creates a personal contact (an object of strings; `id` becomes its id).
#[utoipa::path(
    post, path = "/0.1/personal", tag = "personal",
    description = "ACL `dird.personal.create`.",
    request_body(content = Object),
    responses((status = 201, description = "The contact", body = Object), (status = 400, description = "Not an object of strings"), (status = 409, description = "An identical contact exists"))
)]
#[post("")]
async fn create_personal(
    caller: Authorized<PersonalCreate>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let user = caller.required_user_uuid().await?;
    let body = legacy_json_body(&body)?;
    let contact = state
        .personal
        .create(&caller.tenant_uuid, &user, &body)
        .await?;
    Ok(HttpResponse::Created().json(to_body(&contact)))
}

/// Imports personal contacts from CSV (`text/csv`, charset from the Content-Type, UTF-8 by default;
/// ISO-8859-1 and CP1252 among others).
#[utoipa::path(
    post, path = "/0.1/personal/import", tag = "personal",
    description = "ACL `dird.personal.import.create`. The header row names the fields.",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, description = "`{created, failed: [{line, errors}]}`", body = Object), (status = 400, description = "Nothing imported, or undecodable"))
)]
#[post("/import")]
async fn import_personal(
    caller: Authorized<PersonalImport>,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let user = caller.required_user_uuid().await?;
    let text = text_body(&request, &body)
        .map_err(|charset| bad_request(&format!("the body is not valid {charset}")))?;
    let report = state
        .personal
        .import(&caller.tenant_uuid, &user, &text)
        .await?;
    Ok(HttpResponse::Created().json(json!({"created": report.created.iter().map(to_body).collect::<Vec<_>>(), "failed": report.failed})))
}

/// Deletes every personal contact of the token's user.
#[utoipa::path(delete, path = "/0.1/personal", tag = "personal", description = "ACL `dird.personal.delete`.", responses((status = 204, description = "Purged")))]
#[delete("")]
async fn purge_personal(
    caller: Authorized<PersonalPurge>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.required_user_uuid().await?;
    state.personal.purge(&caller.tenant_uuid, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One personal contact.
#[utoipa::path(
    get, path = "/0.1/personal/{contact_id}", tag = "personal", description = "ACL `dird.personal.{contact_id}.read`.",
    params(("contact_id" = String, Path)),
    responses((status = 200, description = "The contact", body = Object), (status = 404, description = "No such contact"))
)]
#[get("/{contact_id}")]
async fn get_personal(
    caller: Authorized<ContactRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.required_user_uuid().await?;
    let contact = state.personal.get(&user, &path).await?;
    Ok(HttpResponse::Ok().json(to_body(&contact)))
}

/// Replaces every field of a personal contact (it keeps its id).
#[utoipa::path(
    put, path = "/0.1/personal/{contact_id}", tag = "personal", description = "ACL `dird.personal.{contact_id}.update`.",
    params(("contact_id" = String, Path)), request_body(content = Object),
    responses((status = 200, description = "The contact", body = Object), (status = 400, description = "Invalid"), (status = 404, description = "No such contact"), (status = 409, description = "Would duplicate another contact"))
)]
#[put("/{contact_id}")]
async fn update_personal(
    caller: Authorized<ContactUpdate>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let user = caller.required_user_uuid().await?;
    let body = legacy_json_body(&body)?;
    let contact = state
        .personal
        .update(&caller.tenant_uuid, &user, &path, &body)
        .await?;
    Ok(HttpResponse::Ok().json(to_body(&contact)))
}

/// Deletes a personal contact.
#[utoipa::path(
    delete, path = "/0.1/personal/{contact_id}", tag = "personal", description = "ACL `dird.personal.{contact_id}.delete`.",
    params(("contact_id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such contact"))
)]
#[delete("/{contact_id}")]
async fn delete_personal(
    caller: Authorized<ContactDelete>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = caller.required_user_uuid().await?;
    state
        .personal
        .delete(&caller.tenant_uuid, &user, &path)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
