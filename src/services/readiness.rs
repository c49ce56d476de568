//! Whether this instance may answer directory requests (lookups, reverse, headers, favorites,
//! GraphQL). After a start, not before it has read its catalog from the database and warmed its
//! sources (each built, its in-memory copy loaded, or its failure logged): until then those requests
//! answer 503 with wazo-dird's error body, which a load balancer retries on another instance, and
//! `/0.1/status` says why under `directory`. Once ready, an instance stays ready: a source that
//! fails later costs its own results only.

use super::directory::Directory;
use crate::bus::Bus;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How long the warm-up waits for the sources at most: a source still cold then answers from its
/// slow path (SQL, wazo-confd) until its copy is loaded.
pub const WARM_UP_LIMIT: Duration = Duration::from_secs(30);

/// Why the instance is not ready (`None`: ready).
#[derive(Debug)]
pub struct Readiness(watch::Sender<Option<String>>);

/// The answer to a directory request made before the instance is ready.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("wazo-dird is starting: {0}")]
pub struct NotReady(pub String);

impl Readiness {
    /// Not ready yet: starting.
    pub fn starting() -> Self {
        Readiness(watch::Sender::new(Some("starting".to_owned())))
    }

    /// Ready at once (a directory without a warm-up: tests).
    pub fn ready() -> Self {
        Readiness(watch::Sender::new(None))
    }

    /// `Ok` once ready, else why not.
    pub fn check(&self) -> Result<(), NotReady> {
        match &*self.0.borrow() {
            None => Ok(()),
            Some(reason) => Err(NotReady(reason.clone())),
        }
    }

    fn set(&self, reason: Option<String>) {
        self.0.send_replace(reason);
    }
}

/// Makes `directory` ready: waits for the bus consumers (when the bus is on, [`WARM_UP_LIMIT`] at
/// most: the changes of other instances announced from then on reach this one), then for its
/// catalog to be read from the database (when there is one), then warms its sources,
/// [`WARM_UP_LIMIT`] at most.
pub async fn warm_up(directory: Arc<Directory>, database: bool, bus: Option<Bus>) {
    let started = Instant::now();
    let readiness = &directory.readiness;
    if let Some(bus) = bus {
        readiness.set(Some("waiting for the bus consumers".into()));
        while !bus.is_consuming() {
            if started.elapsed() > WARM_UP_LIMIT {
                tracing::warn!(
                    "bus consumers not ready at start: copies are read again once they are"
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    if database {
        readiness.set(Some(
            "reading the sources, displays and profiles from the database".into(),
        ));
        while !directory.actor.snapshot().stored_loaded {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let sources = directory.engine.running().len();
    readiness.set(Some(format!(
        "loading the in-memory copies of {sources} sources"
    )));
    let cold = directory.engine.warm_up(WARM_UP_LIMIT).await;
    for (source, reason) in &cold {
        tracing::warn!(%source, %reason, "source not warm at start: answering without its copy until it is");
    }
    readiness.set(None);
    tracing::info!(
        sources,
        cold = cold.len(),
        took_ms = started.elapsed().as_millis(),
        "ready: catalog read and sources warmed"
    );
}
