//! The contacts routes of the backends (`GET /0.1/backends/{kind}/sources/{uuid}/contacts`): a
//! source of the route's kind among the caller's tenants, listed by its backend (wazo-confd's own
//! listing for wazo and conference sources, the caller's address book for google and office365).

use crate::backends::cloud::listing as cloud;
pub use crate::backends::cloud::listing::{
    ListError as BookError, Listed as BookPage, Paging, Provider,
};
use crate::backends::confd::listing as confd;
pub use crate::backends::confd::listing::{Listed as ConfdPage, Listing};
use crate::backends::{Context, Deps};
use crate::resources::sources::model::Source;
use crate::resources::sources::service::SourceService;
use std::sync::Arc;

/// Why a contacts route answers no page.
#[derive(Debug, thiserror::Error)]
pub enum ContactsError {
    /// No source of the route's kind with that uuid among the caller's tenants.
    #[error("no such source: {0}")]
    NoSuchSource(String),
    #[error(transparent)]
    Confd(#[from] confd::ListError),
    #[error(transparent)]
    Book(#[from] cloud::ListError),
}

/// The contacts routes' service.
#[derive(Debug)]
pub struct BackendContacts {
    sources: Arc<SourceService>,
    deps: Deps,
}

impl BackendContacts {
    pub fn new(sources: Arc<SourceService>, deps: Deps) -> Self {
        BackendContacts { sources, deps }
    }

    /// The source `uuid` among `tenants`, if its kind is `wanted`'s.
    fn source<K: PartialEq>(
        &self,
        uuid: &str,
        tenants: &[String],
        kind: fn(&Source) -> Option<K>,
        wanted: K,
    ) -> Result<Arc<Source>, ContactsError> {
        self.sources
            .get(uuid, tenants)
            .filter(|source| kind(source) == Some(wanted))
            .ok_or_else(|| ContactsError::NoSuchSource(uuid.to_owned()))
    }

    /// wazo-confd's listing of the source `uuid` (users or conferences, as `listing` says), with
    /// wazo-confd's own query parameters.
    pub async fn confd(
        &self,
        listing: Listing,
        uuid: &str,
        tenants: &[String],
        query: &[(&str, String)],
    ) -> Result<ConfdPage, ContactsError> {
        let source = self.source(uuid, tenants, Listing::of, listing)?;
        Ok(confd::list(&self.deps, &source, listing, query).await?)
    }

    /// A page of the caller's address book through the source `uuid` of the caller's tenant.
    pub async fn book(
        &self,
        provider: Provider,
        uuid: &str,
        context: &Context,
        paging: &Paging,
    ) -> Result<BookPage, ContactsError> {
        let tenants = std::slice::from_ref(&context.tenant_uuid);
        let source = self.source(uuid, tenants, Provider::of, provider)?;
        Ok(cloud::list(&self.deps, &source, provider, context, paging).await?)
    }
}
