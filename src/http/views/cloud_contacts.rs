//! What `google_contacts.rs` and `office365_contacts.rs` share. Their routes,
//! `GET /0.1/backends/{google,office365}/sources/{source_uuid}/contacts`, list the calling user's own
//! Google or Microsoft 365 contacts through a source of the current tenant, from the same
//! address book lookups read (`backends::cloud`). Google's items are wazo-dird's fields; Microsoft's
//! are Graph's contacts as Graph gives them. `search` (any field), `order`, `direction`, `limit`,
//! `offset`; `total` and `filtered` both count the contacts matching the search, as wazo-dird's.

use crate::backends::cloud::book::{Book, FetchError};
use crate::backends::cloud::{self, office365, CloudHub};
use crate::backends::{Context, Deps, RawContact, SourceSpec};
use crate::http::authorized::Caller;
use crate::http::error::ApiError;
use crate::http::list_params::{Direction, ListParams};
use crate::http::state::AppState;
use crate::resources::ResourceError;
use actix_web::http::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

/// `{total, filtered, items}`: the contacts matching `search`, sorted by `field`, paged.
pub(super) fn page(
    book: &[RawContact],
    params: &ListParams,
    field: &str,
    item: impl Fn(&RawContact) -> Value,
) -> Value {
    let mut found = match &params.search {
        Some(term) => cloud::anywhere(book, term),
        None => book.to_vec(),
    };
    crate::text::sort_by_field(&mut found, |c| c.fields.get(field).and_then(Value::as_str));
    if params.direction == Direction::Desc {
        found.reverse();
    }
    let total = found.len();
    let items: Vec<Value> = params.paginate(found).iter().map(item).collect();
    json!({"total": total, "filtered": total, "items": items})
}

/// The caller's address book through the source `uuid` of `backend` in the current tenant.
pub(super) async fn address_book(
    caller: &Caller,
    state: &AppState,
    backend: &str,
    uuid: &str,
) -> Result<Book, ApiError> {
    let source = state
        .directory
        .sources
        .get(uuid, std::slice::from_ref(&caller.tenant_uuid))
        .filter(|s| s.backend == backend)
        .ok_or_else(|| -> ApiError {
            ResourceError::NotFound {
                resource: "sources",
                uuid: uuid.to_owned(),
            }
            .into()
        })?;
    let user = caller.user_uuid().await?.unwrap_or_default();
    let provider = if backend == "google" {
        "google"
    } else {
        "microsoft"
    };
    let no_token = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no-token-found",
            format!("No {provider} token found."),
        )
        .details(json!({"user_uuid": user}))
    };
    if user.is_empty() {
        return Err(no_token());
    }
    let spec: Arc<SourceSpec> = source;
    let deps: Deps = state.directory.engine.deps();
    let books = match deps
        .cloud
        .held(&spec.uuid)
        .filter(|b| b.spec() == spec.as_ref())
    {
        Some(books) => books,
        None => {
            let provider = if backend == "google" {
                &cloud::google::PROVIDER
            } else {
                &office365::PROVIDER
            };
            let fetcher = cloud::fetcher(&deps, provider)
                .await
                .map_err(|e| unexpected(&spec, &e))?;
            CloudHub::books(&deps.cloud, &spec, &deps.confd, fetcher)
        }
    };
    let context = Context {
        token: Some(caller.token.clone()),
        user_uuid: Some(user.clone()),
        tenant_uuid: caller.tenant_uuid.clone(),
    };
    let book = match books.get(&context).await {
        Ok(book) => book,
        // As wazo-dird: wazo-auth not giving the token reads as "no token"; Google failing as an
        // empty book; Microsoft Graph failing as a 503.
        Err(FetchError::Auth(error)) => {
            tracing::warn!(source = %spec.name, %error, "could not read the user's external token");
            return Err(no_token());
        }
        Err(FetchError::Provider(error)) if backend == "google" => {
            tracing::warn!(source = %spec.name, %error, "could not read an address book");
            return Ok(Book::default());
        }
        Err(FetchError::Provider(error)) => return Err(unexpected(&spec, &error)),
    };
    if book.is_empty() && books.has_no_account(&user) {
        return Err(no_token());
    }
    Ok(book)
}

/// wazo-dird's answer when the provider (or wazo-auth) fails.
fn unexpected(spec: &SourceSpec, error: &str) -> ApiError {
    tracing::warn!(source = %spec.name, %error, "could not read an address book");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unexpected-endpoint-error",
        "Unexpected endpoint error.",
    )
    .details(json!({"endpoint": spec.extra_fields.get("endpoint").cloned().unwrap_or(Value::Null)}))
}
