//! The in-memory catalog: the sources, displays and profiles declared in the configuration plus
//! those stored in the database, as one immutable [`Snapshot`].
//!
//! Only the catalog actor (`services::catalog`) publishes snapshots, one per applied change, in
//! order; readers load the current one without a lock (`arc_swap`) and find an item by uuid, or a
//! tenant's item by name, in O(1).

use super::displays::model::Display;
use super::profiles::model::Profile;
use super::sources::model::Source;
use super::ResourceError;
use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::sync::Arc;

/// What the catalog needs to know of an item.
pub trait Item: Send + Sync + 'static {
    fn uuid(&self) -> &str;
    fn tenant_uuid(&self) -> &str;
    fn name(&self) -> &str;
}

/// [`Item`] for a type whose `uuid`, `tenant_uuid` and `name` fields are strings.
macro_rules! item {
    ($type:ty) => {
        impl $crate::resources::catalog::Item for $type {
            fn uuid(&self) -> &str {
                &self.uuid
            }
            fn tenant_uuid(&self) -> &str {
                &self.tenant_uuid
            }
            fn name(&self) -> &str {
                &self.name
            }
        }
    };
}
pub(crate) use item;

/// The declared and stored items of one resource, indexed. Immutable once built.
#[derive(Debug)]
pub struct Index<T> {
    /// Declared first, then stored, each in its own order.
    items: Vec<Arc<T>>,
    declared: usize,
    by_uuid: HashMap<String, usize>,
    by_tenant: HashMap<String, Vec<usize>>,
    /// The first item of each (tenant, name).
    by_name: HashMap<(String, String), usize>,
}

impl<T: Item> Index<T> {
    fn build(declared: Vec<Arc<T>>, stored: Vec<Arc<T>>) -> Self {
        let count = declared.len();
        let items: Vec<Arc<T>> = declared.into_iter().chain(stored).collect();
        let mut by_uuid = HashMap::with_capacity(items.len());
        let mut by_tenant: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_name = HashMap::with_capacity(items.len());
        for (position, item) in items.iter().enumerate() {
            // A uuid both declared and stored is the declared one (read-only through the API).
            by_uuid.entry(item.uuid().to_owned()).or_insert(position);
            by_tenant
                .entry(item.tenant_uuid().to_owned())
                .or_default()
                .push(position);
            by_name
                .entry((item.tenant_uuid().to_owned(), item.name().to_owned()))
                .or_insert(position);
        }
        Index {
            items,
            declared: count,
            by_uuid,
            by_tenant,
            by_name,
        }
    }

    /// A copy of this index with its declared items replaced.
    pub fn with_declared(&self, declared: Vec<T>) -> Self {
        Self::build(
            declared.into_iter().map(Arc::new).collect(),
            self.items[self.declared..].to_vec(),
        )
    }

    /// A copy of this index with its stored items replaced.
    pub fn with_stored(&self, stored: Vec<T>) -> Self {
        Self::build(
            self.items[..self.declared].to_vec(),
            stored.into_iter().map(Arc::new).collect(),
        )
    }

    /// Every item, declared first.
    pub fn all(&self) -> &[Arc<T>] {
        &self.items
    }

    /// The items of the given tenants, in catalog order.
    pub fn in_tenants(&self, tenants: &[String]) -> Vec<Arc<T>> {
        let mut positions: Vec<usize> = tenants
            .iter()
            .filter_map(|tenant| self.by_tenant.get(tenant))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.dedup();
        positions
            .into_iter()
            .map(|p| Arc::clone(&self.items[p]))
            .collect()
    }

    /// The item `uuid`, whatever its tenant.
    pub fn get_any(&self, uuid: &str) -> Option<&Arc<T>> {
        self.by_uuid.get(uuid).map(|&p| &self.items[p])
    }

    /// The item `uuid` if it belongs to one of `tenants`.
    pub fn get(&self, uuid: &str, tenants: &[String]) -> Option<&Arc<T>> {
        self.get_any(uuid)
            .filter(|item| tenants.iter().any(|t| t == item.tenant_uuid()))
    }

    /// The first item named `name` in `tenant`.
    pub fn by_name(&self, tenant: &str, name: &str) -> Option<&Arc<T>> {
        self.by_name
            .get(&(tenant.to_owned(), name.to_owned()))
            .map(|&p| &self.items[p])
    }

    /// Whether `uuid` is declared in the configuration (read-only through the API).
    pub fn is_declared(&self, uuid: &str) -> bool {
        self.by_uuid.get(uuid).is_some_and(|&p| p < self.declared)
    }

    /// Whether `uuid` is an item of `tenant` stored in the database (not declared in the
    /// configuration): what a stored profile may refer to.
    pub fn is_stored_in(&self, uuid: &str, tenant: &str) -> bool {
        self.get_any(uuid)
            .is_some_and(|item| item.tenant_uuid() == tenant && !self.is_declared(uuid))
    }

    /// Whether another item of `tenant` already has `name`.
    pub fn name_taken(&self, tenant: &str, name: &str, except_uuid: Option<&str>) -> bool {
        self.by_tenant.get(tenant).is_some_and(|positions| {
            positions.iter().any(|&p| {
                let item = &self.items[p];
                item.name() == name && Some(item.uuid()) != except_uuid
            })
        })
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
            .cloned()
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
}

impl<T: Item> Default for Index<T> {
    fn default() -> Self {
        Self::build(Vec::new(), Vec::new())
    }
}

/// One state of the catalog, as a change left it.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Counts the applied changes (0: nothing applied yet).
    pub version: u64,
    /// Whether the stored items have been read at least once.
    pub stored_loaded: bool,
    pub sources: Arc<Index<Source>>,
    pub displays: Arc<Index<Display>>,
    pub profiles: Arc<Index<Profile>>,
}

/// The published snapshot, shared by its one writer (the catalog actor) and every reader.
#[derive(Debug, Clone, Default)]
pub struct Published(Arc<ArcSwap<Snapshot>>);

impl Published {
    /// The current snapshot.
    pub fn load(&self) -> Arc<Snapshot> {
        self.0.load_full()
    }

    /// Publishes `next` (the catalog actor only).
    pub fn publish(&self, next: Snapshot) {
        self.0.store(Arc::new(next));
    }
}

/// What a catalog write waits for before it answers: the catalog holding it, so that the caller's
/// next request sees it (read-your-writes). The directory actor implements it; the services of
/// sources, displays, profiles and phonebooks call it after each committed write, so that no
/// caller has to remember to. A failed read does not fail the write, which is committed: the
/// directory actor retries until the catalog holds the database's state.
pub trait CatalogReload: Send + Sync + std::fmt::Debug {
    fn await_catalog(&self) -> futures_util::future::BoxFuture<'_, ()>;
}

/// A catalog nothing writes to (unit tests of a service alone): nothing to wait for.
#[cfg(test)]
#[derive(Debug)]
pub struct Unchanging;

#[cfg(test)]
impl CatalogReload for Unchanging {
    fn await_catalog(&self) -> futures_util::future::BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// A resource's view of the published catalog.
pub struct Catalog<T> {
    published: Published,
    part: fn(&Snapshot) -> &Arc<Index<T>>,
}

impl<T> std::fmt::Debug for Catalog<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("version", &self.published.load().version)
            .finish_non_exhaustive()
    }
}

impl<T: Item> Catalog<T> {
    pub fn new(published: Published, part: fn(&Snapshot) -> &Arc<Index<T>>) -> Self {
        Catalog { published, part }
    }

    /// This resource's items in the current snapshot.
    pub fn index(&self) -> Arc<Index<T>> {
        Arc::clone((self.part)(&self.published.0.load()))
    }

    /// The whole current snapshot (a resource that refers to others).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.published.load()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Thing(&'static str, &'static str, &'static str);

    impl Item for Thing {
        fn uuid(&self) -> &str {
            self.0
        }
        fn tenant_uuid(&self) -> &str {
            self.1
        }
        fn name(&self) -> &str {
            self.2
        }
    }

    fn names(items: &[Arc<Thing>]) -> Vec<&'static str> {
        items.iter().map(|t| t.2).collect()
    }

    #[test]
    fn finds_by_uuid_and_name_and_keeps_declared_first() {
        let index = Index::default()
            .with_stored(vec![Thing("s1", "t1", "b"), Thing("s2", "t2", "c")])
            .with_declared(vec![Thing("d1", "t1", "a")]);
        assert_eq!(names(index.all()), ["a", "b", "c"]);
        assert_eq!(index.get_any("s2").map(|t| t.2), Some("c"));
        assert!(index.get("s2", &["t1".into()]).is_none());
        assert_eq!(index.by_name("t1", "b").map(|t| t.0), Some("s1"));
        assert!(index.by_name("t2", "b").is_none());
        assert!(index.is_declared("d1") && !index.is_declared("s1"));
        assert_eq!(
            names(&index.in_tenants(&["t2".into(), "t1".into()])),
            ["a", "b", "c"]
        );
        assert!(index.name_taken("t1", "b", None));
        assert!(!index.name_taken("t1", "b", Some("s1")));
        assert!(matches!(
            index.writable("things", "d1", &["t1".into()], |_| true),
            Err(ResourceError::Declared { .. })
        ));
        assert!(matches!(
            index.writable("things", "s2", &["t1".into()], |_| true),
            Err(ResourceError::NotFound { .. })
        ));
        // Replacing the stored items keeps the declared ones, and the other way round.
        let index = index.with_stored(vec![Thing("s3", "t1", "z")]);
        assert_eq!(names(index.all()), ["a", "z"]);
    }
}
