//! Company phonebooks: `/0.1/phonebooks[/{phonebook_uuid}[/contacts[/{contact_uuid}]]]`. The tenant is
//! `Wazo-Tenant` or the token's; item routes do not recurse. PUT answers 200 with the body
//! (wazo-dird's behaviour). The routes' own errors use the legacy body, as wazo-dird's.

use super::listing::{legacy_json_body, text_body};
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::{ApiError, ErrorStyle};
use crate::http::list_params::{Direction, ListParams, ListSpec};
use crate::http::state::AppState;
use crate::resources::phonebooks::model::Phonebook;
use crate::resources::phonebooks::service::{ContactQuery, ImportError, PhonebookError};
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

crate::routes!(
    "/0.1/phonebooks" => [list_phonebooks, create_phonebook, get_phonebook, update_phonebook, delete_phonebook, list_contacts, create_contact, import_contacts, get_contact, update_contact, delete_contact],
);

access!(PhonebooksRead, "dird.phonebooks.read", New);
access!(PhonebooksCreate, "dird.phonebooks.create", New);
access!(PhonebookRead, "dird.phonebooks.{phonebook_uuid}.read", New);
access!(
    PhonebookUpdate,
    "dird.phonebooks.{phonebook_uuid}.update",
    New
);
access!(
    PhonebookDelete,
    "dird.phonebooks.{phonebook_uuid}.delete",
    New
);
access!(
    ContactsRead,
    "dird.phonebooks.{phonebook_uuid}.contacts.read",
    New
);
access!(
    ContactsCreate,
    "dird.phonebooks.{phonebook_uuid}.contacts.create",
    New
);
access!(
    ContactRead,
    "dird.phonebooks.{phonebook_uuid}.contacts.{contact_uuid}.read",
    New
);
access!(
    ContactUpdate,
    "dird.phonebooks.{phonebook_uuid}.contacts.{contact_uuid}.update",
    New
);
access!(
    ContactDelete,
    "dird.phonebooks.{phonebook_uuid}.contacts.{contact_uuid}.delete",
    New
);

/// `{items, total}` with `total` counting the matches, as wazo-dird's phonebook lists.
fn page(
    mut items: Vec<Value>,
    params: &ListParams,
    matches: impl Fn(&Value, &str) -> bool,
) -> Value {
    if let Some(search) = params.search.as_deref().map(str::to_lowercase) {
        items.retain(|item| matches(item, &search));
    }
    items.sort_by_cached_key(|item| {
        item[&params.order]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
    });
    if params.direction == Direction::Desc {
        items.reverse();
    }
    let total = items.len();
    json!({"items": params.paginate(items), "total": total})
}

/// The phonebooks of the tenant (and its sub-tenants with `recurse`).
#[utoipa::path(get, path = "/0.1/phonebooks", tag = "phonebooks", description = "ACL `dird.phonebooks.read`. `search` in the name and description; order `name` or `description`.",
    responses((status = 200, description = "`{items, total}`", body = Object)))]
#[get("")]
async fn list_phonebooks(
    caller: Authorized<PhonebooksRead>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    const SPEC: ListSpec<'static> = ListSpec {
        sort_columns: &["name", "description"],
        filter_columns: &[],
    };
    let params = ListParams::parse(request.query_string(), SPEC)
        .map_err(|e| e.styled(ErrorStyle::Legacy))?;
    let tenants = caller.tenants(params.recurse).await?;
    let phonebooks = state.phonebooks.list(&tenants).await?;
    Ok(HttpResponse::Ok().json(phonebooks_page(&phonebooks, &params)))
}

/// `{items, total}`: phonebooks whose name or description contains `search`, sorted and paged.
pub(super) fn phonebooks_page(phonebooks: &[Phonebook], params: &ListParams) -> Value {
    let items = phonebooks.iter().map(|p| json!(p)).collect();
    page(items, params, |item, search| {
        ["name", "description"].iter().any(|key| {
            item[*key]
                .as_str()
                .is_some_and(|v| v.to_lowercase().contains(search))
        })
    })
}

/// Creates a phonebook in the tenant.
#[utoipa::path(post, path = "/0.1/phonebooks", tag = "phonebooks", description = "ACL `dird.phonebooks.create`. `{name (1..255), description}`.",
    request_body(content = Object), responses((status = 201, description = "The phonebook", body = Object), (status = 400, description = "Invalid"), (status = 409, description = "Name used in the tenant")))]
#[post("")]
async fn create_phonebook(
    caller: Authorized<PhonebooksCreate>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let created = state
        .phonebooks
        .create(&caller.tenant_uuid, &legacy_json_body(&body)?)
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// One phonebook.
#[utoipa::path(get, path = "/0.1/phonebooks/{phonebook_uuid}", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.read`.",
    params(("phonebook_uuid" = String, Path)), responses((status = 200, description = "The phonebook", body = Object), (status = 404, description = "No such phonebook")))]
#[get("/{phonebook_uuid}")]
async fn get_phonebook(
    caller: Authorized<PhonebookRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(state.phonebooks.get(&path, &caller.tenant_uuid).await?))
}

/// Renames or redescribes a phonebook; answers 200 with it.
#[utoipa::path(put, path = "/0.1/phonebooks/{phonebook_uuid}", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.update`.",
    params(("phonebook_uuid" = String, Path)), request_body(content = Object), responses((status = 200, description = "The phonebook", body = Object), (status = 404, description = "No such phonebook"), (status = 409, description = "Name used")))]
#[put("/{phonebook_uuid}")]
async fn update_phonebook(
    caller: Authorized<PhonebookUpdate>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let updated = state
        .phonebooks
        .update(&path, &caller.tenant_uuid, &legacy_json_body(&body)?)
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes a phonebook, its contacts and its sources.
#[utoipa::path(delete, path = "/0.1/phonebooks/{phonebook_uuid}", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.delete`.",
    params(("phonebook_uuid" = String, Path)), responses((status = 204, description = "Deleted"), (status = 404, description = "No such phonebook")))]
#[delete("/{phonebook_uuid}")]
async fn delete_phonebook(
    caller: Authorized<PhonebookDelete>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.phonebooks.delete(&path, &caller.tenant_uuid).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The contacts of a phonebook: `search` in any value, order `firstname`, `lastname` or `name` (case-insensitive).
#[utoipa::path(get, path = "/0.1/phonebooks/{phonebook_uuid}/contacts", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.contacts.read`.",
    params(("phonebook_uuid" = String, Path)), responses((status = 200, description = "`{items, total}`", body = Object), (status = 404, description = "No such phonebook")))]
#[get("/{phonebook_uuid}/contacts")]
async fn list_contacts(
    caller: Authorized<ContactsRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    const SPEC: ListSpec<'static> = ListSpec {
        sort_columns: &["name", "firstname", "lastname"],
        filter_columns: &[],
    };
    let params = ListParams::parse(request.query_string(), SPEC)
        .map_err(|e| e.styled(ErrorStyle::Legacy))?;
    let page = state
        .phonebooks
        .contacts(&path, &caller.tenant_uuid, &contact_query(&params))
        .await?;
    Ok(HttpResponse::Ok().json(json!({"items": page.items, "total": page.filtered})))
}

pub(super) fn contact_query(params: &ListParams) -> ContactQuery<'_> {
    ContactQuery {
        search: params.search.as_deref(),
        order: &params.order,
        descending: params.direction == Direction::Desc,
        limit: params.limit,
        offset: params.offset,
    }
}

/// Adds a contact (any fields; `id` ignored).
#[utoipa::path(post, path = "/0.1/phonebooks/{phonebook_uuid}/contacts", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.contacts.create`.",
    params(("phonebook_uuid" = String, Path)), request_body(content = Object), responses((status = 201, description = "The contact", body = Object), (status = 400, description = "Invalid"), (status = 404, description = "No such phonebook"), (status = 409, description = "Duplicate")))]
#[post("/{phonebook_uuid}/contacts")]
async fn create_contact(
    caller: Authorized<ContactsCreate>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let contact = state
        .phonebooks
        .create_contact(&path, &caller.tenant_uuid, &legacy_json_body(&body)?)
        .await?;
    Ok(HttpResponse::Created().json(contact))
}

/// Imports contacts from CSV (`text/csv`, charset from the Content-Type): all or nothing, contacts
/// already there skipped.
#[utoipa::path(post, path = "/0.1/phonebooks/{phonebook_uuid}/contacts/import", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.contacts.create`.",
    params(("phonebook_uuid" = String, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 201, description = "`{created, failed: []}`", body = Object), (status = 400, description = "`phonebook-contact-import-*`"), (status = 404, description = "No such phonebook")))]
#[post("/{phonebook_uuid}/contacts/import")]
async fn import_contacts(
    caller: Authorized<ContactsCreate>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let text = text_body(&request, &body)
        .map_err(|charset| PhonebookError::Import(ImportError::BadEncoding(charset)))?;
    let created = state
        .phonebooks
        .import(&path, &caller.tenant_uuid, &text)
        .await?;
    Ok(HttpResponse::Created().json(json!({"created": created, "failed": []})))
}

/// One contact.
#[utoipa::path(get, path = "/0.1/phonebooks/{phonebook_uuid}/contacts/{contact_uuid}", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.contacts.{contact_uuid}.read`.",
    params(("phonebook_uuid" = String, Path), ("contact_uuid" = String, Path)), responses((status = 200, description = "The contact", body = Object), (status = 404, description = "No such phonebook or contact")))]
#[get("/{phonebook_uuid}/contacts/{contact_uuid}")]
async fn get_contact(
    caller: Authorized<ContactRead>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (phonebook, contact) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        state
            .phonebooks
            .contact(&phonebook, &caller.tenant_uuid, &contact)
            .await?,
    ))
}

/// Replaces a contact's fields; answers 200 with it.
#[utoipa::path(put, path = "/0.1/phonebooks/{phonebook_uuid}/contacts/{contact_uuid}", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.contacts.{contact_uuid}.update`.",
    params(("phonebook_uuid" = String, Path), ("contact_uuid" = String, Path)), request_body(content = Object), responses((status = 200, description = "The contact", body = Object), (status = 404, description = "No such contact"), (status = 409, description = "Duplicate")))]
#[put("/{phonebook_uuid}/contacts/{contact_uuid}")]
async fn update_contact(
    caller: Authorized<ContactUpdate>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (phonebook, contact) = path.into_inner();
    let updated = state
        .phonebooks
        .update_contact(
            &phonebook,
            &caller.tenant_uuid,
            &contact,
            &legacy_json_body(&body)?,
        )
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes a contact.
#[utoipa::path(delete, path = "/0.1/phonebooks/{phonebook_uuid}/contacts/{contact_uuid}", tag = "phonebooks", description = "ACL `dird.phonebooks.{phonebook_uuid}.contacts.{contact_uuid}.delete`.",
    params(("phonebook_uuid" = String, Path), ("contact_uuid" = String, Path)), responses((status = 204, description = "Deleted"), (status = 404, description = "No such contact")))]
#[delete("/{phonebook_uuid}/contacts/{contact_uuid}")]
async fn delete_contact(
    caller: Authorized<ContactDelete>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (phonebook, contact) = path.into_inner();
    state
        .phonebooks
        .delete_contact(&phonebook, &caller.tenant_uuid, &contact)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
