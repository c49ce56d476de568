//! Queries of the personal contacts for lookups: accent-insensitive substring search on the
//! searched columns (`unaccent(value) ILIKE`), exact first match, one query for many numbers, and
//! the favorites by id.

use crate::backends::{fold, like_literal, Backend, Context, Deps, Fields, RawContact, SourceSpec};
use crate::resources::personal::dao;
use crate::storage::Storage;
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
        self.storage
            .client()
            .await
            .map_err(|e| Failure::Request(e.to_string()))
    }
}

fn failed(error: crate::resources::ResourceError) -> Failure {
    Failure::Request(error.to_string())
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
            let pattern = format!("%{}%", like_literal(&fold(&term)));
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
            let client = self.client().await?;
            let found = dao::matching(
                &client,
                &user,
                &self.spec.first_matched_columns,
                std::slice::from_ref(&exten),
            )
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
            let client = self.client().await?;
            let columns = &self.spec.first_matched_columns;
            let mut by_exten = HashMap::new();
            for contact in dao::matching(&client, &user, columns, &extens)
                .await
                .map_err(failed)?
            {
                for exten in columns
                    .iter()
                    .filter_map(|column| contact.get(column))
                    .filter(|value| extens.contains(value))
                {
                    by_exten
                        .entry(exten.clone())
                        .or_insert_with(|| raw(contact.clone()));
                }
            }
            Ok(by_exten)
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
            let client = self.client().await?;
            let found = dao::by_ids(&client, &user, &ids).await.map_err(failed)?;
            Ok(found.into_iter().map(raw).collect())
        })
    }

    fn unique_column(&self) -> Option<&str> {
        Some("id")
    }
}
