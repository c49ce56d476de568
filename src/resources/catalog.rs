//! The in-memory view of a resource: the items declared in the configuration plus the items stored
//! in the database, swapped atomically so that readers never wait on writers.

use super::ResourceError;
use std::sync::{Arc, RwLock};

/// What the catalog needs to know of an item.
pub trait Item: Send + Sync + 'static {
    fn uuid(&self) -> &str;
    fn tenant_uuid(&self) -> &str;
    fn name(&self) -> &str;
}

/// Declared and stored items of one resource.
#[derive(Debug)]
pub struct Catalog<T> {
    declared: RwLock<Arc<Vec<Arc<T>>>>,
    stored: RwLock<Arc<Vec<Arc<T>>>>,
}

impl<T> Default for Catalog<T> {
    fn default() -> Self {
        Catalog {
            declared: RwLock::new(Arc::new(Vec::new())),
            stored: RwLock::new(Arc::new(Vec::new())),
        }
    }
}

fn read<T>(lock: &RwLock<Arc<Vec<Arc<T>>>>) -> Arc<Vec<Arc<T>>> {
    lock.read()
        .map(|items| Arc::clone(&items))
        .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
}

fn write<T>(lock: &RwLock<Arc<Vec<Arc<T>>>>, items: Vec<T>) {
    let items = Arc::new(items.into_iter().map(Arc::new).collect());
    match lock.write() {
        Ok(mut current) => *current = items,
        Err(poisoned) => *poisoned.into_inner() = items,
    }
}

impl<T: Item> Catalog<T> {
    pub fn set_declared(&self, items: Vec<T>) {
        write(&self.declared, items);
    }

    pub fn set_stored(&self, items: Vec<T>) {
        write(&self.stored, items);
    }

    /// Every item, declared first.
    pub fn all(&self) -> Vec<Arc<T>> {
        read(&self.declared)
            .iter()
            .chain(read(&self.stored).iter())
            .cloned()
            .collect()
    }

    /// The items of the given tenants.
    pub fn in_tenants(&self, tenants: &[String]) -> Vec<Arc<T>> {
        self.all()
            .into_iter()
            .filter(|item| tenants.iter().any(|t| t == item.tenant_uuid()))
            .collect()
    }

    /// The item `uuid` if it belongs to one of `tenants`.
    pub fn get(&self, uuid: &str, tenants: &[String]) -> Option<Arc<T>> {
        self.in_tenants(tenants)
            .into_iter()
            .find(|item| item.uuid() == uuid)
    }

    /// The item `uuid`, whatever its tenant.
    pub fn get_any(&self, uuid: &str) -> Option<Arc<T>> {
        self.all().into_iter().find(|item| item.uuid() == uuid)
    }

    /// Whether `uuid` is declared in the configuration (read-only through the API).
    pub fn is_declared(&self, uuid: &str) -> bool {
        read(&self.declared).iter().any(|item| item.uuid() == uuid)
    }

    /// The item `uuid` of `tenants` accepted by `keep`, for an update or a delete: not found
    /// otherwise, and refused when declared in the configuration.
    pub fn writable(
        &self,
        resource: &'static str,
        uuid: &str,
        tenants: &[String],
        keep: impl Fn(&T) -> bool,
    ) -> Result<Arc<T>, ResourceError> {
        let existing = self
            .get(uuid, tenants)
            .filter(|item| keep(item))
            .ok_or_else(|| ResourceError::NotFound {
                resource,
                uuid: uuid.to_owned(),
            })?;
        if self.is_declared(uuid) {
            return Err(ResourceError::Declared {
                resource,
                uuid: uuid.to_owned(),
            });
        }
        Ok(existing)
    }

    /// Whether another item of `tenant` already has `name`.
    pub fn name_taken(&self, tenant: &str, name: &str, except_uuid: Option<&str>) -> bool {
        self.all().iter().any(|item| {
            item.tenant_uuid() == tenant && item.name() == name && Some(item.uuid()) != except_uuid
        })
    }
}
