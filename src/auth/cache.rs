//! A small concurrent map whose entries expire after a fixed time, for token checks and tenant lists.

use dashmap::DashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Entries beyond this many trigger a sweep of expired ones (bounded memory under a token flood).
const SWEEP_ABOVE: usize = 50_000;

/// A time-to-live cache. A zero TTL disables it (nothing is stored).
#[derive(Debug)]
pub struct TtlCache<K: Eq + Hash, V> {
    entries: DashMap<K, (Instant, V)>,
    ttl: Duration,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            entries: DashMap::new(),
            ttl,
        }
    }

    /// The value stored for `key` if it has not expired.
    pub fn get(&self, key: &K) -> Option<V> {
        let entry = self.entries.get(key)?;
        let (stored_at, value) = entry.value();
        (stored_at.elapsed() < self.ttl).then(|| value.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        if self.entries.len() >= SWEEP_ABOVE {
            self.entries
                .retain(|_, (stored_at, _)| stored_at.elapsed() < self.ttl);
            if self.entries.len() >= SWEEP_ABOVE {
                self.entries.clear();
            }
        }
        self.entries.insert(key, (Instant::now(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_zero_ttl_stores_nothing() {
        let cache = TtlCache::new(Duration::from_millis(30));
        cache.insert("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&"a"), None);
        let off = TtlCache::new(Duration::ZERO);
        off.insert("a", 1);
        assert_eq!(off.get(&"a"), None);
    }
}
