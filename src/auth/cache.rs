//! The cache of wazo-auth's answers (token checks, token details, tenant lists):
//! - concurrent misses of one key make one call (single flight: the first caller's load is shared,
//!   as a `futures::future::Shared`, by every caller that misses meanwhile);
//! - an entry older than [`REFRESH_AT`] of its time to live is refreshed in the background while
//!   the cached answer keeps being served (past its time to live too, until the refresh lands),
//!   so a popular token never expires under load (no burst of calls to wazo-auth, no wait, at
//!   each expiry); an expired entry nobody refreshed is loaded again;
//! - entries live `auth.cache_ttl` seconds; a zero TTL disables caching (every request asks);
//! - beyond [`CAPACITY`] entries the expired ones are swept, then all if still too many.
//!
//! A `DashMap` rather than moka: moka's bookkeeping on every read cost a third of `/0.1/status`'s
//! throughput (72,232 against 83,312 requests/s, docs/performance.md); reads here are one shard
//! lock and a clone.

use dashmap::DashMap;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Entries beyond this many trigger a sweep (bounded memory under a token flood).
const CAPACITY: usize = 100_000;
/// Share of the time to live after which a read refreshes the entry in the background.
const REFRESH_AT: f64 = 0.8;

type Load<V, E> = Shared<BoxFuture<'static, Result<V, E>>>;

/// A cache of answers that expire after a fixed time.
pub struct TtlCache<K, V, E = ()> {
    entries: Arc<DashMap<K, (Instant, V)>>,
    /// Loads under way (misses and refreshes), shared by whoever needs the same key meanwhile.
    loading: Arc<DashMap<K, Load<V, E>>>,
    ttl: Duration,
}

impl<K, V, E> std::fmt::Debug for TtlCache<K, V, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TtlCache")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl<K, V, E> TtlCache<K, V, E>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E: Clone + Send + Sync + 'static,
{
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            entries: Arc::new(DashMap::new()),
            loading: Arc::new(DashMap::new()),
            ttl,
        }
    }

    /// The answer for `key`: cached, else loaded by `load` (once for all concurrent callers). A
    /// failed load is not cached: every waiting caller gets its error.
    pub async fn get_or_load<F, Fut>(&self, key: K, load: F) -> Result<V, E>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
    {
        if self.ttl.is_zero() {
            return load().await;
        }
        let cached = self
            .entries
            .get(&key)
            .map(|entry| (entry.0.elapsed(), entry.1.clone()));
        if let Some((age, value)) = cached {
            if age < self.ttl.mul_f64(REFRESH_AT) {
                return Ok(value);
            }
            // Old: refreshed behind the answer, which is still served past its time to live
            // while the refresh is on the way (a slow wazo-auth must not make callers wait). An
            // expired entry nobody refreshes is not served: it is loaded again, and waited for.
            let refreshing = self.loading.contains_key(&key);
            if age < self.ttl || refreshing {
                if !refreshing {
                    tokio::spawn(self.shared_load(key, &load));
                }
                return Ok(value);
            }
        }
        self.shared_load(key, &load).await
    }

    /// The load under way for `key`, or a new one that stores its answer when it lands.
    fn shared_load<F, Fut>(&self, key: K, load: &F) -> Load<V, E>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
    {
        self.loading
            .entry(key.clone())
            .or_insert_with(|| {
                let (entries, loading, running, ttl) = (
                    Arc::clone(&self.entries),
                    Arc::clone(&self.loading),
                    load(),
                    self.ttl,
                );
                async move {
                    let answer = running.await;
                    if let Ok(value) = &answer {
                        if entries.len() >= CAPACITY {
                            entries.retain(|_, (stored_at, _)| stored_at.elapsed() < ttl);
                            if entries.len() >= CAPACITY {
                                entries.clear();
                            }
                        }
                        entries.insert(key.clone(), (Instant::now(), value.clone()));
                    }
                    loading.remove(&key);
                    answer
                }
                .boxed()
                .shared()
            })
            .clone()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.entries.clear();
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
