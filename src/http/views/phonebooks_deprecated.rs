//! The deprecated phonebook routes, `/0.1/tenants/{tenant}/phonebooks[/{phonebook_id}[/contacts[/import|/{contact_uuid}]]]`,
//! kept for the clients of older Wazo releases. `{tenant}` is a tenant *name*, looked up with
//! wazo-auth (`GET /tenants`) in the scope of the current tenant; `{phonebook_id}` is the phonebook's
//! integer id. Same semantics as `/0.1/phonebooks`, except that the import answers 200, `limit`
//! and `offset` must be non-negative integers (0 means none) and the contact order may name any
//! field. Every error uses the legacy body; each call logs a deprecation warning.

use super::listing::legacy_json_body;
use super::listing::text_body;
use super::phonebooks::{contact_query, phonebooks_page};
use crate::access;
use crate::http::authorized::{Access, Authorized, Caller};
use crate::http::codes::Code;
use crate::http::error::ApiError;
use crate::http::list_params::{Direction, ListParams};
use crate::http::state::AppState;
use crate::resources::phonebooks::model::Phonebook;
use crate::resources::phonebooks::service::{ImportError, PhonebookError};
use actix_web::dev::Payload;
use actix_web::{delete, get, post, put, web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde_json::json;
use std::collections::HashMap;

crate::routes!(
    "/0.1/tenants" => [list_phonebooks, create_phonebook, get_phonebook, update_phonebook, delete_phonebook, list_contacts, create_contact, import_contacts, get_contact, update_contact, delete_contact],
);

access!(
    PhonebooksRead,
    "dird.tenants.{tenant}.phonebooks.read",
    Legacy
);
access!(
    PhonebooksCreate,
    "dird.tenants.{tenant}.phonebooks.create",
    Legacy
);
access!(
    PhonebookRead,
    "dird.tenants.{tenant}.phonebooks.{phonebook_id}.read",
    Legacy
);
access!(
    PhonebookUpdate,
    "dird.tenants.{tenant}.phonebooks.{phonebook_id}.update",
    Legacy
);
access!(
    PhonebookDelete,
    "dird.tenants.{tenant}.phonebooks.{phonebook_id}.delete",
    Legacy
);
access!(
    ContactsRead,
    "dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.read",
    Legacy
);
access!(
    ContactsCreate,
    "dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.create",
    Legacy
);
access!(
    ContactRead,
    "dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.{contact_uuid}.read",
    Legacy
);
access!(
    ContactUpdate,
    "dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.{contact_uuid}.update",
    Legacy
);
access!(
    ContactDelete,
    "dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.{contact_uuid}.delete",
    Legacy
);

fn warn(request: &HttpRequest) {
    tracing::warn!(
        method = %request.method(),
        path = %request.path(),
        "deprecated endpoint: use /0.1/phonebooks (by uuid) instead; this one will be removed"
    );
}

fn bad_request(reason: String) -> ApiError {
    ApiError::legacy_handmade(Code::InvalidData, reason)
}

/// The uuid of the tenant named in the path.
async fn tenant_of(caller: &Caller, name: &str) -> Result<String, ApiError> {
    caller
        .tenant_named(name)
        .await?
        .ok_or_else(|| ApiError::legacy_handmade(Code::NotFound, format!("No such tenant: {name}")))
}

/// The tenant and the phonebook named in the path. A `phonebook_id` that is not an integer names
/// no route, as in wazo-dird.
async fn phonebook_of(
    state: &AppState,
    caller: &Caller,
    tenant: &str,
    phonebook_id: &str,
) -> Result<(String, Phonebook), ApiError> {
    let id: i32 = phonebook_id.parse().map_err(|_| {
        ApiError::of(
            Code::NotFound,
            "The requested URL was not found on the server",
        )
    })?;
    let tenant = tenant_of(caller, tenant).await?;
    let phonebook = state.phonebooks.get_by_id(id, &tenant).await?;
    Ok((tenant, phonebook))
}

/// What the routes of one phonebook start with: the caller authorized by the rule `A`, the
/// deprecation logged, the tenant and the phonebook the path names (and the contact, if it does).
struct InPhonebook<A> {
    tenant: String,
    phonebook: Phonebook,
    contact: String,
    rule: std::marker::PhantomData<A>,
}

impl<A: Access> FromRequest for InPhonebook<A> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authorized = Authorized::<A>::from_request(request, payload);
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let request = request.clone();
        Box::pin(async move {
            let caller = authorized.await?;
            warn(&request);
            let path = |name: &str| {
                request
                    .match_info()
                    .get(name)
                    .unwrap_or_default()
                    .to_owned()
            };
            let state = state.ok_or_else(|| ApiError::of(Code::InternalError, "no state"))?;
            let (tenant, phonebook) =
                phonebook_of(&state, &caller, &path("tenant"), &path("phonebook_id")).await?;
            Ok(InPhonebook {
                tenant,
                phonebook,
                contact: path("contact_uuid"),
                rule: std::marker::PhantomData,
            })
        })
    }
}

/// wazo-dird's argument rules of these routes: `limit`/`offset` non-negative integers (0: none),
/// `direction` asc or desc, `order` among `orders` (any field when `None`).
fn list_args(
    query: &str,
    orders: Option<&[&str]>,
    default_order: &str,
) -> Result<ListParams, ApiError> {
    let args: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let count = |name: &str| -> Result<u64, ApiError> {
        args.get(name)
            .map_or(Ok(0), |value| value.parse::<u64>())
            .map_err(|_| bad_request(format!("{name} should be a positive integer")))
    };
    let direction = match args.get("direction").map(String::as_str) {
        None | Some("asc") => Direction::Asc,
        Some("desc") => Direction::Desc,
        Some(_) => {
            return Err(bad_request(
                "direction should be one of ['asc', 'desc', None]".into(),
            ))
        }
    };
    let order = match (args.get("order"), orders) {
        (None, _) => default_order.to_owned(),
        (Some(order), None) => order.clone(),
        (Some(order), Some(valid)) if valid.contains(&order.as_str()) => order.clone(),
        (Some(_), Some(valid)) => {
            return Err(bad_request(format!("order should be one of {valid:?}")));
        }
    };
    let limit = count("limit")?;
    Ok(ListParams {
        search: args.get("search").filter(|s| !s.is_empty()).cloned(),
        order,
        direction,
        limit: (limit > 0).then_some(limit),
        offset: count("offset")?,
        recurse: false,
        filters: HashMap::new(),
    })
}

/// The phonebooks of the named tenant.
#[utoipa::path(get, path = "/0.1/tenants/{tenant}/phonebooks", tag = "phonebooks (deprecated)",
    description = "Deprecated: use `/0.1/phonebooks`. ACL `dird.tenants.{tenant}.phonebooks.read`. `search`, order `name` or `description`, direction, limit, offset.",
    params(("tenant" = String, Path, description = "Tenant name")),
    responses((status = 200, description = "`{items, total}`", body = Object), (status = 400, description = "Invalid argument"), (status = 404, description = "No such tenant")))]
#[get("/{tenant}/phonebooks")]
async fn list_phonebooks(
    caller: Authorized<PhonebooksRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    warn(&request);
    let params = list_args(
        request.query_string(),
        Some(&["name", "description"]),
        "name",
    )?;
    let tenant = tenant_of(&caller, &path).await?;
    let phonebooks = state.phonebooks.list(&[tenant]).await?;
    Ok(HttpResponse::Ok().json(phonebooks_page(&phonebooks, &params)))
}

/// Creates a phonebook in the named tenant.
#[utoipa::path(post, path = "/0.1/tenants/{tenant}/phonebooks", tag = "phonebooks (deprecated)",
    description = "Deprecated: use `/0.1/phonebooks`. ACL `dird.tenants.{tenant}.phonebooks.create`.",
    params(("tenant" = String, Path, description = "Tenant name")), request_body(content = Object),
    responses((status = 201, description = "The phonebook", body = Object), (status = 400, description = "Invalid"), (status = 404, description = "No such tenant"), (status = 409, description = "Name used")))]
#[post("/{tenant}/phonebooks")]
async fn create_phonebook(
    caller: Authorized<PhonebooksCreate>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    warn(&request);
    let tenant = tenant_of(&caller, &path).await?;
    let created = state
        .phonebooks
        .create(&tenant, &legacy_json_body(&body)?)
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// One phonebook, by its integer id.
#[utoipa::path(get, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}", tag = "phonebooks (deprecated)",
    description = "Deprecated: use `/0.1/phonebooks/{uuid}`. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.read`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path)),
    responses((status = 200, description = "The phonebook", body = Object), (status = 404, description = "No such tenant or phonebook")))]
#[get("/{tenant}/phonebooks/{phonebook_id}")]
async fn get_phonebook(book: InPhonebook<PhonebookRead>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(book.phonebook))
}

/// Renames or redescribes a phonebook; answers 200 with it.
#[utoipa::path(put, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}", tag = "phonebooks (deprecated)",
    description = "Deprecated. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.update`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path)), request_body(content = Object),
    responses((status = 200, description = "The phonebook", body = Object), (status = 400, description = "Invalid"), (status = 404, description = "No such tenant or phonebook"), (status = 409, description = "Name used")))]
#[put("/{tenant}/phonebooks/{phonebook_id}")]
async fn update_phonebook(
    book: InPhonebook<PhonebookUpdate>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let updated = state
        .phonebooks
        .update(
            &book.phonebook.uuid,
            &book.tenant,
            &legacy_json_body(&body)?,
        )
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes a phonebook, its contacts and its sources.
#[utoipa::path(delete, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}", tag = "phonebooks (deprecated)",
    description = "Deprecated. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.delete`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such tenant or phonebook")))]
#[delete("/{tenant}/phonebooks/{phonebook_id}")]
async fn delete_phonebook(
    book: InPhonebook<PhonebookDelete>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .phonebooks
        .delete(&book.phonebook.uuid, &book.tenant)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The contacts of a phonebook: `search` in any value, `order` by any field.
#[utoipa::path(get, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}/contacts", tag = "phonebooks (deprecated)",
    description = "Deprecated. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.read`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path)),
    responses((status = 200, description = "`{items, total}`", body = Object), (status = 400, description = "Invalid argument"), (status = 404, description = "No such tenant or phonebook")))]
#[get("/{tenant}/phonebooks/{phonebook_id}/contacts")]
async fn list_contacts(
    caller: Authorized<ContactsRead>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    warn(&request);
    let params = list_args(request.query_string(), None, "")?;
    let (tenant, id) = path.into_inner();
    let (tenant, phonebook) = phonebook_of(&state, &caller, &tenant, &id).await?;
    let page = state
        .phonebooks
        .contacts(&phonebook.uuid, &tenant, &contact_query(&params))
        .await?;
    Ok(HttpResponse::Ok().json(json!({"items": page.items, "total": page.filtered})))
}

/// Adds a contact.
#[utoipa::path(post, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}/contacts", tag = "phonebooks (deprecated)",
    description = "Deprecated. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.create`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path)), request_body(content = Object),
    responses((status = 201, description = "The contact", body = Object), (status = 400, description = "Invalid"), (status = 404, description = "No such tenant or phonebook"), (status = 409, description = "Duplicate")))]
#[post("/{tenant}/phonebooks/{phonebook_id}/contacts")]
async fn create_contact(
    book: InPhonebook<ContactsCreate>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let contact = state
        .phonebooks
        .create_contact(
            &book.phonebook.uuid,
            &book.tenant,
            &legacy_json_body(&body)?,
        )
        .await?;
    Ok(HttpResponse::Created().json(contact))
}

/// Imports contacts from CSV; answers 200 (the new route answers 201).
#[utoipa::path(post, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}/contacts/import", tag = "phonebooks (deprecated)",
    description = "Deprecated. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.create`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "`{created, failed: []}`", body = Object), (status = 400, description = "`phonebook-contact-import-*`"), (status = 404, description = "No such tenant or phonebook")))]
#[post("/{tenant}/phonebooks/{phonebook_id}/contacts/import")]
async fn import_contacts(
    book: InPhonebook<ContactsCreate>,
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let text = text_body(&request, &body)
        .map_err(|charset| PhonebookError::Import(ImportError::BadEncoding(charset)))?;
    let created = state
        .phonebooks
        .import(&book.phonebook.uuid, &book.tenant, &text)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"created": created, "failed": []})))
}

/// One contact.
#[utoipa::path(get, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}/contacts/{contact_uuid}", tag = "phonebooks (deprecated)",
    description = "Deprecated. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.{contact_uuid}.read`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path), ("contact_uuid" = String, Path)),
    responses((status = 200, description = "The contact", body = Object), (status = 404, description = "No such tenant, phonebook or contact")))]
#[get("/{tenant}/phonebooks/{phonebook_id}/contacts/{contact_uuid}")]
async fn get_contact(
    book: InPhonebook<ContactRead>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let contact = state
        .phonebooks
        .contact(&book.phonebook.uuid, &book.tenant, &book.contact)
        .await?;
    Ok(HttpResponse::Ok().json(contact))
}

/// Replaces a contact's fields; answers 200 with it.
#[utoipa::path(put, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}/contacts/{contact_uuid}", tag = "phonebooks (deprecated)",
    description = "Deprecated. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.{contact_uuid}.update`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path), ("contact_uuid" = String, Path)), request_body(content = Object),
    responses((status = 200, description = "The contact", body = Object), (status = 400, description = "Invalid"), (status = 404, description = "No such tenant, phonebook or contact"), (status = 409, description = "Duplicate")))]
#[put("/{tenant}/phonebooks/{phonebook_id}/contacts/{contact_uuid}")]
async fn update_contact(
    book: InPhonebook<ContactUpdate>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body = legacy_json_body(&body)?;
    let updated = state
        .phonebooks
        .update_contact(&book.phonebook.uuid, &book.tenant, &book.contact, &body)
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes a contact.
#[utoipa::path(delete, path = "/0.1/tenants/{tenant}/phonebooks/{phonebook_id}/contacts/{contact_uuid}", tag = "phonebooks (deprecated)",
    description = "Deprecated. ACL `dird.tenants.{tenant}.phonebooks.{phonebook_id}.contacts.{contact_uuid}.delete`.",
    params(("tenant" = String, Path), ("phonebook_id" = i32, Path), ("contact_uuid" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such tenant, phonebook or contact")))]
#[delete("/{tenant}/phonebooks/{phonebook_id}/contacts/{contact_uuid}")]
async fn delete_contact(
    book: InPhonebook<ContactDelete>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .phonebooks
        .delete_contact(&book.phonebook.uuid, &book.tenant, &book.contact)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_follow_wazo_dirds_deprecated_rules() {
        let params = list_args(
            "limit=0&offset=2&direction=desc&search=x",
            Some(&["name"]),
            "name",
        )
        .expect("valid");
        assert_eq!(
            (params.limit, params.offset, params.direction),
            (None, 2, Direction::Desc)
        );
        assert_eq!(
            (params.order.as_str(), params.search.as_deref()),
            ("name", Some("x"))
        );
        for query in [
            "limit=-1",
            "offset=True",
            "limit=3.14",
            "direction=up",
            "order=0",
        ] {
            assert!(
                list_args(query, Some(&["name"]), "name").is_err(),
                "{query}"
            );
        }
        assert_eq!(
            list_args("order=mobile", None, "")
                .expect("any field")
                .order,
            "mobile"
        );
    }
}
