//! PostgreSQL: a connection pool on `db_uri`, a monitor that keeps `/status` truthful, and the
//! migrations that create wazo-dird's schema or take over an existing wazo-dird database.
//!
//! The daemon starts whether or not PostgreSQL answers. The monitor retries with backoff, runs the
//! migrations once the server answers, and flags the storage unavailable again if it goes away; the
//! pool then reconnects by itself. Routes that need storage get a clear 503 meanwhile.

pub mod contact_cache;
mod migrations;

pub use migrations::HEAD_REVISION;

use actors::Backoff;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::NoTls;

/// How long a request waits for a connection before answering 503.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a healthy database is pinged.
const HEALTH_INTERVAL: Duration = Duration::from_secs(1);

/// An error of PostgreSQL's client with PostgreSQL's own reason: tokio-postgres writes a refusal of
/// the server as "db error" alone, and keeps its message ("sorry, too many clients already") and
/// code apart.
pub fn reason(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{error}: {} ({})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

/// A pool's error, with PostgreSQL's reason when the server refused the connection.
fn pool_reason(error: &deadpool_postgres::PoolError) -> String {
    match error {
        deadpool_postgres::PoolError::Backend(error) => reason(error),
        other => other.to_string(),
    }
}

/// Why storage cannot serve a request.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no database is configured (db_uri is null)")]
    NotConfigured,
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {}", reason(.0))]
    Query(#[from] tokio_postgres::Error),
}

/// The health of the storage, for `/status` (`Disabled`: no `db_uri`).
pub use crate::health::Health;

/// The shared storage handle.
#[derive(Debug, Clone)]
pub struct Storage {
    inner: Option<Arc<Inner>>,
}

#[derive(Debug)]
struct Inner {
    pool: Pool,
    /// `None` when `contact_cache.enabled` is false.
    contacts: Option<contact_cache::ContactCache>,
    ready: AtomicBool,
    /// Bumped each time the database becomes available (and migrated).
    generation: tokio::sync::watch::Sender<u64>,
    /// `true` once the first connection and migration ended, well or not.
    first_attempt_done: tokio::sync::watch::Sender<bool>,
    /// How long a request waits for that first attempt (`db_startup_wait`).
    startup_wait: Duration,
}

impl Storage {
    /// Storage on `db_uri`, or none. Nothing is connected yet: call [`Storage::spawn_monitor`].
    pub fn new(
        db_uri: Option<&str>,
        max_connections: usize,
        cache_contacts: Option<usize>,
        statement_timeout: Duration,
        startup_wait: Duration,
    ) -> Result<Self, String> {
        let Some(uri) = db_uri else {
            return Ok(Storage { inner: None });
        };
        let mut pg_config: tokio_postgres::Config =
            uri.parse().map_err(|e| format!("invalid db_uri: {e}"))?;
        pg_config.connect_timeout(CHECKOUT_TIMEOUT);
        if pg_config.get_application_name().is_none() {
            pg_config.application_name("wazo-dird");
        }
        // Every statement of every connection is cancelled by PostgreSQL past this.
        let options = format!(
            "{} -c statement_timeout={}",
            pg_config.get_options().unwrap_or_default(),
            statement_timeout.as_millis().max(1)
        );
        pg_config.options(options.trim());
        let manager = Manager::from_config(
            pg_config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(2))
            .wait_timeout(Some(CHECKOUT_TIMEOUT))
            .create_timeout(Some(CHECKOUT_TIMEOUT))
            .recycle_timeout(Some(CHECKOUT_TIMEOUT))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| format!("cannot build the database pool: {e}"))?;
        let (generation, _) = tokio::sync::watch::channel(0);
        Ok(Storage {
            inner: Some(Arc::new(Inner {
                pool,
                contacts: cache_contacts.map(contact_cache::ContactCache::new),
                ready: AtomicBool::new(false),
                generation,
                first_attempt_done: tokio::sync::watch::channel(false).0,
                startup_wait,
            })),
        })
    }

    pub fn health(&self) -> Health {
        match &self.inner {
            None => Health::Disabled,
            Some(inner) if inner.ready.load(Ordering::Acquire) => Health::Ok,
            Some(_) => Health::Fail,
        }
    }

    /// Notified each time the database becomes available; `None` without a database.
    pub fn subscribe_ready(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        self.inner
            .as_ref()
            .map(|inner| inner.generation.subscribe())
    }

    /// The pool's size and use (`None` without a database), for `/metrics`.
    pub fn pool_status(&self) -> Option<deadpool_postgres::Status> {
        self.inner.as_ref().map(|inner| inner.pool.status())
    }

    /// The in-memory copy of the contacts lookups read (none without a database).
    pub fn contact_cache(&self) -> Option<&contact_cache::ContactCache> {
        self.inner.as_ref()?.contacts.as_ref()
    }

    /// A pooled connection, or why there is none. At start, until the first connection and
    /// migration end (`db_startup_wait` at most), a request waits for them instead of failing.
    pub async fn client(&self) -> Result<Object, StorageError> {
        let inner = self.inner.as_ref().ok_or(StorageError::NotConfigured)?;
        if !inner.ready.load(Ordering::Acquire) {
            let mut done = inner.first_attempt_done.subscribe();
            let _ = tokio::time::timeout(inner.startup_wait, done.wait_for(|done| *done)).await;
        }
        if !inner.ready.load(Ordering::Acquire) {
            return Err(StorageError::Unavailable(
                "not connected yet, retrying in the background".into(),
            ));
        }
        inner
            .pool
            .get()
            .await
            .map_err(|e| StorageError::Unavailable(pool_reason(&e)))
    }

    /// Watches the database: migrates once it answers, and keeps the health flag up to date.
    pub fn spawn_monitor(&self) {
        let Some(inner) = self.inner.clone() else {
            return;
        };
        tokio::spawn(async move {
            let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
            let mut migrated = false;
            loop {
                let result = probe(&inner.pool, &mut migrated).await;
                let was_ready = inner.ready.swap(result.is_ok(), Ordering::AcqRel);
                inner.first_attempt_done.send_replace(true);
                match result {
                    Ok(()) => {
                        if !was_ready {
                            tracing::info!("database available");
                            inner.generation.send_modify(|generation| *generation += 1);
                            // Changes made while we could not see the database are unknown.
                            if let Some(contacts) = &inner.contacts {
                                contacts.invalidate_all();
                            }
                        }
                        if let Some(contacts) = &inner.contacts {
                            contacts.evict_idle();
                        }
                        backoff.reset();
                        tokio::time::sleep(HEALTH_INTERVAL).await;
                    }
                    Err(error) => {
                        let delay = backoff.next_delay();
                        if was_ready || delay == Duration::from_millis(250) {
                            tracing::error!(%error, "database unavailable, retrying");
                        } else {
                            tracing::debug!(%error, retry_in = ?delay, "database still unavailable");
                        }
                        tokio::time::sleep(delay).await;
                    }
                }
            }
        });
    }
}

/// Builds the search index of a taken-over database in the background, retrying with backoff until
/// it is built: the daemon serves meanwhile (lookups in PostgreSQL are only slower without it).
fn spawn_search_index(pool: Pool) {
    tokio::spawn(async move {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        loop {
            let result = match pool.get().await {
                Ok(client) => migrations::ensure_search_index(&client).await,
                Err(error) => Err(error.to_string()),
            };
            match result {
                Ok(()) => return,
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(%error, retry_in = ?delay, "contact search index not built yet");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    });
}

async fn probe(pool: &Pool, migrated: &mut bool) -> Result<(), String> {
    let mut client = pool.get().await.map_err(|e| pool_reason(&e))?;
    if !*migrated {
        warn_if_the_pool_is_large(pool, &client).await;
        if migrations::run(&mut client).await? == migrations::Migrated::TakenOver {
            spawn_search_index(pool.clone());
        }
        *migrated = true;
    }
    client
        .simple_query("SELECT 1")
        .await
        .map_err(|e| reason(&e))?;
    Ok(())
}

/// Warns when this instance's pool alone may take more than a third of PostgreSQL's
/// `max_connections`: two more instances of a cluster, or the other Wazo daemons on the same
/// server, would then be refused connections (docs/install.md, "cluster").
async fn warn_if_the_pool_is_large(pool: &Pool, client: &Object) {
    let Ok(row) = client
        .query_one("SELECT current_setting('max_connections')::int", &[])
        .await
    else {
        return;
    };
    let max_connections = row.get::<_, i32>(0);
    let pool_size = pool.status().max_size;
    if i64::try_from(pool_size).unwrap_or(i64::MAX) * 3 > i64::from(max_connections) {
        tracing::warn!(
            pool_size,
            max_connections,
            "db_pool_size exceeds a third of PostgreSQL's max_connections: other instances and \
             daemons on this server may be refused connections"
        );
    }
}
