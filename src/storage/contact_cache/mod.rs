//! An in-memory copy of the contacts lookups read most: each phonebook's, each user's personal
//! ones. A lookup in a 25,000-contact phonebook then costs a trigram-index probe in memory instead
//! of a PostgreSQL query (about 15 ms of database CPU for `ILIKE '%term%'`, index or not).
//!
//! Freshness: a copy follows the changes instead of being thrown away. Every committed write to an
//! owner's contacts (through this process's services, or a bus event of another instance of a
//! cluster) is applied to the copy: the changed contacts are read again by id and replace theirs
//! ([`ContactCache::apply`]); a copy is an indexed base plus the changes since it was built, folded
//! into a new base once they grow. A full reload happens only when a copy is first used, every
//! [`MAX_AGE`] (the safety net), or when changes may have been missed (the database or the bus came
//! back): the copy that exists keeps answering meanwhile, and the changes applied while the reload
//! reads the database are applied again to what it read, so a reload never hides a change.
//! Applications of one owner's changes are serialized, each reading the contacts after the last.

mod snapshot;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};
pub use snapshot::Snapshot;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How old a copy may grow before it is reloaded even without a known change.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Copies unused this long are dropped (personal contacts of users who stopped calling).
const IDLE: Duration = Duration::from_secs(600);

/// Whose contacts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Phonebook(String),
    User(String),
}

/// A contact: its fields, `id` included.
pub type Contact = Map<String, Value>;

/// What changed in an owner's contacts (committed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// These contacts were created, edited or deleted: they are read again by id.
    Contacts(Vec<String>),
    /// The owner has no contacts any more (purged, deleted).
    Cleared,
}

/// Reads an owner's contacts: all of them (`None`), or those among the ids.
pub trait Fetch: Fn(Option<Vec<String>>) -> Self::Future + Send + Sync + 'static {
    type Future: Future<Output = Result<Vec<Contact>, String>> + Send + 'static;
}

impl<F, Fut> Fetch for F
where
    F: Fn(Option<Vec<String>>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<Contact>, String>> + Send + 'static,
{
    type Future = Fut;
}

/// The changes applied while a reload reads the database, applied again to what it read.
#[derive(Debug, Default)]
struct Journal {
    cleared: bool,
    /// The contacts changed since the last `cleared`.
    ids: Vec<String>,
}

#[derive(Debug, Default)]
struct Slot {
    current: RwLock<Option<Arc<Snapshot>>>,
    /// Serializes the applications of changes (and a reload's last step): each reads the changed
    /// contacts after the one before it, so the last state read is the one installed.
    serial: tokio::sync::Mutex<()>,
    /// `Some` while a reload runs.
    journal: Mutex<Option<Journal>>,
    /// A reload runs (one at a time: concurrent lookups of a cold copy make one load).
    loading: AtomicBool,
    /// Changes may have been missed: reload at the next use, answering meanwhile.
    stale: AtomicBool,
    last_used: Mutex<Option<Instant>>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Slot {
    fn current(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn install(&self, snapshot: Option<Snapshot>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = snapshot.map(Arc::new);
    }

    fn held(&self) -> usize {
        self.current().map_or(0, |snapshot| snapshot.len())
    }
}

/// The copies of every owner.
#[derive(Debug)]
pub struct ContactCache {
    slots: Arc<Mutex<HashMap<Owner, Arc<Slot>>>>,
    /// Most contacts held in memory, all owners together (`contact_cache.max_contacts`).
    budget: usize,
}

/// Drops the copies of the owners used least recently (never `keep`'s) until the copies hold at
/// most `budget` contacts; their lookups go to PostgreSQL until they are used, and copied, again.
fn enforce_budget(slots: &Mutex<HashMap<Owner, Arc<Slot>>>, budget: usize, keep: &Owner) {
    let slots = locked(slots);
    let mut total: usize = slots.values().map(|slot| slot.held()).sum();
    if total <= budget {
        return;
    }
    let mut by_age: Vec<(&Owner, &Arc<Slot>)> =
        slots.iter().filter(|(owner, _)| *owner != keep).collect();
    by_age.sort_by_key(|(_, slot)| *locked(&slot.last_used));
    for (owner, slot) in by_age {
        if total <= budget {
            break;
        }
        let dropped = slot.held();
        if dropped == 0 {
            continue;
        }
        slot.install(None);
        total -= dropped;
        tracing::info!(
            ?owner,
            contacts = dropped,
            budget,
            "contacts dropped from memory: contact_cache.max_contacts reached"
        );
    }
}

/// Folds the changes of a snapshot that has many into a new base, on a blocking thread.
async fn fold_if_needed(snapshot: Snapshot) -> Snapshot {
    if !snapshot.needs_folding() {
        return snapshot;
    }
    let snapshot = Arc::new(snapshot);
    let folding = Arc::clone(&snapshot);
    match tokio::task::spawn_blocking(move || folding.folded()).await {
        Ok(folded) => folded,
        // Folding failed (a panic): keep the changes as they are.
        Err(_) => Arc::try_unwrap(snapshot).unwrap_or_else(|shared| shared.with(&[], Vec::new())),
    }
}

impl ContactCache {
    /// A cache holding at most `budget` contacts in memory.
    pub fn new(budget: usize) -> Self {
        ContactCache {
            slots: Arc::default(),
            budget,
        }
    }

    fn slot(&self, owner: &Owner) -> Arc<Slot> {
        Arc::clone(locked(&self.slots).entry(owner.clone()).or_default())
    }

    fn existing(&self, owner: &Owner) -> Option<Arc<Slot>> {
        locked(&self.slots).get(owner).cloned()
    }

    /// Applies a committed change of `owner`'s contacts to its copy, reading the changed contacts
    /// with `fetch`; returns once the copy shows it (a write then reads itself back). Without a
    /// copy there is nothing to do, or a reload running that will take the change.
    pub async fn apply(&self, owner: &Owner, change: Change, fetch: impl Fetch) {
        let Some(slot) = self.existing(owner) else {
            return;
        };
        let _serial = slot.serial.lock().await;
        if let Some(journal) = locked(&slot.journal).as_mut() {
            match &change {
                Change::Cleared => {
                    *journal = Journal {
                        cleared: true,
                        ids: Vec::new(),
                    }
                }
                Change::Contacts(ids) => journal.ids.extend(ids.iter().cloned()),
            }
        }
        let Some(current) = slot.current() else {
            return;
        };
        let next = match change {
            Change::Contacts(ids) => match fetch(Some(ids.clone())).await {
                Ok(found) => current.with(&ids, found),
                Err(error) => {
                    // The copy keeps answering without this change until its reload.
                    tracing::warn!(?owner, %error, "cannot read changed contacts: the copy reloads");
                    slot.stale.store(true, Ordering::Release);
                    return;
                }
            },
            Change::Cleared => current.cleared(),
        };
        slot.install(Some(fold_if_needed(next).await));
    }

    /// Every owner's contacts may have changed (the database or the bus came back): each copy
    /// reloads at its next use, answering meanwhile.
    pub fn invalidate_all(&self) {
        for slot in locked(&self.slots).values() {
            slot.stale.store(true, Ordering::Release);
        }
    }

    /// The owner's copy, or `None` when there is none yet: the caller then reads the database. A
    /// reload with `fetch` starts in the background when there is none, when it is older than
    /// [`MAX_AGE`] or when changes may have been missed, unless one runs already.
    pub fn snapshot(&self, owner: &Owner, fetch: impl Fetch) -> Option<Arc<Snapshot>> {
        let slot = self.slot(owner);
        *locked(&slot.last_used) = Some(Instant::now());
        let current = slot.current();
        let reload = slot.stale.load(Ordering::Acquire)
            || current
                .as_ref()
                .is_none_or(|s| s.loaded_at.elapsed() > MAX_AGE);
        if reload && !slot.loading.swap(true, Ordering::AcqRel) {
            self.reload(owner.clone(), slot, fetch);
        }
        current
    }

    /// Starts the owner's load if it has no copy, and answers once no load runs.
    pub async fn loaded(&self, owner: &Owner, fetch: impl Fetch) {
        let _ = self.snapshot(owner, fetch);
        let slot = self.slot(owner);
        while slot.loading.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn reload(&self, owner: Owner, slot: Arc<Slot>, fetch: impl Fetch) {
        slot.stale.store(false, Ordering::Release);
        *locked(&slot.journal) = Some(Journal::default());
        let (slots, budget) = (Arc::clone(&self.slots), self.budget);
        tokio::spawn(async move {
            let started = Instant::now();
            let built = match fetch(None).await {
                // Indexing tens of thousands of contacts is CPU work: off the request threads.
                Ok(contacts) => tokio::task::spawn_blocking(move || Snapshot::build(contacts))
                    .await
                    .map_err(|e| e.to_string()),
                Err(error) => Err(error),
            };
            let serial = slot.serial.lock().await;
            let journal = locked(&slot.journal).take().unwrap_or_default();
            let replayed = async {
                let snapshot = built?;
                if journal.ids.is_empty() && !journal.cleared {
                    return Ok(snapshot);
                }
                let base = if journal.cleared {
                    snapshot.cleared()
                } else {
                    snapshot
                };
                let found = fetch(Some(journal.ids.clone())).await?;
                Ok::<_, String>(fold_if_needed(base.with(&journal.ids, found)).await)
            }
            .await;
            match replayed {
                Ok(snapshot) => {
                    tracing::info!(
                        ?owner,
                        contacts = snapshot.len(),
                        took_ms = started.elapsed().as_millis(),
                        "contacts copied in memory for lookups"
                    );
                    slot.install(Some(snapshot));
                    drop(serial);
                    enforce_budget(&slots, budget, &owner);
                }
                Err(error) => {
                    // Tried again at the next use; the copy that exists answers meanwhile.
                    slot.stale.store(true, Ordering::Release);
                    drop(serial);
                    tracing::warn!(?owner, %error, "cannot load the contacts to cache");
                }
            }
            slot.loading.store(false, Ordering::Release);
        });
    }

    /// Drops the copies nobody asked for lately.
    pub fn evict_idle(&self) {
        locked(&self.slots).retain(|_, slot| {
            let used = *locked(&slot.last_used);
            slot.loading.load(Ordering::Acquire) || used.is_some_and(|t| t.elapsed() < IDLE)
        });
    }
}
