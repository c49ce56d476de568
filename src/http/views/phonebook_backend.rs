//! The phonebook backend's own route: `GET /0.1/backends/phonebook/sources/{source_uuid}/contacts`,
//! the contacts of a phonebook source's phonebook, searched, sorted and paged by the database. The
//! source CRUD is the generic one (`sources.rs`).

use super::phonebooks::contact_query;
use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::list_params::{ListParams, ListSpec};
use crate::http::state::AppState;
use crate::resources::phonebooks::service::PhonebookError;
use crate::resources::ResourceError;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

crate::routes!(
    "/0.1/backends" => [list_source_contacts],
);

access!(
    SourceContactsRead,
    "dird.backends.phonebook.sources.{source_uuid}.contacts.read",
    New
);

/// The contacts of a phonebook source's phonebook: `{total, filtered, items}`.
#[utoipa::path(get, path = "/0.1/backends/phonebook/sources/{source_uuid}/contacts", tag = "sources",
    description = "ACL `dird.backends.phonebook.sources.{source_uuid}.contacts.read`. `search` in any value; order `firstname`, `lastname` or `number`; limit, offset. The source is looked for in the current tenant only.",
    params(("source_uuid" = String, Path)),
    responses((status = 200, description = "`{total, filtered, items}`", body = Object), (status = 404, description = "unknown-source, unknown-phonebook")))]
#[get("/phonebook/sources/{source_uuid}/contacts")]
async fn list_source_contacts(
    caller: Authorized<SourceContactsRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    const SPEC: ListSpec<'static> = ListSpec {
        sort_columns: &["firstname", "lastname", "number"],
        filter_columns: &[],
    };
    let params = ListParams::parse(request.query_string(), SPEC)?;
    let tenants = [caller.tenant_uuid.clone()];
    let source = state
        .sources
        .phonebook_source(&path, &tenants)
        .ok_or_else(|| ResourceError::NotFound {
            resource: "sources",
            uuid: path.clone(),
        })?;
    let phonebook = source
        .extra_fields
        .get("phonebook_uuid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let unknown = || ResourceError::UnknownPhonebook {
        uuid: phonebook.to_owned(),
        tenant_uuid: caller.tenant_uuid.clone(),
    };
    let page = match state
        .phonebooks
        .contacts(phonebook, &caller.tenant_uuid, &contact_query(&params))
        .await
    {
        Ok(page) => page,
        Err(PhonebookError::NoSuchPhonebook(_)) => return Err(unknown().into()),
        Err(PhonebookError::Resource(error)) => return Err(error.into()),
        Err(other) => return Err(other.into()),
    };
    Ok(HttpResponse::Ok()
        .json(json!({"total": page.total, "filtered": page.filtered, "items": page.items})))
}
