//! The create, read, update and delete of a catalog resource stored in one transaction (displays,
//! profiles): the validation of the body, the commit, the event, then the wait for the catalog to
//! hold the change, so the caller's next request sees it. Each resource says only what is its own
//! ([`Record`]: its validator, its SQL, its event, its extra check).

use super::catalog::{Catalog, CatalogReload, Index, Item, Published, Snapshot};
use super::notifier::{event, identity, Change};
use super::ResourceError;
use crate::bus::{Bus, Event};
use crate::storage::Storage;
use deadpool_postgres::{Client, Transaction};
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::Arc;

/// How a body is read into an item with this uuid and tenant, or its field errors.
pub type Validate<T> = fn(&Value, String, String) -> Result<T, Map<String, Value>>;

/// What a catalog resource stored in the database says of itself.
pub trait Record: Item + Stored + std::fmt::Debug + Sized {
    /// The name in paths and errors (`displays`).
    const RESOURCE: &'static str;
    /// The name in events (`dird_display_created`).
    const EVENT: &'static str;
    /// Its part of a catalog snapshot.
    const PART: fn(&Snapshot) -> &Arc<Index<Self>>;
    /// Its validator.
    const VALIDATE: Validate<Self>;
    /// What the body's fields alone do not say (references, a unique name); `except` is the
    /// uuid of the item being replaced.
    fn check(&self, _snapshot: &Snapshot, _except: Option<&str>) -> Result<(), ResourceError> {
        Ok(())
    }
}

/// The SQL of a resource's writes (in its `dao`), each in the caller's transaction.
pub trait Stored: Sized {
    fn insert(
        &self,
        client: &Transaction<'_>,
    ) -> impl Future<Output = Result<(), ResourceError>> + Send;
    /// `false` when the item is no longer stored.
    fn replace(
        &self,
        client: &Transaction<'_>,
    ) -> impl Future<Output = Result<bool, ResourceError>> + Send;
    /// `false` when the item was not stored.
    fn remove(
        client: &Client,
        uuid: &str,
    ) -> impl Future<Output = Result<bool, ResourceError>> + Send;
}

/// The event of a change of `item` (its identity only: no secret ever travels).
fn changed<T: Record>(change: Change, item: &T) -> Event {
    event(
        T::EVENT,
        change,
        item.tenant_uuid(),
        identity(item.uuid(), item.tenant_uuid(), item.name()),
    )
}

/// The items of one resource: read from the catalog, written through the database.
#[derive(Debug)]
pub struct Records<T> {
    catalog: Catalog<T>,
    reload: Arc<dyn CatalogReload>,
    storage: Storage,
    bus: Bus,
}

impl<T: Record> Records<T> {
    pub fn new(
        storage: Storage,
        bus: Bus,
        published: Published,
        reload: Arc<dyn CatalogReload>,
    ) -> Self {
        Records {
            catalog: Catalog::new(published, T::PART),
            reload,
            storage,
            bus,
        }
    }

    pub fn get(&self, uuid: &str, tenants: &[String]) -> Option<Arc<T>> {
        self.catalog.index().get(uuid, tenants).cloned()
    }

    /// The item named `name` in `tenant_uuid`.
    pub fn get_by_name(&self, tenant_uuid: &str, name: &str) -> Option<Arc<T>> {
        self.catalog.index().by_name(tenant_uuid, name).cloned()
    }

    pub fn list(&self, tenants: &[String]) -> Vec<Arc<T>> {
        self.catalog.index().in_tenants(tenants)
    }

    /// The stored item a caller of `tenants` may change (declared ones are refused).
    fn writable(&self, uuid: &str, tenants: &[String]) -> Result<Arc<T>, ResourceError> {
        self.catalog
            .index()
            .writable(T::RESOURCE, uuid, tenants, |_| true)
    }

    fn not_found(uuid: &str) -> ResourceError {
        ResourceError::NotFound {
            resource: T::RESOURCE,
            uuid: uuid.to_owned(),
        }
    }

    /// Announces a committed change, then waits for the catalog to hold it.
    async fn announce(&self, change: Change, item: &T) {
        self.bus.publish(changed(change, item));
        self.reload.await_catalog().await;
    }

    pub async fn create(&self, body: &Value, tenant_uuid: &str) -> Result<T, ResourceError> {
        let item = (T::VALIDATE)(
            body,
            uuid::Uuid::new_v4().to_string(),
            tenant_uuid.to_owned(),
        )
        .map_err(ResourceError::Invalid)?;
        item.check(&self.catalog.snapshot(), None)?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        item.insert(&transaction).await?;
        transaction.commit().await?;
        self.announce(Change::Created, &item).await;
        Ok(item)
    }

    pub async fn update(
        &self,
        uuid: &str,
        tenants: &[String],
        body: &Value,
    ) -> Result<(), ResourceError> {
        let existing = self.writable(uuid, tenants)?;
        let item = (T::VALIDATE)(
            body,
            existing.uuid().to_owned(),
            existing.tenant_uuid().to_owned(),
        )
        .map_err(ResourceError::Invalid)?;
        item.check(&self.catalog.snapshot(), Some(uuid))?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        if !item.replace(&transaction).await? {
            return Err(Self::not_found(uuid));
        }
        transaction.commit().await?;
        self.announce(Change::Edited, &item).await;
        Ok(())
    }

    pub async fn delete(&self, uuid: &str, tenants: &[String]) -> Result<(), ResourceError> {
        let existing = self.writable(uuid, tenants)?;
        let client = self.storage.client().await?;
        if !T::remove(&client, uuid).await? {
            return Err(Self::not_found(uuid));
        }
        self.announce(Change::Deleted, &existing).await;
        Ok(())
    }
}
