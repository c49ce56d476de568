//! The sources the daemon serves (declared and stored): the catalog's view of them and their
//! CRUD. Their actors belong to the engine (`services::engine`).

use super::model::{keep_secrets, Source};
use super::{dao, notifier, validator};
use crate::backends;
use crate::bus::Bus;
use crate::resources::catalog::{Catalog, CatalogReload, Published};
use crate::resources::notifier::Change;
use crate::resources::ResourceError;
use crate::storage::Storage;
use serde_json::Value;
use std::sync::Arc;

/// Sources by uuid.
#[derive(Debug)]
pub struct SourceService {
    catalog: Catalog<Source>,
    reload: Arc<dyn CatalogReload>,
    /// The backend kinds served (installed, not turned off by `enabled_plugins`).
    enabled: Vec<String>,
    storage: Storage,
    bus: Bus,
}

impl SourceService {
    pub fn new(
        storage: Storage,
        bus: Bus,
        published: Published,
        reload: Arc<dyn CatalogReload>,
        enabled: Vec<String>,
    ) -> Self {
        SourceService {
            catalog: Catalog::new(published, |snapshot| &snapshot.sources),
            reload,
            enabled,
            storage,
            bus,
        }
    }

    pub fn get(&self, uuid: &str, tenants: &[String]) -> Option<Arc<Source>> {
        self.catalog.index().get(uuid, tenants).cloned()
    }

    /// A source whatever its tenant (for the engine, which has checked the profile's tenant).
    pub fn get_any(&self, uuid: &str) -> Option<Arc<Source>> {
        self.catalog.index().get_any(uuid).cloned()
    }

    /// Every source of the given tenants.
    pub fn list(&self, tenants: &[String]) -> Vec<Arc<Source>> {
        self.catalog.index().in_tenants(tenants)
    }

    /// Whether `uuid` is declared in the configuration.
    pub fn is_declared(&self, uuid: &str) -> bool {
        self.catalog.index().is_declared(uuid)
    }

    /// The backend kinds served, sorted by name.
    pub fn enabled(&self) -> &[String] {
        &self.enabled
    }

    /// The kind named `name`, when it is served; otherwise its routes do not exist.
    fn kind(&self, name: &str) -> Result<&'static dyn backends::Kind, ResourceError> {
        backends::kind(name)
            .filter(|_| self.enabled.iter().any(|enabled| enabled == name))
            .ok_or_else(|| ResourceError::NoSuchBackend(name.to_owned()))
    }

    /// The personal source of `tenant_uuid`, if it has one (the personal view of a profile).
    pub fn personal_of(&self, tenant_uuid: &str) -> Option<Arc<Source>> {
        self.list(std::slice::from_ref(&tenant_uuid.to_owned()))
            .into_iter()
            .find(|source| source.is::<backends::personal::Personal>())
    }

    /// The columns a list of `backend`'s sources sorts by: `name`, then the kind's own.
    pub fn sort_columns(&self, backend: &str) -> Result<Vec<&'static str>, ResourceError> {
        let kind = self.kind(backend)?;
        Ok(std::iter::once("name")
            .chain(kind.sort_columns().iter().copied())
            .collect())
    }

    /// Every source of `backend` in the given tenants.
    pub fn list_of(
        &self,
        backend: &str,
        tenants: &[String],
    ) -> Result<Vec<Arc<Source>>, ResourceError> {
        let kind = self.kind(backend)?;
        let mut sources = self.list(tenants);
        sources.retain(|source| source.backend == kind.name());
        Ok(sources)
    }

    /// The source `uuid` of `backend` among `tenants`.
    /// The phonebook source `uuid` (its contacts route), whether or not the kind is served.
    pub fn phonebook_source(&self, uuid: &str, tenants: &[String]) -> Option<Arc<Source>> {
        self.get(uuid, tenants)
            .filter(|source| source.is::<backends::phonebook::Phonebook>())
    }

    pub fn get_of(
        &self,
        backend: &str,
        uuid: &str,
        tenants: &[String],
    ) -> Result<Arc<Source>, ResourceError> {
        let kind = self.kind(backend)?;
        self.get(uuid, tenants)
            .filter(|source| source.backend == kind.name())
            .ok_or_else(|| ResourceError::NotFound {
                resource: "sources",
                uuid: uuid.to_owned(),
            })
    }

    /// A source's name is its own in its tenant (but a phonebook source's, which is its
    /// phonebook's); `except` is the uuid of the source being replaced.
    fn check_name(
        &self,
        kind: &dyn backends::Kind,
        source: &Source,
        except: Option<&str>,
    ) -> Result<(), ResourceError> {
        let index = self.catalog.index();
        if !kind.virtual_name() && index.name_taken(&source.tenant_uuid, &source.name, except) {
            return Err(ResourceError::Duplicate {
                resource: "sources",
                name: source.name.clone(),
            });
        }
        Ok(())
    }

    /// Creates a source of `backend` in `tenant_uuid`.
    pub async fn create(
        &self,
        backend: &str,
        body: &Value,
        tenant_uuid: &str,
    ) -> Result<Source, ResourceError> {
        let kind = self.kind(backend)?;
        let source = validator::validate(
            kind,
            body,
            uuid::Uuid::new_v4().to_string(),
            tenant_uuid.to_owned(),
            backends::Origin::Api,
        )
        .map_err(ResourceError::Invalid)?;
        self.check_name(kind, &source, None)?;
        let client = self.storage.client().await?;
        dao::create(&client, &source).await?;
        let source = Self::stored(&client, source).await?;
        self.bus
            .publish(notifier::changed(Change::Created, &source));
        self.reload.await_catalog().await;
        Ok(source)
    }

    /// Stores a source as it is given, without validation or defaults (wazo-dird stores the
    /// sources it creates for a new tenant so). The tenant's source of that name, if there is one
    /// already, is answered instead: provisioning twice changes nothing.
    pub async fn provision(&self, source: Source) -> Result<Arc<Source>, ResourceError> {
        if let Some(existing) = self
            .catalog
            .index()
            .by_name(&source.tenant_uuid, &source.name)
        {
            return Ok(Arc::clone(existing));
        }
        let client = self.storage.client().await?;
        dao::create(&client, &source).await?;
        self.bus
            .publish(notifier::changed(Change::Created, &source));
        Ok(Arc::new(source))
    }

    /// The source `uuid` of `backend` among `tenants`, refused when declared in the configuration.
    fn writable(
        &self,
        backend: &str,
        uuid: &str,
        tenants: &[String],
    ) -> Result<Arc<Source>, ResourceError> {
        self.catalog
            .index()
            .writable("sources", uuid, tenants, |source| source.backend == backend)
    }

    /// Replaces a source. Secrets the body does not repeat are kept.
    pub async fn update(
        &self,
        backend: &str,
        uuid: &str,
        tenants: &[String],
        body: &Value,
    ) -> Result<(), ResourceError> {
        let kind = self.kind(backend)?;
        let existing = self.writable(backend, uuid, tenants)?;
        let mut body = body.clone();
        if let Value::Object(map) = &mut body {
            keep_secrets(map, &existing.extra_fields);
        }
        let source = validator::validate(
            kind,
            &body,
            existing.uuid.clone(),
            existing.tenant_uuid.clone(),
            backends::Origin::Api,
        )
        .map_err(ResourceError::Invalid)?;
        self.check_name(kind, &source, Some(uuid))?;
        let client = self.storage.client().await?;
        if !dao::update(&client, &source).await? {
            return Err(ResourceError::NotFound {
                resource: "sources",
                uuid: uuid.to_owned(),
            });
        }
        let source = Self::stored(&client, source).await?;
        self.bus.publish(notifier::changed(Change::Edited, &source));
        self.reload.await_catalog().await;
        Ok(())
    }

    /// The source as stored: with the name and fields its phonebook gives it, if any.
    async fn stored(
        client: &deadpool_postgres::Object,
        source: Source,
    ) -> Result<Source, ResourceError> {
        if !source.extra_fields.contains_key("phonebook_uuid") {
            return Ok(source);
        }
        Ok(dao::get(client, &source.uuid).await?.unwrap_or(source))
    }

    /// Deletes a source (with its profile links and favorites).
    pub async fn delete(
        &self,
        backend: &str,
        uuid: &str,
        tenants: &[String],
    ) -> Result<(), ResourceError> {
        self.kind(backend)?;
        let existing = self.writable(backend, uuid, tenants)?;
        let client = self.storage.client().await?;
        if !dao::delete(&client, uuid).await? {
            return Err(ResourceError::NotFound {
                resource: "sources",
                uuid: uuid.to_owned(),
            });
        }
        self.bus
            .publish(notifier::changed(Change::Deleted, &existing));
        self.reload.await_catalog().await;
        Ok(())
    }
}
