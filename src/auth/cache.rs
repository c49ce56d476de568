//! The cache of wazo-auth's answers (token checks, token details, tenant lists), on moka:
//! - concurrent misses of one key make one call (single flight), the others wait for its answer;
//! - an entry older than [`REFRESH_AT`] of its time to live is refreshed in the background while
//!   the cached answer keeps being served (past its time to live too, until the refresh lands),
//!   so a popular token never expires under load (no burst of calls to wazo-auth, no wait, at
//!   each expiry); an expired entry nobody refreshed is loaded again;
//! - entries live `auth.cache_ttl` seconds; a zero TTL disables caching (every request asks);
//! - at most [`CAPACITY`] entries (least recently used evicted), so a token flood is bounded.

use dashmap::DashSet;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most entries a cache keeps.
const CAPACITY: u64 = 100_000;
/// Share of the time to live after which a read refreshes the entry in the background.
const REFRESH_AT: f64 = 0.8;

/// A cache of answers that expire after a fixed time.
#[derive(Debug)]
pub struct TtlCache<K: Eq + Hash + Send + Sync + 'static, V: Clone + Send + Sync + 'static> {
    entries: Option<moka::future::Cache<K, (Instant, V)>>,
    refreshing: Arc<DashSet<K>>,
    ttl: Duration,
}

impl<K, V> TtlCache<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub fn new(ttl: Duration) -> Self {
        let entries = (!ttl.is_zero()).then(|| {
            // Kept twice their time to live, so that a refresh under way can still serve them.
            moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl * 2)
                .build()
        });
        TtlCache {
            entries,
            refreshing: Arc::new(DashSet::new()),
            ttl,
        }
    }

    /// The answer for `key`: cached, else loaded by `load` (once for all concurrent callers). A
    /// failed load is not cached: every waiting caller gets its error.
    pub async fn get_or_load<E, F, Fut>(&self, key: K, load: F) -> Result<V, E>
    where
        E: Clone + Send + Sync + 'static,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
    {
        let Some(entries) = &self.entries else {
            return load().await;
        };
        if let Some((stored_at, value)) = entries.get(&key).await {
            let age = stored_at.elapsed();
            if age < self.ttl.mul_f64(REFRESH_AT) {
                return Ok(value);
            }
            // Old: refreshed behind the answer. Past its time to live it is still served while
            // its refresh is on the way (a slow wazo-auth must not make callers wait), but an
            // expired entry nobody refreshes is not: it is loaded again, and waited for.
            let started = age < self.ttl && self.refreshing.insert(key.clone());
            if started {
                let (entries, refreshing, refresh) =
                    (entries.clone(), Arc::clone(&self.refreshing), load());
                let key = key.clone();
                tokio::spawn(async move {
                    if let Ok(value) = refresh.await {
                        entries.insert(key.clone(), (Instant::now(), value)).await;
                    }
                    refreshing.remove(&key);
                });
            }
            if started || self.refreshing.contains(&key) {
                return Ok(value);
            }
            entries.invalidate(&key).await;
        }
        let loading = load();
        entries
            .try_get_with(
                key,
                async move { loading.await.map(|v| (Instant::now(), v)) },
            )
            .await
            .map(|(_, value)| value)
            .map_err(|error| (*error).clone())
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting_load(
        calls: &Arc<AtomicUsize>,
        pause: Duration,
    ) -> impl Fn() -> futures_util::future::BoxFuture<'static, Result<usize, ()>> {
        let calls = Arc::clone(calls);
        move || {
            let calls = Arc::clone(&calls);
            Box::pin(async move {
                tokio::time::sleep(pause).await;
                Ok(calls.fetch_add(1, Ordering::SeqCst) + 1)
            })
        }
    }

    #[tokio::test]
    async fn concurrent_misses_make_one_load() {
        let cache = Arc::new(TtlCache::new(Duration::from_secs(60)));
        let calls = Arc::new(AtomicUsize::new(0));
        let load = Arc::new(counting_load(&calls, Duration::from_millis(50)));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (cache, load) = (Arc::clone(&cache), Arc::clone(&load));
                tokio::spawn(async move { cache.get_or_load("k", || load()).await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("task"), Ok(1));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_old_entry_is_served_while_it_is_refreshed_and_zero_ttl_stores_nothing() {
        let cache = TtlCache::new(Duration::from_millis(200));
        let calls = Arc::new(AtomicUsize::new(0));
        let load = counting_load(&calls, Duration::from_millis(20));
        assert_eq!(cache.get_or_load("k", &load).await, Ok(1));
        tokio::time::sleep(Duration::from_millis(170)).await;
        assert_eq!(
            cache.get_or_load("k", &load).await,
            Ok(1),
            "served at once, refreshed behind"
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(
            cache.get_or_load("k", &load).await,
            Ok(2),
            "the refreshed answer, past the first one's expiry"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        let off = TtlCache::new(Duration::ZERO);
        assert_eq!(off.get_or_load("k", &load).await, Ok(3));
        assert_eq!(off.get_or_load("k", &load).await, Ok(4));
    }
}
