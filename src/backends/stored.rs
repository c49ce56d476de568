//! Lookups in stored contacts, for the `personal` backend (the personal contacts of the request's
//! user: the token's user, or the `{user_uuid}` of the route) and the `phonebook` backend (one
//! company phonebook). Both read the same model (`crate::contacts`): the owner's in-memory copy
//! when it is current, else the database through its indexes. Accent-insensitive substring search
//! on the searched columns, exact first match, one query for many numbers, favorites by id (`id` is
//! the unique column).

use crate::backends::{
    by_exten, request_failed as failed, Backend, Context, RawContact, SourceSpec,
};
use crate::backends::{tiers_on, Answer, ByExten, Caller, NumberHits, Tiers};
use crate::contacts::{self, Lookup, Owner};
use crate::storage::Storage;
use actors::Failure;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Arc;

/// Whose contacts a source reads.
#[derive(Debug, Clone)]
pub(super) enum Whose {
    /// The user of each request (no user, no contacts).
    CallingUser,
    /// One phonebook, by uuid.
    Phonebook(String),
}

#[derive(Debug)]
pub(super) struct StoredContacts {
    spec: Arc<SourceSpec>,
    whose: Whose,
    storage: Storage,
    /// Bounds the lookups a cold copy sends to PostgreSQL ([`contacts::COLD_LOOKUPS`]).
    cold: tokio::sync::Semaphore,
}

impl StoredContacts {
    pub(super) fn backend(
        spec: Arc<SourceSpec>,
        whose: Whose,
        storage: Storage,
    ) -> Arc<dyn Backend> {
        Arc::new(StoredContacts {
            spec,
            whose,
            storage,
            cold: tokio::sync::Semaphore::new(contacts::COLD_LOOKUPS),
        })
    }

    async fn find(&self, context: &Context, lookup: Lookup) -> Result<Vec<RawContact>, Failure> {
        let owner = match &self.whose {
            Whose::CallingUser => match &context.user_uuid {
                Some(user) => Owner::User(user.clone()),
                None => return Ok(Vec::new()),
            },
            Whose::Phonebook(uuid) => Owner::Phonebook(uuid.clone()),
        };
        let found = contacts::lookup(&self.storage, &owner, lookup, &self.cold)
            .await
            .map_err(failed)?
            .ok_or_else(|| {
                Failure::Shed(format!(
                    "{} lookups already wait for the database while the copy loads",
                    contacts::COLD_LOOKUPS
                ))
            })?;
        Ok(found.into_iter().map(RawContact::from_fields).collect())
    }

    fn matching(&self, values: Vec<String>) -> Lookup {
        Lookup::Matching {
            columns: self.spec.first_matched_columns.clone(),
            values,
        }
    }
}

impl Backend for StoredContacts {
    fn search(self: Arc<Self>, term: String, context: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            if self.spec.searched_columns.is_empty() {
                return Ok(Vec::new());
            }
            let columns = self.spec.searched_columns.clone();
            self.find(&context, Lookup::Search { columns, term }).await
        })
    }

    fn first_match(self: Arc<Self>, exten: String, context: Context) -> Answer<Option<RawContact>> {
        Box::pin(async move {
            if self.spec.first_matched_columns.is_empty() {
                return Ok(None);
            }
            let found = self.find(&context, self.matching(vec![exten])).await?;
            Ok(found.into_iter().next())
        })
    }

    fn match_all(self: Arc<Self>, extens: Vec<String>, context: Context) -> Answer<ByExten> {
        Box::pin(async move {
            if extens.is_empty() || self.spec.first_matched_columns.is_empty() {
                return Ok(HashMap::new());
            }
            let found = self.find(&context, self.matching(extens.clone())).await?;
            Ok(by_exten(&self.spec.first_matched_columns, &extens, found))
        })
    }

    fn match_numbers(
        self: Arc<Self>,
        callers: Arc<[Caller]>,
        context: Context,
    ) -> Answer<NumberHits> {
        Box::pin(async move {
            let columns = &self.spec.first_matched_columns;
            if columns.is_empty() {
                return Ok(NumberHits::Tiered(vec![Tiers::default(); callers.len()]));
            }
            let lookup = Lookup::Numbers {
                columns: columns.clone(),
                callers: Arc::clone(&callers),
            };
            let found = self.find(&context, lookup).await?;
            Ok(NumberHits::Tiered(tiers_on(columns, &callers, &found)))
        })
    }

    fn search_t9(self: Arc<Self>, digits: String, context: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            let columns = crate::backends::name_columns(&self.spec);
            if columns.is_empty() {
                return Ok(Vec::new());
            }
            self.find(&context, Lookup::Dial { columns, digits }).await
        })
    }

    fn list(self: Arc<Self>, ids: Vec<String>, context: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            self.find(&context, Lookup::ByIds(ids)).await
        })
    }

    fn unique_column(&self) -> Option<&str> {
        Some("id")
    }

    /// A phonebook's copy is loaded (personal contacts are copied per user, at first use).
    fn warm_up(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            if let Whose::Phonebook(uuid) = &self.whose {
                contacts::warm_up(&self.storage, &Owner::Phonebook(uuid.clone())).await;
            }
        })
    }
}
