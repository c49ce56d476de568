//! An in-memory copy of what a source reads from wazo-confd (a tenant's users, or its conference
//! rooms). It is loaded when the source starts, reloaded in full when wazo-confd announces a change
//! on the bus (events of one burst are coalesced into one reload) and every `resync_interval` as a
//! safety net for missed events. While wazo-confd is down the last copy keeps serving; while there
//! is none yet (cold), the backend asks wazo-confd directly.

use super::client::ConfdError;
use futures_util::future::BoxFuture;
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What a copy holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyKind {
    Users,
    Conferences,
}

/// Events that arrive between a change and its reload are folded into that reload.
const COALESCE: Duration = Duration::from_millis(100);
const MIN_RETRY: Duration = Duration::from_millis(500);

/// Loads the whole copy from wazo-confd.
pub type Loader<S> = Arc<dyn Fn() -> BoxFuture<'static, Result<S, ConfdError>> + Send + Sync>;

/// What the bus reaches: a copy to reload.
pub trait Reloadable: Send + Sync + std::fmt::Debug {
    fn kind(&self) -> CopyKind;
    fn tenant_uuid(&self) -> &str;
    /// Asks for a reload soon.
    fn reload(&self);
}

/// A copy and its state.
#[derive(Debug)]
pub struct Copy<S> {
    kind: CopyKind,
    tenant_uuid: String,
    current: RwLock<Option<Arc<S>>>,
    wake: Arc<Notify>,
    /// `true` once the first load has ended, loaded or failed.
    attempted: tokio::sync::watch::Sender<bool>,
}

impl<S: Send + Sync + 'static> Copy<S> {
    /// A copy that loads itself now, then on every change and every `interval`, for as long as
    /// the returned `Arc` lives.
    pub fn start(
        kind: CopyKind,
        tenant_uuid: String,
        interval: Duration,
        loader: Loader<S>,
    ) -> Arc<Self> {
        let copy = Arc::new(Copy {
            kind,
            tenant_uuid,
            current: RwLock::new(None),
            wake: Arc::new(Notify::new()),
            attempted: tokio::sync::watch::Sender::new(false),
        });
        tokio::spawn(resync(
            Arc::downgrade(&copy),
            Arc::clone(&copy.wake),
            interval,
            loader,
        ));
        copy
    }

    /// Answers once the first load has ended, loaded or failed.
    pub async fn first_load(&self) {
        let mut attempted = self.attempted.subscribe();
        let _ = attempted.wait_for(|done| *done).await;
    }

    /// A backend's `warm_up` over its copy, if it keeps one (`None`: copies are off).
    pub fn warm_up(copy: Option<Arc<Self>>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            if let Some(copy) = copy {
                copy.first_load().await;
            }
        })
    }

    /// The copy, unless still cold.
    pub fn get(&self) -> Option<Arc<S>> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set(&self, copy: S) {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(copy));
    }
}

impl<S: Send + Sync + std::fmt::Debug + 'static> Reloadable for Copy<S> {
    fn kind(&self) -> CopyKind {
        self.kind
    }
    fn tenant_uuid(&self) -> &str {
        &self.tenant_uuid
    }
    fn reload(&self) {
        self.wake.notify_one();
    }
}

async fn resync<S: Send + Sync + 'static>(
    copy: Weak<Copy<S>>,
    wake: Arc<Notify>,
    interval: Duration,
    loader: Loader<S>,
) {
    let mut retry = MIN_RETRY;
    loop {
        let started = Instant::now();
        let loaded = loader().await;
        let Some(live) = copy.upgrade() else { return };
        let next = match loaded {
            Ok(snapshot) => {
                tracing::debug!(kind = ?live.kind, tenant = %live.tenant_uuid, took_ms = started.elapsed().as_millis(), "wazo-confd copy reloaded");
                live.set(snapshot);
                retry = MIN_RETRY;
                interval
            }
            Err(error) => {
                tracing::warn!(kind = ?live.kind, tenant = %live.tenant_uuid, %error, "cannot reload the wazo-confd copy, the last one keeps serving");
                let next = retry.min(interval);
                retry = (retry * 2).min(Duration::from_secs(30));
                next.mul_f64(1.0 + fastrand::f64() * 0.2)
            }
        };
        live.attempted.send_replace(true);
        drop(live);
        tokio::select! {
            () = tokio::time::sleep(next) => {}
            () = wake.notified() => tokio::time::sleep(COALESCE).await,
        }
        if copy.strong_count() == 0 {
            return;
        }
    }
}
