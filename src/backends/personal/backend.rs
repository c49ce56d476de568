//! Lookups in the personal contacts of the request's user: accent-insensitive substring search on
//! the searched columns, exact first match, one query for many numbers, and the favorites by id.
//! Answered from the user's in-memory snapshot (see `storage::contact_cache`) when it is current,
//! else from the database (`dird_unaccent(value) ILIKE dird_unaccent('%term%')`, equality of
//! values).

use crate::backends::{by_exten, request_failed as failed};
use crate::backends::{Backend, Context, Deps, Fields, RawContact, SourceSpec};
use crate::resources::personal::dao;
use crate::storage::contact_cache::{Owner, Snapshot};
use crate::storage::Storage;
use crate::text::like_literal;
use actors::Failure;
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug)]
struct PersonalBackend {
    spec: Arc<SourceSpec>,
    storage: Storage,
}

pub(super) fn build(
    spec: Arc<SourceSpec>,
    deps: Deps,
) -> BoxFuture<'static, Result<Arc<dyn Backend>, String>> {
    Box::pin(async move {
        Ok(Arc::new(PersonalBackend {
            spec,
            storage: deps.storage,
        }) as Arc<dyn Backend>)
    })
}

fn raw(contact: crate::resources::personal::Contact) -> RawContact {
    RawContact::from_fields(
        contact
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect::<Fields>(),
    )
}

impl PersonalBackend {
    async fn client(&self) -> Result<deadpool_postgres::Object, Failure> {
        self.storage.client().await.map_err(failed)
    }

    /// The user's current in-memory snapshot, if any (a reload starts otherwise).
    fn snapshot(&self, user: &str) -> Option<Arc<Snapshot>> {
        let storage = self.storage.clone();
        let owner = user.to_owned();
        self.storage
            .contact_cache()?
            .snapshot(&Owner::User(user.to_owned()), move || async move {
                let client = storage.client().await.map_err(|e| e.to_string())?;
                let contacts = dao::list(&client, &owner)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(contacts.into_iter().map(|c| raw(c).fields).collect())
            })
    }
}

impl Backend for PersonalBackend {
    fn search(
        self: Arc<Self>,
        term: String,
        context: Context,
    ) -> BoxFuture<'static, Result<Vec<RawContact>, Failure>> {
        Box::pin(async move {
            let Some(user) = context.user_uuid else {
                return Ok(Vec::new());
            };
            if let Some(snapshot) = self.snapshot(&user) {
                let columns = self.spec.searched_columns.clone();
                let found =
                    crate::backends::scan(snapshot.len(), move || snapshot.search(&columns, &term))
                        .await?;
                return Ok(found.into_iter().map(RawContact::from_fields).collect());
            }
            let pattern = format!("%{}%", like_literal(&term));
            let client = self.client().await?;
            let found = dao::search(&client, &user, &self.spec.searched_columns, &pattern)
                .await
                .map_err(failed)?;
            Ok(found.into_iter().map(raw).collect())
        })
    }

    fn first_match(
        self: Arc<Self>,
        exten: String,
        context: Context,
    ) -> BoxFuture<'static, Result<Option<RawContact>, Failure>> {
        Box::pin(async move {
            let Some(user) = context.user_uuid else {
                return Ok(None);
            };
            let columns = &self.spec.first_matched_columns;
            if let Some(snapshot) = self.snapshot(&user) {
                let found = snapshot.matching(columns, std::slice::from_ref(&exten));
                return Ok(found.into_iter().next().map(RawContact::from_fields));
            }
            let client = self.client().await?;
            let found = dao::matching(&client, &user, columns, std::slice::from_ref(&exten))
                .await
                .map_err(failed)?;
            Ok(found.into_iter().next().map(raw))
        })
    }

    fn match_all(
        self: Arc<Self>,
        extens: Vec<String>,
        context: Context,
    ) -> BoxFuture<'static, Result<HashMap<String, RawContact>, Failure>> {
        Box::pin(async move {
            let Some(user) = context.user_uuid else {
                return Ok(HashMap::new());
            };
            let columns = &self.spec.first_matched_columns;
            let found: Vec<RawContact> = match self.snapshot(&user) {
                Some(snapshot) => snapshot
                    .matching(columns, &extens)
                    .into_iter()
                    .map(RawContact::from_fields)
                    .collect(),
                None => {
                    let client = self.client().await?;
                    dao::matching(&client, &user, columns, &extens)
                        .await
                        .map_err(failed)?
                        .into_iter()
                        .map(raw)
                        .collect()
                }
            };
            Ok(by_exten(columns, &extens, found))
        })
    }

    fn list(
        self: Arc<Self>,
        ids: Vec<String>,
        context: Context,
    ) -> BoxFuture<'static, Result<Vec<RawContact>, Failure>> {
        Box::pin(async move {
            let Some(user) = context.user_uuid else {
                return Ok(Vec::new());
            };
            if let Some(snapshot) = self.snapshot(&user) {
                let found = snapshot.by_ids(&ids);
                return Ok(found.into_iter().map(RawContact::from_fields).collect());
            }
            let client = self.client().await?;
            let found = dao::by_ids(&client, &user, &ids).await.map_err(failed)?;
            Ok(found.into_iter().map(raw).collect())
        })
    }

    fn unique_column(&self) -> Option<&str> {
        Some("id")
    }
}
