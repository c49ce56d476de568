//! The catalog actor: the one owner of the catalog's changes (sources, displays and profiles,
//! declared and stored) and of the source registry's shape.
//!
//! Every change is a message applied in order: the declared items of the configuration (start-up,
//! SIGHUP), and "read the stored items again" (after an API write, when the database comes back,
//! when a peer instance announces a change). Messages that wait together are applied together, so a
//! burst of writes costs one read of the database, and a read always starts after the write that
//! asked for it was committed: no reload can install an older set over a newer one. Each applied
//! change reconciles the source actors, then publishes an immutable snapshot that readers load
//! without a lock.
//!
//! A read that fails is answered as failed to whoever waits for it, and retried with backoff until
//! it succeeds: the catalog always ends on the database's state.

use crate::resources::catalog::{Published, Snapshot};
use crate::resources::declared::Declared;
use crate::resources::sources::service::SourceService;
use crate::resources::ResourceError;
use crate::resources::{displays, profiles, sources};
use crate::storage::Storage;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Why a read of the stored items failed (it is retried in the background).
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot read the stored sources, displays and profiles: {0}")]
pub struct ReloadError(String);

enum Message {
    Declared(Box<Declared>, oneshot::Sender<u64>),
    Reload(Option<oneshot::Sender<Result<u64, ReloadError>>>),
}

/// The address of the catalog actor, and the snapshots it publishes.
#[derive(Debug, Clone)]
pub struct CatalogHandle {
    mailbox: mpsc::UnboundedSender<Message>,
    published: Published,
}

impl CatalogHandle {
    /// Starts the actor on the current runtime. It reads the stored items each time `storage`
    /// becomes available.
    pub fn spawn(published: Published, storage: Storage, sources: Arc<SourceService>) -> Self {
        let (mailbox, inbox) = mpsc::unbounded_channel();
        let actor = CatalogActor {
            inbox,
            published: published.clone(),
            storage,
            sources,
            retry: actors::Backoff::new(Duration::from_millis(200), Duration::from_secs(10)),
        };
        tokio::spawn(actor.run());
        CatalogHandle { mailbox, published }
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.published.load()
    }

    /// Replaces the declared items; answers the version of the snapshot that holds them.
    pub async fn set_declared(&self, declared: Declared) -> u64 {
        let (reply, answer) = oneshot::channel();
        if self
            .mailbox
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
        let (reply, answer) = oneshot::channel();
        self.mailbox
            .send(Message::Reload(Some(reply)))
            .map_err(|_| ReloadError("the catalog actor has stopped".into()))?;
        answer
            .await
            .map_err(|_| ReloadError("the catalog actor has stopped".into()))?
    }
}

struct CatalogActor {
    inbox: mpsc::UnboundedReceiver<Message>,
    published: Published,
    storage: Storage,
    sources: Arc<SourceService>,
    retry: actors::Backoff,
}

/// What one turn of the actor applies.
#[derive(Default)]
struct Batch {
    declared: Option<Declared>,
    declared_waiters: Vec<oneshot::Sender<u64>>,
    reload: bool,
    reload_waiters: Vec<oneshot::Sender<Result<u64, ReloadError>>>,
}

impl Batch {
    fn add(&mut self, message: Message) {
        match message {
            Message::Declared(declared, waiter) => {
                // Each declared set replaces the whole previous one: the last wins.
                self.declared = Some(*declared);
                self.declared_waiters.push(waiter);
            }
            Message::Reload(waiter) => {
                self.reload = true;
                self.reload_waiters.extend(waiter);
            }
        }
    }
}

type Stored = (
    Vec<sources::model::Source>,
    Vec<displays::model::Display>,
    Vec<profiles::model::Profile>,
);

impl CatalogActor {
    async fn run(mut self) {
        let mut ready = self.storage.subscribe_ready();
        // The database may have become available before the actor started: read it at once.
        let mut retry_in: Option<Duration> = ready
            .as_mut()
            .is_some_and(|ready| *ready.borrow_and_update() > 0)
            .then_some(Duration::ZERO);
        loop {
            let mut batch = Batch::default();
            tokio::select! {
                message = self.inbox.recv() => match message {
                    Some(message) => batch.add(message),
                    None => return,
                },
                changed = async { ready.as_mut()?.changed().await.ok() }, if ready.is_some() => {
                    if changed.is_none() {
                        ready = None;
                        continue;
                    }
                    tracing::info!("database available: reading the stored sources, displays and profiles");
                    batch.reload = true;
                }
                () = async { tokio::time::sleep(retry_in.unwrap_or_default()).await }, if retry_in.is_some() => {
                    batch.reload = true;
                }
            }
            while let Ok(message) = self.inbox.try_recv() {
                batch.add(message);
            }
            retry_in = match self.apply(batch).await {
                Ok(()) => {
                    self.retry.reset();
                    None
                }
                Err(error) => {
                    let delay = self.retry.next_delay();
                    tracing::warn!(%error, retry_in = ?delay, "catalog not refreshed");
                    Some(delay)
                }
            };
        }
    }

    /// Applies a batch: declared items, then (if asked) the stored items read once for all who
    /// asked; reconciles the source actors, then publishes the snapshot.
    async fn apply(&mut self, batch: Batch) -> Result<(), ReloadError> {
        let current = self.published.load();
        let mut next = Snapshot {
            version: current.version + 1,
            stored_loaded: current.stored_loaded,
            sources: Arc::clone(&current.sources),
            displays: Arc::clone(&current.displays),
            profiles: Arc::clone(&current.profiles),
        };
        let mut changed = false;
        if let Some(declared) = batch.declared {
            tracing::info!(
                sources = declared.sources.len(),
                displays = declared.displays.len(),
                profiles = declared.profiles.len(),
                "declared resources applied"
            );
            next.sources = Arc::new(next.sources.with_declared(declared.sources));
            next.displays = Arc::new(next.displays.with_declared(declared.displays));
            next.profiles = Arc::new(next.profiles.with_declared(declared.profiles));
            changed = true;
        }
        let outcome = if batch.reload {
            match self.read_stored().await {
                Ok((sources, displays, profiles)) => {
                    next.sources = Arc::new(next.sources.with_stored(sources));
                    next.displays = Arc::new(next.displays.with_stored(displays));
                    next.profiles = Arc::new(next.profiles.with_stored(profiles));
                    next.stored_loaded = true;
                    changed = true;
                    Ok(())
                }
                // Without a database there is nothing stored to read, and never will be.
                Err(ResourceError::Storage(crate::storage::StorageError::NotConfigured)) => Ok(()),
                Err(error) => Err(ReloadError(error.to_string())),
            }
        } else {
            Ok(())
        };
        let version = if changed {
            // The actors first, so that a profile of the new snapshot finds its sources running.
            self.sources.reconcile(&next.sources);
            let version = next.version;
            self.published.publish(next);
            version
        } else {
            current.version
        };
        for waiter in batch.declared_waiters {
            let _ = waiter.send(version);
        }
        for waiter in batch.reload_waiters {
            let _ = waiter.send(outcome.clone().map(|()| version));
        }
        outcome
    }

    /// The stored sources, displays and profiles, read in one read-only transaction so that they
    /// are consistent with each other.
    async fn read_stored(&self) -> Result<Stored, ResourceError> {
        let mut client = self.storage.client().await?;
        let transaction = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let sources = sources::dao::load_all(&transaction).await?;
        let displays = displays::dao::load_all(&transaction).await?;
        let profiles = profiles::dao::load_all(&transaction).await?;
        transaction.commit().await?;
        Ok((sources, displays, profiles))
    }
}
