//! The contacts routes of the google and office365 sources
//! (`GET /0.1/backends/{google,office365}/sources/{uuid}/contacts`): the calling user's own address
//! book, from the same books lookups read, searched in any field, sorted and paged. Google's items
//! are wazo-dird's fields; Microsoft's are Graph's contacts as Graph gives them. `total` and
//! `filtered` both count the contacts matching the search, as wazo-dird's.

use super::book::{Book, FetchError};
use super::google::Google;
use super::office365::{self, Office365};
use super::{fetcher, CloudHub};
use crate::backends::{BackendKind, Context, Deps, RawContact, SourceSpec};
use serde_json::Value;
use std::sync::Arc;

/// Why a user's address book could not be listed, as wazo-dird answers it.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// No user, no account with the provider, or wazo-auth would not give its token
    /// (wazo-dird's 404 `no-token-found`).
    #[error("No {provider} token found.")]
    NoToken {
        provider: &'static str,
        user_uuid: String,
    },
    /// The provider (Microsoft Graph) or wazo-auth failed (wazo-dird's 503
    /// `unexpected-endpoint-error`), with the source's `endpoint`.
    #[error("Unexpected endpoint error.")]
    Unexpected { endpoint: Value },
}

/// A page of an address book: the contacts matching the search, their count, the page's items.
#[derive(Debug)]
pub struct Listed {
    pub total: usize,
    pub items: Vec<Value>,
}

/// How the route sorts and pages.
#[derive(Debug, Clone, Default)]
pub struct Paging {
    pub search: Option<String>,
    /// The route's `order` (`name`; office365 also `firstname`, `lastname`).
    pub order: String,
    pub descending: bool,
    pub offset: usize,
    pub limit: Option<usize>,
}

/// Whose address books a source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Google,
    Microsoft,
}

impl Provider {
    /// The provider of `source`'s kind, if it reads users' address books.
    pub fn of(source: &SourceSpec) -> Option<Provider> {
        match source.backend.as_str() {
            Google::NAME => Some(Provider::Google),
            Office365::NAME => Some(Provider::Microsoft),
            _ => None,
        }
    }

    fn fetching(self) -> &'static super::Provider {
        match self {
            Provider::Google => &super::google::PROVIDER,
            Provider::Microsoft => &office365::PROVIDER,
        }
    }
}

/// The caller's (`context.user_uuid`) address book through `source`, a page of it.
pub async fn list(
    deps: &Deps,
    source: &Arc<SourceSpec>,
    provider: Provider,
    context: &Context,
    paging: &Paging,
) -> Result<Listed, ListError> {
    let book = address_book(deps, source, context, provider).await?;
    let (field, item): (&str, fn(&RawContact) -> Value) = match provider {
        Provider::Google => ("name", |contact| Value::Object(contact.fields.clone())),
        Provider::Microsoft => {
            let field = match paging.order.as_str() {
                "firstname" => "givenName",
                "lastname" => "surname",
                _ => "displayName",
            };
            (field, office365::as_graph_gave_it)
        }
    };
    Ok(page(&book, paging, field, item))
}

/// The contacts matching the search, sorted by `field`, paged.
fn page(
    book: &[RawContact],
    paging: &Paging,
    field: &str,
    item: fn(&RawContact) -> Value,
) -> Listed {
    let mut found = match &paging.search {
        Some(term) => super::anywhere(book, term),
        None => book.to_vec(),
    };
    crate::text::sort_by_field(&mut found, |c| c.fields.get(field).and_then(Value::as_str));
    if paging.descending {
        found.reverse();
    }
    let total = found.len();
    let items = found
        .iter()
        .skip(paging.offset)
        .take(paging.limit.unwrap_or(usize::MAX))
        .map(item)
        .collect();
    Listed { total, items }
}

/// The caller's address book through `source`, read as lookups read it.
async fn address_book(
    deps: &Deps,
    source: &Arc<SourceSpec>,
    context: &Context,
    provider: Provider,
) -> Result<Book, ListError> {
    let google = provider == Provider::Google;
    let user = context.user_uuid.clone().unwrap_or_default();
    let no_token = || ListError::NoToken {
        provider: if google { "google" } else { "microsoft" },
        user_uuid: user.clone(),
    };
    if user.is_empty() {
        return Err(no_token());
    }
    let books = match deps
        .cloud
        .held(&source.uuid)
        .filter(|b| b.spec() == source.as_ref())
    {
        Some(books) => books,
        None => {
            let fetcher = fetcher(deps, provider.fetching())
                .await
                .map_err(|e| unexpected(source, &e))?;
            CloudHub::books(&deps.cloud, source, &deps.confd, fetcher)
        }
    };
    let book = match books.get(context).await {
        Ok(book) => book,
        // As wazo-dird: wazo-auth not giving the token reads as "no token"; Google failing as an
        // empty book; Microsoft Graph failing as a 503.
        Err(FetchError::Auth(error)) => {
            tracing::warn!(source = %source.name, %error, "could not read the user's external token");
            return Err(no_token());
        }
        Err(FetchError::Provider(error)) if google => {
            tracing::warn!(source = %source.name, %error, "could not read an address book");
            return Ok(Book::default());
        }
        Err(FetchError::Provider(error)) => return Err(unexpected(source, &error)),
    };
    if book.is_empty() && books.has_no_account(&user) {
        return Err(no_token());
    }
    Ok(book)
}

/// wazo-dird's answer when the provider (or wazo-auth) fails.
fn unexpected(source: &SourceSpec, error: &str) -> ListError {
    tracing::warn!(source = %source.name, %error, "could not read an address book");
    ListError::Unexpected {
        endpoint: source
            .extra_fields
            .get("endpoint")
            .cloned()
            .unwrap_or(Value::Null),
    }
}
