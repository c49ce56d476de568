//! The profiles the daemon serves (declared and stored), found by name in a tenant.

use super::model::Profile;
use super::{dao, notifier, validator};
use crate::bus::Bus;
use crate::resources::catalog::{Catalog, CatalogReload, Published};
use crate::resources::notifier::Change;
use crate::resources::ResourceError;
use crate::storage::Storage;
use serde_json::Value;
use std::sync::Arc;

#[derive(Debug)]
pub struct ProfileService {
    catalog: Catalog<Profile>,
    reload: Arc<dyn CatalogReload>,
    storage: Storage,
    bus: Bus,
}

impl ProfileService {
    pub fn new(
        storage: Storage,
        bus: Bus,
        published: Published,
        reload: Arc<dyn CatalogReload>,
    ) -> Self {
        ProfileService {
            catalog: Catalog::new(published, |snapshot| &snapshot.profiles),
            reload,
            storage,
            bus,
        }
    }

    /// The profile named `name` in `tenant_uuid` (the directory routes name profiles).
    pub fn get_by_name(&self, tenant_uuid: &str, name: &str) -> Option<Arc<Profile>> {
        self.catalog.index().by_name(tenant_uuid, name).cloned()
    }

    pub fn get(&self, uuid: &str, tenants: &[String]) -> Option<Arc<Profile>> {
        self.catalog.index().get(uuid, tenants).cloned()
    }

    pub fn list(&self, tenants: &[String]) -> Vec<Arc<Profile>> {
        self.catalog.index().in_tenants(tenants)
    }

    /// A profile may only use displays and sources of its own tenant, and a stored profile only
    /// stored ones (the database links them); its name is free in its tenant.
    fn check(&self, profile: &Profile, except: Option<&str>) -> Result<(), ResourceError> {
        let snapshot = self.catalog.snapshot();
        let tenant = &profile.tenant_uuid;
        if let Some(display) = &profile.display {
            if !snapshot.displays.is_stored_in(display, tenant) {
                return Err(ResourceError::UnknownReference {
                    kind: "display",
                    uuid: display.clone(),
                });
            }
        }
        for uuid in profile.services.values().flat_map(|s| s.sources.iter()) {
            if !snapshot.sources.is_stored_in(uuid, tenant) {
                return Err(ResourceError::UnknownReference {
                    kind: "source",
                    uuid: uuid.clone(),
                });
            }
        }
        if self
            .catalog
            .index()
            .name_taken(&profile.tenant_uuid, &profile.name, except)
        {
            return Err(ResourceError::Duplicate {
                resource: "profiles",
                name: profile.name.clone(),
            });
        }
        Ok(())
    }

    pub async fn create(&self, body: &Value, tenant_uuid: &str) -> Result<Profile, ResourceError> {
        let profile = validator::validate(
            body,
            uuid::Uuid::new_v4().to_string(),
            tenant_uuid.to_owned(),
        )
        .map_err(ResourceError::Invalid)?;
        self.check(&profile, None)?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        dao::create(&transaction, &profile).await?;
        transaction.commit().await?;
        self.bus
            .publish(notifier::changed(Change::Created, &profile));
        self.reload.await_catalog().await;
        Ok(profile)
    }

    fn writable(&self, uuid: &str, tenants: &[String]) -> Result<Arc<Profile>, ResourceError> {
        self.catalog
            .index()
            .writable("profiles", uuid, tenants, |_| true)
    }

    pub async fn update(
        &self,
        uuid: &str,
        tenants: &[String],
        body: &Value,
    ) -> Result<(), ResourceError> {
        let existing = self.writable(uuid, tenants)?;
        let profile =
            validator::validate(body, existing.uuid.clone(), existing.tenant_uuid.clone())
                .map_err(ResourceError::Invalid)?;
        self.check(&profile, Some(uuid))?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        if !dao::update(&transaction, &profile).await? {
            return Err(ResourceError::NotFound {
                resource: "profiles",
                uuid: uuid.to_owned(),
            });
        }
        transaction.commit().await?;
        self.bus
            .publish(notifier::changed(Change::Edited, &profile));
        self.reload.await_catalog().await;
        Ok(())
    }

    pub async fn delete(&self, uuid: &str, tenants: &[String]) -> Result<(), ResourceError> {
        let existing = self.writable(uuid, tenants)?;
        let client = self.storage.client().await?;
        if !dao::delete(&client, uuid).await? {
            return Err(ResourceError::NotFound {
                resource: "profiles",
                uuid: uuid.to_owned(),
            });
        }
        self.bus
            .publish(notifier::changed(Change::Deleted, &existing));
        self.reload.await_catalog().await;
        Ok(())
    }
}
