//! The directory actor: the one owner of the catalog (sources, displays and profiles, declared and
//! stored) and of the source registry's shape.
//!
//! Every change is a message applied in order: the declared items of the configuration (start-up,
//! SIGHUP), and "read the stored items again" (after an API write, when the database comes back,
//! when a peer instance announces a change). A read starts after the write that asked for it was
//! committed, and reads never overlap: the requests that arrive during one are answered by the next
//! one, so no reload can install an older set over a newer one and a burst of writes costs two
//! reads at most. Each applied change reconciles the source actors, then publishes an immutable
//! snapshot that readers load without a lock. A read that fails is answered as failed to whoever
//! waits for it and retried with backoff until it succeeds: the catalog always ends on the
//! database's state.
//!
//! Queries do not go through it: they read the published snapshot and ask the sources through the
//! engine (`super::directory`). The actor's loop never waits on I/O: reads of the database run in
//! a task whose end is a message.

use super::engine::Engine;
use crate::resources::catalog::{CatalogReload, Published, Snapshot};
use crate::resources::declared::Declared;
use crate::resources::profiles::model::Profile;
use crate::resources::ResourceError;
use crate::resources::{displays, profiles, sources};
use crate::storage::Storage;
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// Why a read of the stored items failed (it is retried in the background).
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot read the stored sources, displays and profiles: {0}")]
pub struct ReloadError(String);

/// A profile with its display, resolved for one request.
#[derive(Debug, Clone)]
pub struct ResolvedProfile {
    pub profile: Arc<Profile>,
    pub display: Option<Arc<crate::resources::displays::model::Display>>,
}

/// The profile named `name` in `tenant_uuid`, with its display, from one snapshot (O(1)).
pub fn resolve(snapshot: &Snapshot, tenant_uuid: &str, name: &str) -> Option<ResolvedProfile> {
    let profile = Arc::clone(snapshot.profiles.by_name(tenant_uuid, name)?);
    let display = profile
        .display
        .as_deref()
        .and_then(|uuid| snapshot.displays.get_any(uuid))
        .cloned();
    Some(ResolvedProfile { profile, display })
}

enum Message {
    Declared(Box<Declared>, oneshot::Sender<u64>),
    Reload(Option<oneshot::Sender<Result<u64, ReloadError>>>),
    /// The end of a read of the stored items.
    Read(Result<Box<Stored>, ResourceError>),
}

/// The address of the directory actor, and the snapshots it publishes.
#[derive(Debug, Clone)]
pub struct DirectoryActor {
    changes: mpsc::UnboundedSender<Message>,
    published: Published,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Message::Declared(..) => "Declared",
            Message::Reload(_) => "Reload",
            Message::Read(_) => "Read",
        })
    }
}

impl DirectoryActor {
    /// The actor's address, and its inbox to start it with ([`Inbox::spawn`]) once what it
    /// needs exists (the services hold its address first: each write awaits the catalog).
    pub fn new(published: Published) -> (Self, Inbox) {
        let (changes, inbox) = mpsc::unbounded_channel();
        let own = changes.downgrade();
        let actor = DirectoryActor {
            changes,
            published: published.clone(),
        };
        (
            actor,
            Inbox {
                inbox,
                own,
                published,
            },
        )
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.published.load()
    }

    /// Replaces the declared items; answers the version of the snapshot that holds them.
    pub async fn set_declared(&self, declared: Declared) -> u64 {
        let (reply, answer) = oneshot::channel();
        if self
            .changes
            .send(Message::Declared(Box::new(declared), reply))
            .is_err()
        {
            return self.snapshot().version;
        }
        answer.await.unwrap_or_else(|_| self.snapshot().version)
    }

    /// Reads the stored items again, after every change committed before this call; answers the
    /// version of the snapshot that holds them.
    pub async fn reload(&self) -> Result<u64, ReloadError> {
        let stopped = || ReloadError("the directory actor has stopped".into());
        let (reply, answer) = oneshot::channel();
        self.changes
            .send(Message::Reload(Some(reply)))
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The inbox of a directory actor that is not started yet.
#[derive(Debug)]
pub struct Inbox {
    inbox: mpsc::UnboundedReceiver<Message>,
    own: mpsc::WeakUnboundedSender<Message>,
    published: Published,
}

impl Inbox {
    /// Starts the actor on `runtime`. It reads the stored items each time `storage` becomes
    /// available.
    pub fn spawn(self, storage: Storage, engine: Arc<Engine>, runtime: &tokio::runtime::Handle) {
        let actor = Actor {
            changes_inbox: self.inbox,
            own: self.own,
            published: self.published,
            storage,
            engine,
            runtime: runtime.clone(),
            retry: actors::Backoff::new(Duration::from_millis(200), Duration::from_secs(10)),
            reading: None,
            waiting: Vec::new(),
            read_asked: false,
        };
        runtime.spawn(actor.run());
    }
}

impl CatalogReload for DirectoryActor {
    /// After a committed write: until the catalog holds it. A failed read does not fail the
    /// write, which is committed: the actor retries until it holds the database's state.
    fn await_catalog(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            if let Err(error) = self.reload().await {
                tracing::warn!(%error, "change committed; the catalog will catch up when it can read it");
            }
        })
    }
}

type Stored = (
    Vec<sources::model::Source>,
    Vec<displays::model::Display>,
    Vec<profiles::model::Profile>,
    Vec<(String, String)>,
);

type ReloadWaiter = oneshot::Sender<Result<u64, ReloadError>>;

struct Actor {
    changes_inbox: mpsc::UnboundedReceiver<Message>,
    /// To send itself the end of a read (weak: the actor stops once every address is gone).
    own: mpsc::WeakUnboundedSender<Message>,
    published: Published,
    storage: Storage,
    engine: Arc<Engine>,
    runtime: tokio::runtime::Handle,
    retry: actors::Backoff,
    /// The waiters of the read in flight, if one is.
    reading: Option<Vec<ReloadWaiter>>,
    /// Waiters of the next read (they asked after the one in flight started).
    waiting: Vec<ReloadWaiter>,
    /// A read is wanted after the one in flight (or after the backoff).
    read_asked: bool,
}

impl Actor {
    async fn run(mut self) {
        let mut ready = self.storage.subscribe_ready();
        // The database may have become available before the actor started: read it at once.
        let mut retry_at: Option<Instant> = ready
            .as_mut()
            .is_some_and(|ready| *ready.borrow_and_update() > 0)
            .then(Instant::now);
        loop {
            tokio::select! {
                biased;
                message = self.changes_inbox.recv() => match message {
                    Some(Message::Declared(declared, reply)) => {
                        let version = self.apply_declared(*declared);
                        let _ = reply.send(version);
                    }
                    Some(Message::Reload(waiter)) => {
                        self.waiting.extend(waiter);
                        self.read_asked = true;
                    }
                    Some(Message::Read(result)) => {
                        retry_at = self.read_done(result).map(|delay| Instant::now() + delay);
                    }
                    None => return,
                },
                changed = async { ready.as_mut()?.changed().await.ok() }, if ready.is_some() => {
                    if changed.is_none() {
                        ready = None;
                    } else {
                        tracing::info!("database available: reading the stored sources, displays and profiles");
                        self.read_asked = true;
                    }
                }
                () = async { tokio::time::sleep_until(retry_at.unwrap_or_else(Instant::now)).await }, if retry_at.is_some() && self.reading.is_none() => {
                    retry_at = None;
                    self.read_asked = true;
                }
            }
            // During a backoff, only a writer waiting for its change starts a read early.
            if self.read_asked
                && self.reading.is_none()
                && (retry_at.is_none() || !self.waiting.is_empty())
            {
                self.start_read();
            }
        }
    }

    /// Spawns a read of the stored items for the waiters so far.
    fn start_read(&mut self) {
        self.read_asked = false;
        self.reading = Some(std::mem::take(&mut self.waiting));
        let storage = self.storage.clone();
        let own = self.own.clone();
        self.runtime.spawn(async move {
            let result = read_stored(&storage).await.map(Box::new);
            if let Some(own) = own.upgrade() {
                let _ = own.send(Message::Read(result));
            }
        });
    }

    /// Applies a finished read and answers its waiters; the delay before a retry if it failed.
    fn read_done(&mut self, result: Result<Box<Stored>, ResourceError>) -> Option<Duration> {
        let waiters = self.reading.take().unwrap_or_default();
        let (outcome, retry_in) = match result {
            Ok(stored) => {
                let (sources, displays, profiles, countries) = *stored;
                self.engine.countries().replace(countries);
                let version = self.publish(|current, next| {
                    next.sources = Arc::new(current.sources.with_stored(sources));
                    next.displays = Arc::new(current.displays.with_stored(displays));
                    next.profiles = Arc::new(current.profiles.with_stored(profiles));
                    next.stored_loaded = true;
                });
                self.retry.reset();
                (Ok(version), None)
            }
            // Without a database there is nothing stored to read, and never will be.
            Err(ResourceError::Storage(crate::storage::StorageError::NotConfigured)) => {
                (Ok(self.published.load().version), None)
            }
            Err(error) => {
                let delay = self.retry.next_delay();
                tracing::warn!(%error, retry_in = ?delay, "catalog not refreshed");
                (Err(ReloadError(error.to_string())), Some(delay))
            }
        };
        for waiter in waiters {
            let _ = waiter.send(outcome.clone());
        }
        retry_in
    }

    fn apply_declared(&mut self, declared: Declared) -> u64 {
        tracing::info!(
            sources = declared.sources.len(),
            displays = declared.displays.len(),
            profiles = declared.profiles.len(),
            "declared resources applied"
        );
        self.publish(|current, next| {
            next.sources = Arc::new(current.sources.with_declared(declared.sources));
            next.displays = Arc::new(current.displays.with_declared(declared.displays));
            next.profiles = Arc::new(current.profiles.with_declared(declared.profiles));
        })
    }

    /// Publishes the next snapshot as `change` makes it from the current one, after reconciling
    /// the source actors with it (so that a profile of the new snapshot finds its sources running).
    fn publish(&mut self, change: impl FnOnce(&Snapshot, &mut Snapshot)) -> u64 {
        let current = self.published.load();
        let mut next = Snapshot {
            version: current.version + 1,
            stored_loaded: current.stored_loaded,
            sources: Arc::clone(&current.sources),
            displays: Arc::clone(&current.displays),
            profiles: Arc::clone(&current.profiles),
        };
        change(&current, &mut next);
        self.engine.reconcile(&next.sources);
        let version = next.version;
        self.published.publish(next);
        version
    }
}

/// The stored sources, displays and profiles (and the tenants' countries), read in one read-only transaction so that they are
/// consistent with each other.
async fn read_stored(storage: &Storage) -> Result<Stored, ResourceError> {
    let mut client = storage.client().await?;
    let transaction = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let sources = sources::dao::load_all(&transaction).await?;
    let displays = displays::dao::load_all(&transaction).await?;
    let profiles = profiles::dao::load_all(&transaction).await?;
    let countries = crate::resources::tenants::dao::countries(&transaction).await?;
    transaction.commit().await?;
    Ok((sources, displays, profiles, countries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::sources::model::Source;
    use crate::resources::sources::service::SourceService;

    fn source(index: usize) -> Source {
        Source {
            uuid: format!("uuid-{index}"),
            tenant_uuid: "t".into(),
            name: format!("s{index}"),
            backend: "csv".into(),
            searched_columns: Vec::new(),
            first_matched_columns: Vec::new(),
            format_columns: std::collections::BTreeMap::new(),
            extra_fields: serde_json::Map::new(),
            timeout: None,
        }
    }

    #[tokio::test]
    async fn changes_are_applied_in_order_each_in_a_snapshot_of_its_own() {
        let storage = Storage::new(None, 2, None, Duration::from_secs(30), Duration::ZERO)
            .expect("no storage");
        let published = Published::default();
        let (actor, inbox) = DirectoryActor::new(published.clone());
        let sources = Arc::new(SourceService::new(
            storage.clone(),
            crate::bus::Bus::disabled(),
            published,
            Arc::new(actor.clone()),
            Vec::new(),
        ));
        let engine = Arc::new(crate::services::engine::for_tests(
            sources,
            Vec::new(),
            storage.clone(),
        ));
        inbox.spawn(storage, engine, &tokio::runtime::Handle::current());
        let changes = (0..20).map(|index| {
            let actor = actor.clone();
            async move {
                let declared = Declared {
                    sources: vec![source(index)],
                    displays: Vec::new(),
                    profiles: Vec::new(),
                };
                (index, actor.set_declared(declared).await)
            }
        });
        let mut versions = futures_util::future::join_all(changes).await;
        versions.sort_by_key(|(_, version)| *version);
        let answered: Vec<u64> = versions.iter().map(|(_, version)| *version).collect();
        assert_eq!(
            answered,
            (1..=20).collect::<Vec<u64>>(),
            "one snapshot per change"
        );
        let last = versions.last().map(|(index, _)| *index).expect("changes");
        let snapshot = actor.snapshot();
        assert_eq!(snapshot.version, 20);
        let names: Vec<&str> = snapshot
            .sources
            .all()
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, [format!("s{last}")], "the last change applied wins");
        // Without a database a reload has nothing to read, and says so at once.
        assert_eq!(actor.reload().await.expect("no database"), 20);
    }
}
