//! Adding, removing and listing favorites. A favorite names a source of the caller's own tenant
//! (wazo-dird matches the name across all tenants: a defect we do not copy).

use super::{dao, notifier};
use crate::bus::Bus;
use crate::resources::sources::service::SourceService;
use crate::resources::ResourceError;
use crate::storage::Storage;
use std::collections::HashMap;
use std::sync::Arc;

/// Why a favorite change was refused.
#[derive(Debug, thiserror::Error)]
pub enum FavoriteError {
    #[error("No such source: {0}")]
    NoSuchSource(String),
    #[error("No such favorite: {0}")]
    NoSuchFavorite(String),
    #[error("Adding this favorite would create a duplicate")]
    Duplicate,
    #[error(transparent)]
    Resource(#[from] ResourceError),
}

#[derive(Debug)]
pub struct FavoriteService {
    storage: Storage,
    bus: Bus,
    xivo_uuid: String,
    sources: Arc<SourceService>,
}

impl FavoriteService {
    pub fn new(storage: Storage, bus: Bus, xivo_uuid: String, sources: Arc<SourceService>) -> Self {
        FavoriteService {
            storage,
            bus,
            xivo_uuid,
            sources,
        }
    }

    /// The stored source named `name` in `tenant_uuid`.
    fn source_uuid(&self, tenant_uuid: &str, name: &str) -> Result<String, FavoriteError> {
        self.sources
            .list(&[tenant_uuid.to_owned()])
            .into_iter()
            .find(|source| source.name == name && !self.sources.is_declared(&source.uuid))
            .map(|source| source.uuid.clone())
            .ok_or_else(|| FavoriteError::NoSuchSource(name.to_owned()))
    }

    pub async fn add(
        &self,
        tenant_uuid: &str,
        source: &str,
        contact_id: &str,
        user_uuid: &str,
    ) -> Result<(), FavoriteError> {
        let source_uuid = self.source_uuid(tenant_uuid, source)?;
        let client = self.storage.client().await.map_err(ResourceError::from)?;
        if !dao::add(&client, tenant_uuid, user_uuid, &source_uuid, contact_id).await? {
            return Err(FavoriteError::Duplicate);
        }
        self.bus.publish(notifier::changed(
            true,
            &self.xivo_uuid,
            tenant_uuid,
            user_uuid,
            source,
            contact_id,
        ));
        Ok(())
    }

    pub async fn remove(
        &self,
        tenant_uuid: &str,
        source: &str,
        contact_id: &str,
        user_uuid: &str,
    ) -> Result<(), FavoriteError> {
        let source_uuid = self.source_uuid(tenant_uuid, source)?;
        let client = self.storage.client().await.map_err(ResourceError::from)?;
        if !dao::remove(&client, user_uuid, &source_uuid, contact_id).await? {
            return Err(FavoriteError::NoSuchFavorite(contact_id.to_owned()));
        }
        self.bus.publish(notifier::changed(
            false,
            &self.xivo_uuid,
            tenant_uuid,
            user_uuid,
            source,
            contact_id,
        ));
        Ok(())
    }

    /// The user's favorite contact ids by source name. Without a database there are none.
    pub async fn ids_by_source(
        &self,
        user_uuid: &str,
    ) -> Result<HashMap<String, Vec<String>>, ResourceError> {
        let client = match self.storage.client().await {
            Ok(client) => client,
            Err(crate::storage::StorageError::NotConfigured) => return Ok(HashMap::new()),
            Err(error) => return Err(error.into()),
        };
        let mut by_source: HashMap<String, Vec<String>> = HashMap::new();
        for (source_uuid, contact_id) in dao::list(&client, user_uuid).await? {
            if let Some(source) = self.sources.get_any(&source_uuid) {
                by_source
                    .entry(source.name.clone())
                    .or_default()
                    .push(contact_id);
            }
        }
        Ok(by_source)
    }
}
