//! Adding, removing and listing favorites. A favorite names a source of the caller's own tenant
//! (wazo-dird matches the name across all tenants: a defect we do not copy).
//!
//! Every lookup whose display has a favorites column needs the caller's favorites, so each user's
//! are kept in memory once read: dropped at once by a change through this instance or a peer's
//! `favorite_added` / `favorite_deleted`, read again when older than [`MAX_AGE`] (a safety net for
//! missed events), forgotten when not used for `IDLE`.

use super::{dao, notifier};
use crate::bus::Bus;
use crate::resources::profiles::model::Profile;
use crate::resources::sources::service::SourceService;
use crate::resources::ResourceError;
use crate::storage::Storage;
use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A user's favorites read longer ago than this are read again.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Favorites of users who stopped calling are forgotten after this.
const IDLE: Duration = Duration::from_secs(600);
/// Most users whose favorites are held (a few hundred bytes each): beyond it, the tenth read
/// longest ago is forgotten (read again from the database at their next lookup).
pub const MAX_USERS: usize = 100_000;

/// A user's favorites as read from the database: (source uuid, contact id). Source names are
/// resolved at each read, so a renamed or deleted source applies at once.
#[derive(Debug)]
struct Cached {
    pairs: Arc<Vec<(String, String)>>,
    loaded_at: Instant,
}

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
    cache: DashMap<String, Cached>,
    /// Bumped by every invalidation: a read that raced with a change does not store its answer.
    changes: AtomicU64,
    last_sweep: Mutex<Instant>,
    max_users: usize,
}

impl FavoriteService {
    pub fn new(storage: Storage, bus: Bus, xivo_uuid: String, sources: Arc<SourceService>) -> Self {
        FavoriteService {
            storage,
            bus,
            xivo_uuid,
            sources,
            cache: DashMap::new(),
            changes: AtomicU64::new(0),
            last_sweep: Mutex::new(Instant::now()),
            max_users: MAX_USERS,
        }
    }

    /// The same, holding at most `max_users` users' favorites (tests).
    pub fn with_max_users(self, max_users: usize) -> Self {
        FavoriteService {
            max_users: max_users.max(1),
            ..self
        }
    }

    /// How many users' favorites are held.
    pub fn held(&self) -> usize {
        self.cache.len()
    }

    /// The user's favorites changed (here, on a peer, or in the database): read them again.
    pub fn invalidate(&self, user_uuid: &str) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.cache.remove(user_uuid);
    }

    /// Every user's favorites may have changed (events were missed): read them again.
    pub fn invalidate_all(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.cache.clear();
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

    /// Marks (`favorite`) or unmarks a contact of `source` as a favorite of the user, and
    /// announces it (`favorite_added`, `favorite_deleted`).
    pub async fn set(
        &self,
        tenant_uuid: &str,
        (source, contact_id): (&str, &str),
        user_uuid: &str,
        favorite: bool,
    ) -> Result<(), FavoriteError> {
        let source_uuid = self.source_uuid(tenant_uuid, source)?;
        let client = self.storage.client().await.map_err(ResourceError::from)?;
        if favorite {
            if !dao::add(&client, tenant_uuid, user_uuid, &source_uuid, contact_id).await? {
                return Err(FavoriteError::Duplicate);
            }
        } else if !dao::remove(&client, user_uuid, &source_uuid, contact_id).await? {
            return Err(FavoriteError::NoSuchFavorite(contact_id.to_owned()));
        }
        self.invalidate(user_uuid);
        self.bus.publish(notifier::changed(
            favorite,
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
        let pairs = match self.cached(user_uuid) {
            Some(pairs) => pairs,
            None => {
                let before = self.changes.load(Ordering::Acquire);
                let client = match self.storage.client().await {
                    Ok(client) => client,
                    Err(crate::storage::StorageError::NotConfigured) => return Ok(HashMap::new()),
                    Err(error) => return Err(error.into()),
                };
                let pairs = Arc::new(dao::list(&client, user_uuid).await?);
                if self.changes.load(Ordering::Acquire) == before {
                    self.sweep();
                    self.cache.insert(
                        user_uuid.to_owned(),
                        Cached {
                            pairs: Arc::clone(&pairs),
                            loaded_at: Instant::now(),
                        },
                    );
                }
                pairs
            }
        };
        let mut by_source: HashMap<String, Vec<String>> = HashMap::new();
        for (source_uuid, contact_id) in pairs.iter() {
            if let Some(source) = self.sources.get_any(source_uuid) {
                by_source
                    .entry(source.name.clone())
                    .or_default()
                    .push(contact_id.clone());
            }
        }
        Ok(by_source)
    }

    /// The user's favorite ids by source name, for the sources of the profile's favorites
    /// service only (wazo-dird resolves favorites so: by source name, within that service).
    pub async fn in_profile(
        &self,
        profile: &Profile,
        user_uuid: &str,
    ) -> Result<HashMap<String, Vec<String>>, ResourceError> {
        let Some(service) = profile.services.get("favorites") else {
            return Ok(HashMap::new());
        };
        let names: Vec<String> = service
            .sources
            .iter()
            .filter_map(|uuid| self.sources.get_any(uuid))
            .map(|source| source.name.clone())
            .collect();
        let mut ids = self.ids_by_source(user_uuid).await?;
        ids.retain(|name, _| names.contains(name));
        Ok(ids)
    }

    /// The user's favorites if read less than [`MAX_AGE`] ago.
    fn cached(&self, user_uuid: &str) -> Option<Arc<Vec<(String, String)>>> {
        let entry = self.cache.get(user_uuid)?;
        (entry.loaded_at.elapsed() < MAX_AGE).then(|| Arc::clone(&entry.pairs))
    }

    /// At most once per [`IDLE`], forgets the users whose favorites were not read again since;
    /// at once when more than [`MAX_USERS`] are held, the tenth read longest ago.
    fn sweep(&self) {
        if self.cache.len() >= self.max_users {
            let mut ages: Vec<Instant> = self.cache.iter().map(|entry| entry.loaded_at).collect();
            let cut = ages.len() / 10;
            ages.select_nth_unstable(cut);
            let oldest_kept = ages[cut];
            self.cache
                .retain(|_, cached| cached.loaded_at >= oldest_kept);
            tracing::info!(
                max_users = self.max_users,
                kept = self.cache.len(),
                "favorites in memory: the least recently read forgotten"
            );
        }
        let mut last = self
            .last_sweep
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.elapsed() < IDLE {
            return;
        }
        *last = Instant::now();
        self.cache
            .retain(|_, cached| cached.loaded_at.elapsed() < IDLE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beyond_its_bound_the_favorites_read_longest_ago_are_forgotten() {
        let storage = Storage::new(None, 2, None, Duration::from_secs(30), Duration::ZERO)
            .expect("no storage");
        let sources = Arc::new(SourceService::new(
            storage.clone(),
            Bus::disabled(),
            crate::resources::catalog::Published::default(),
            Arc::new(crate::resources::catalog::Unchanging),
            Vec::new(),
        ));
        let service = FavoriteService::new(storage, Bus::disabled(), String::new(), sources)
            .with_max_users(100);
        let start = Instant::now();
        for index in 0..100u64 {
            service.cache.insert(
                format!("user-{index}"),
                Cached {
                    pairs: Arc::new(Vec::new()),
                    loaded_at: start + Duration::from_millis(index),
                },
            );
        }
        service.sweep();
        assert_eq!(service.held(), 90, "the tenth read longest ago is dropped");
        assert!(service.cache.get("user-9").is_none());
        assert!(service.cache.get("user-10").is_some());
        assert!(service.cache.get("user-99").is_some());
    }
}
