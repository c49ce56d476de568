//! An in-memory copy of the contacts lookups read most: each phonebook's, each user's personal
//! ones. A lookup in a 25,000-contact phonebook then costs a trigram-index probe in memory instead
//! of a PostgreSQL query (about 15 ms of database CPU for `ILIKE '%term%'`, index or not).
//!
//! Freshness: every write to an owner's contacts bumps the owner's *generation* once committed
//! (through this process's services, or through the bus events of the other instances of a
//! cluster). A snapshot serves only while its generation is current; otherwise the caller reads
//! the database (always correct) and a reload runs in the background. A write made while a
//! reload reads the database leaves that reload stale, so it never hides a change. As a safety net
//! for missed bus events, a snapshot older than [`MAX_AGE`] is reloaded (and still served meanwhile).

use crate::text::fold_accents;
use crate::text::trigram::TrigramIndex;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How old a snapshot may grow before it is reloaded even without a known change.
pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Snapshots unused this long are dropped (personal contacts of users who stopped calling).
const IDLE: Duration = Duration::from_secs(600);

/// Whose contacts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    Phonebook(String),
    User(String),
}

/// A contact: its fields, `id` included.
pub type Contact = Map<String, Value>;

/// The contacts of one owner at one generation, indexed for substring and exact matches.
#[derive(Debug)]
pub struct Snapshot {
    generation: u64,
    loaded_at: Instant,
    contacts: Vec<Contact>,
    /// Per contact: `(field, folded value)` of every field but `id`.
    folded: Vec<Vec<(String, String)>>,
    index: TrigramIndex,
    by_value: HashMap<String, Vec<u32>>,
    by_id: HashMap<String, u32>,
}

impl Snapshot {
    fn build(generation: u64, contacts: Vec<Contact>) -> Self {
        let mut folded = Vec::with_capacity(contacts.len());
        let mut by_value: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (row, contact) in contacts.iter().enumerate() {
            let row = u32::try_from(row).unwrap_or(u32::MAX);
            let mut fields = Vec::with_capacity(contact.len());
            for (name, value) in contact {
                let Some(text) = value.as_str() else { continue };
                if name == "id" {
                    by_id.insert(text.to_owned(), row);
                    continue;
                }
                by_value.entry(text.to_owned()).or_default().push(row);
                fields.push((name.clone(), fold_accents(text)));
            }
            folded.push(fields);
        }
        let values: Vec<Vec<String>> = folded
            .iter()
            .map(|fields: &Vec<(String, String)>| fields.iter().map(|(_, v)| v.clone()).collect())
            .collect();
        let index = TrigramIndex::build(values.iter().map(Vec::as_slice));
        Snapshot {
            generation,
            loaded_at: Instant::now(),
            contacts,
            folded,
            index,
            by_value,
            by_id,
        }
    }

    /// Contacts with a field among `columns` containing `term` (case- and accent-insensitive, as
    /// `dird_unaccent(value) ILIKE dird_unaccent('%term%')`).
    pub fn search(&self, columns: &[String], term: &str) -> Vec<Contact> {
        let needle = fold_accents(term);
        self.index
            .candidates(&needle)
            .into_iter()
            .filter(|&row| {
                self.folded[row as usize]
                    .iter()
                    .any(|(name, value)| columns.contains(name) && value.contains(&needle))
            })
            .map(|row| self.contacts[row as usize].clone())
            .collect()
    }

    /// Contacts with a field among `columns` equal to one of `values`.
    pub fn matching(&self, columns: &[String], values: &[String]) -> Vec<Contact> {
        let mut rows: Vec<u32> = values
            .iter()
            .filter_map(|value| self.by_value.get(value))
            .flatten()
            .copied()
            .filter(|&row| {
                let contact = &self.contacts[row as usize];
                columns.iter().any(|column| {
                    contact
                        .get(column)
                        .and_then(Value::as_str)
                        .is_some_and(|v| values.iter().any(|wanted| wanted == v))
                })
            })
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows.into_iter()
            .map(|row| self.contacts[row as usize].clone())
            .collect()
    }

    /// The contacts whose id is among `ids`.
    pub fn by_ids(&self, ids: &[String]) -> Vec<Contact> {
        ids.iter()
            .filter_map(|id| self.by_id.get(id))
            .map(|&row| self.contacts[row as usize].clone())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }
}

#[derive(Debug, Default)]
struct Slot {
    generation: AtomicU64,
    current: RwLock<Option<Arc<Snapshot>>>,
    loading: AtomicBool,
    last_used: Mutex<Option<Instant>>,
}

/// The snapshots of every owner, and their generations.
#[derive(Debug)]
pub struct ContactCache {
    slots: Arc<Mutex<HashMap<Owner, Arc<Slot>>>>,
    /// Most contacts held in memory, all owners together (`contact_cache.max_contacts`).
    budget: usize,
}

/// Drops the snapshots of the owners used least recently (never `keep`'s) until the copies hold at
/// most `budget` contacts; their lookups go to PostgreSQL until they are used, and copied, again.
fn enforce_budget(slots: &Mutex<HashMap<Owner, Arc<Slot>>>, budget: usize, keep: &Owner) {
    let slots = slots.lock().unwrap_or_else(|e| e.into_inner());
    let held = |slot: &Slot| {
        slot.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map_or(0, |snapshot| snapshot.len())
    };
    let mut total: usize = slots.values().map(|slot| held(slot)).sum();
    if total <= budget {
        return;
    }
    let mut by_age: Vec<(&Owner, &Arc<Slot>)> =
        slots.iter().filter(|(owner, _)| *owner != keep).collect();
    by_age.sort_by_key(|(_, slot)| *slot.last_used.lock().unwrap_or_else(|e| e.into_inner()));
    for (owner, slot) in by_age {
        if total <= budget {
            break;
        }
        let dropped = held(slot);
        if dropped == 0 {
            continue;
        }
        *slot.current.write().unwrap_or_else(|e| e.into_inner()) = None;
        total -= dropped;
        tracing::info!(
            ?owner,
            contacts = dropped,
            budget,
            "contacts dropped from memory: contact_cache.max_contacts reached"
        );
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
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(slots.entry(owner.clone()).or_default())
    }

    /// The owner's contacts changed (call once the change is committed).
    pub fn invalidate(&self, owner: &Owner) {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = slots.get(owner) {
            slot.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Every owner's contacts may have changed (the database came back, a user vanished…).
    pub fn invalidate_all(&self) {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        for slot in slots.values() {
            slot.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// The owner's current snapshot, or `None` when there is none yet or it is stale: the caller
    /// then reads the database. In both cases a reload with `load` starts in the background unless
    /// one is running.
    pub fn snapshot<F, Fut>(&self, owner: &Owner, load: F) -> Option<Arc<Snapshot>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Contact>, String>> + Send + 'static,
    {
        let slot = self.slot(owner);
        *slot.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        let generation = slot.generation.load(Ordering::Acquire);
        let current = slot
            .current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let fresh = current.filter(|s| s.generation == generation);
        let old = fresh
            .as_ref()
            .is_none_or(|s| s.loaded_at.elapsed() > MAX_AGE);
        if old && !slot.loading.swap(true, Ordering::AcqRel) {
            let future = load();
            let slot = Arc::clone(&slot);
            let owner = owner.clone();
            let (slots, budget) = (Arc::clone(&self.slots), self.budget);
            tokio::spawn(async move {
                let started = Instant::now();
                let built = match future.await {
                    // Indexing tens of thousands of contacts is CPU work: off the request threads.
                    Ok(contacts) => {
                        tokio::task::spawn_blocking(move || Snapshot::build(generation, contacts))
                            .await
                            .map_err(|e| e.to_string())
                    }
                    Err(error) => Err(error),
                };
                match built {
                    Ok(snapshot) => {
                        let snapshot = Arc::new(snapshot);
                        tracing::info!(
                            ?owner,
                            generation,
                            contacts = snapshot.len(),
                            took_ms = started.elapsed().as_millis(),
                            "contacts copied in memory for lookups"
                        );
                        *slot.current.write().unwrap_or_else(|e| e.into_inner()) = Some(snapshot);
                        enforce_budget(&slots, budget, &owner);
                    }
                    Err(error) => {
                        tracing::warn!(?owner, %error, "cannot load the contacts to cache")
                    }
                }
                slot.loading.store(false, Ordering::Release);
            });
        }
        fresh
    }

    /// Drops the snapshots nobody asked for lately.
    pub fn evict_idle(&self) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.retain(|_, slot| {
            let used = *slot.last_used.lock().unwrap_or_else(|e| e.into_inner());
            slot.loading.load(Ordering::Acquire) || used.is_some_and(|t| t.elapsed() < IDLE)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contact(value: Value) -> Contact {
        value.as_object().cloned().unwrap_or_default()
    }

    fn contacts() -> Vec<Contact> {
        vec![
            contact(
                json!({"id": "1", "firstname": "Élodie", "lastname": "Martin", "number": "1001"}),
            ),
            contact(
                json!({"id": "2", "firstname": "Alice", "lastname": "Martin", "mobile": "1001"}),
            ),
            contact(
                json!({"id": "3", "firstname": "Алиса", "lastname": "Иванова", "number": "1003"}),
            ),
        ]
    }

    #[test]
    fn snapshots_search_match_and_list() {
        let snapshot = Snapshot::build(0, contacts());
        let names = |found: Vec<Contact>| -> Vec<String> {
            found
                .iter()
                .map(|c| c["firstname"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        let columns = vec!["firstname".to_owned(), "lastname".to_owned()];
        assert_eq!(names(snapshot.search(&columns, "ELOD")), ["Élodie"]);
        assert_eq!(
            names(snapshot.search(&columns, "mart")),
            ["Élodie", "Alice"]
        );
        assert_eq!(
            names(snapshot.search(&columns, "али")),
            ["Алиса"],
            "no transliteration"
        );
        assert!(
            snapshot.search(&["number".to_owned()], "mart").is_empty(),
            "only the searched columns"
        );
        assert!(snapshot.search(&columns, "1001").is_empty());
        assert_eq!(
            names(snapshot.matching(&["number".to_owned()], &["1001".to_owned()])),
            ["Élodie"]
        );
        assert_eq!(
            names(snapshot.matching(
                &["number".to_owned(), "mobile".to_owned()],
                &["1001".to_owned()]
            )),
            ["Élodie", "Alice"]
        );
        assert!(
            snapshot
                .matching(&["number".to_owned()], &["100".to_owned()])
                .is_empty(),
            "whole values"
        );
        assert_eq!(
            names(snapshot.by_ids(&["3".to_owned(), "9".to_owned()])),
            ["Алиса"]
        );
    }

    /// Waits for the background reload to finish (it runs on the blocking pool).
    async fn settle(cache: &ContactCache, owner: &Owner) {
        let slot = cache.slot(owner);
        for _ in 0..200 {
            if !slot.loading.load(Ordering::Acquire) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("the reload never finished");
    }

    #[tokio::test]
    async fn a_change_makes_the_snapshot_stale_until_reloaded() {
        let cache = ContactCache::new(usize::MAX);
        let owner = Owner::Phonebook("p".into());
        let load = |n: usize| {
            move || async move { Ok(contacts().into_iter().take(n).collect::<Vec<_>>()) }
        };
        assert!(
            cache.snapshot(&owner, load(2)).is_none(),
            "nothing loaded yet"
        );
        settle(&cache, &owner).await;
        let loaded = cache
            .snapshot(&owner, load(3))
            .expect("loaded in the background");
        assert_eq!(loaded.len(), 2);
        cache.invalidate(&owner);
        assert!(
            cache.snapshot(&owner, load(3)).is_none(),
            "stale after a change"
        );
        settle(&cache, &owner).await;
        assert_eq!(cache.snapshot(&owner, load(1)).expect("reloaded").len(), 3);

        // A change during a reload leaves the reloaded snapshot stale.
        cache.invalidate(&owner);
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let slow = move || async move {
            let _ = wait.await;
            Ok(contacts())
        };
        assert!(cache.snapshot(&owner, slow).is_none());
        cache.invalidate(&owner);
        let _ = release.send(());
        settle(&cache, &owner).await;
        assert!(
            cache.snapshot(&owner, load(1)).is_none(),
            "loaded before the last change: stale"
        );
        settle(&cache, &owner).await;
        assert_eq!(cache.snapshot(&owner, load(1)).expect("reloaded").len(), 1);
    }
}
