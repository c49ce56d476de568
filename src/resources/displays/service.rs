//! The displays the daemon serves (declared and stored).

use super::model::Display;
use super::{dao, notifier, validator};
use crate::bus::Bus;
use crate::resources::catalog::{Catalog, CatalogReload, Published};
use crate::resources::notifier::Change;
use crate::resources::ResourceError;
use crate::storage::Storage;
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug)]
pub struct DisplayService {
    catalog: Catalog<Display>,
    reload: Arc<dyn CatalogReload>,
    storage: Storage,
    bus: Bus,
}

impl DisplayService {
    pub fn new(
        storage: Storage,
        bus: Bus,
        published: Published,
        reload: Arc<dyn CatalogReload>,
    ) -> Self {
        DisplayService {
            catalog: Catalog::new(published, |snapshot| &snapshot.displays),
            reload,
            storage,
            bus,
        }
    }

    pub fn get(&self, uuid: &str, tenants: &[String]) -> Option<Arc<Display>> {
        self.catalog.index().get(uuid, tenants).cloned()
    }

    pub fn list(&self, tenants: &[String]) -> Vec<Arc<Display>> {
        self.catalog.index().in_tenants(tenants)
    }

    pub async fn create(&self, body: &Value, tenant_uuid: &str) -> Result<Display, ResourceError> {
        let display = validator::validate(
            body,
            uuid::Uuid::new_v4().to_string(),
            tenant_uuid.to_owned(),
        )
        .map_err(ResourceError::Invalid)?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        dao::create(&transaction, &display).await?;
        transaction.commit().await?;
        self.bus
            .publish(notifier::changed(Change::Created, &display));
        self.reload.await_catalog().await;
        Ok(display)
    }

    fn writable(&self, uuid: &str, tenants: &[String]) -> Result<Arc<Display>, ResourceError> {
        self.catalog
            .index()
            .writable("displays", uuid, tenants, |_| true)
    }

    pub async fn update(
        &self,
        uuid: &str,
        tenants: &[String],
        body: &Value,
    ) -> Result<(), ResourceError> {
        let existing = self.writable(uuid, tenants)?;
        let display =
            validator::validate(body, existing.uuid.clone(), existing.tenant_uuid.clone())
                .map_err(ResourceError::Invalid)?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        if !dao::update(&transaction, &display).await? {
            return Err(ResourceError::NotFound {
                resource: "displays",
                uuid: uuid.to_owned(),
            });
        }
        transaction.commit().await?;
        self.bus
            .publish(notifier::changed(Change::Edited, &display));
        self.reload.await_catalog().await;
        Ok(())
    }

    pub async fn delete(&self, uuid: &str, tenants: &[String]) -> Result<(), ResourceError> {
        let existing = self.writable(uuid, tenants)?;
        let client = self.storage.client().await?;
        if !dao::delete(&client, uuid).await? {
            return Err(ResourceError::NotFound {
                resource: "displays",
                uuid: uuid.to_owned(),
            });
        }
        self.bus
            .publish(notifier::changed(Change::Deleted, &existing));
        self.reload.await_catalog().await;
        Ok(())
    }
}
