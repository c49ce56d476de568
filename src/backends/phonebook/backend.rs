//! Lookups in one phonebook. They are answered from the phonebook's in-memory snapshot (see
//! `storage::contact_cache`) when it is current, else from the database, through indexes: a term
//! is matched with `dird_unaccent(value) ILIKE dird_unaccent('%term%')` (the trigram index),
//! numbers by equality of the value (the index on `value`, one query for many numbers), favorites
//! by uuid.

use crate::backends::{
    by_exten, request_failed as failed, Backend, Context, Deps, RawContact, SourceSpec,
};
use crate::resources::phonebooks::dao;
use crate::resources::phonebooks::model::PhonebookContact;
use crate::storage::contact_cache::{Owner, Snapshot};
use crate::storage::Storage;
use crate::text::like_literal;
use actors::Failure;
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug)]
struct PhonebookBackend {
    spec: Arc<SourceSpec>,
    phonebook_uuid: String,
    storage: Storage,
}

pub(super) fn build(
    spec: Arc<SourceSpec>,
    deps: Deps,
) -> BoxFuture<'static, Result<Arc<dyn Backend>, String>> {
    Box::pin(async move {
        let phonebook_uuid = spec
            .extra_fields
            .get("phonebook_uuid")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("source {} names no phonebook_uuid", spec.name))?
            .to_owned();
        Ok(Arc::new(PhonebookBackend {
            spec,
            phonebook_uuid,
            storage: deps.storage,
        }) as Arc<dyn Backend>)
    })
}

impl PhonebookBackend {
    async fn client(&self) -> Result<deadpool_postgres::Object, Failure> {
        self.storage.client().await.map_err(failed)
    }

    /// The phonebook's current in-memory snapshot, if any (a reload starts otherwise).
    fn snapshot(&self) -> Option<Arc<Snapshot>> {
        let storage = self.storage.clone();
        let uuid = self.phonebook_uuid.clone();
        self.storage.contact_cache()?.snapshot(
            &Owner::Phonebook(self.phonebook_uuid.clone()),
            move || async move {
                let client = storage.client().await.map_err(|e| e.to_string())?;
                dao::contacts(&client, &uuid, None)
                    .await
                    .map_err(|e| e.to_string())
            },
        )
    }

    /// The contacts whose first-matched columns hold one of `extens`.
    async fn matching(&self, extens: &[String]) -> Result<Vec<PhonebookContact>, Failure> {
        if extens.is_empty() || self.spec.first_matched_columns.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(snapshot) = self.snapshot() {
            return Ok(snapshot.matching(&self.spec.first_matched_columns, extens));
        }
        let client = self.client().await?;
        dao::matching(
            &client,
            &self.phonebook_uuid,
            &self.spec.first_matched_columns,
            extens,
        )
        .await
        .map_err(failed)
    }
}

impl Backend for PhonebookBackend {
    fn search(
        self: Arc<Self>,
        term: String,
        _context: Context,
    ) -> BoxFuture<'static, Result<Vec<RawContact>, Failure>> {
        Box::pin(async move {
            if self.spec.searched_columns.is_empty() {
                return Ok(Vec::new());
            }
            if let Some(snapshot) = self.snapshot() {
                let columns = self.spec.searched_columns.clone();
                let found =
                    crate::backends::scan(snapshot.len(), move || snapshot.search(&columns, &term))
                        .await?;
                return Ok(found.into_iter().map(RawContact::from_fields).collect());
            }
            let pattern = format!("%{}%", like_literal(&term));
            let client = self.client().await?;
            let found = dao::search(
                &client,
                &self.phonebook_uuid,
                &self.spec.searched_columns,
                &pattern,
            )
            .await
            .map_err(failed)?;
            Ok(found.into_iter().map(RawContact::from_fields).collect())
        })
    }

    fn first_match(
        self: Arc<Self>,
        exten: String,
        _context: Context,
    ) -> BoxFuture<'static, Result<Option<RawContact>, Failure>> {
        Box::pin(async move {
            let found = self.matching(std::slice::from_ref(&exten)).await?;
            Ok(found.into_iter().next().map(RawContact::from_fields))
        })
    }

    fn match_all(
        self: Arc<Self>,
        extens: Vec<String>,
        _context: Context,
    ) -> BoxFuture<'static, Result<HashMap<String, RawContact>, Failure>> {
        Box::pin(async move {
            let found = self.matching(&extens).await?;
            Ok(by_exten(
                &self.spec.first_matched_columns,
                &extens,
                found.into_iter().map(RawContact::from_fields).collect(),
            ))
        })
    }

    fn list(
        self: Arc<Self>,
        ids: Vec<String>,
        _context: Context,
    ) -> BoxFuture<'static, Result<Vec<RawContact>, Failure>> {
        Box::pin(async move {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            if let Some(snapshot) = self.snapshot() {
                let found = snapshot.by_ids(&ids);
                return Ok(found.into_iter().map(RawContact::from_fields).collect());
            }
            let client = self.client().await?;
            let found = dao::by_ids(&client, &self.phonebook_uuid, &ids)
                .await
                .map_err(failed)?;
            Ok(found.into_iter().map(RawContact::from_fields).collect())
        })
    }

    fn unique_column(&self) -> Option<&str> {
        Some("id")
    }
}
