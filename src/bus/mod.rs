//! The bus: events published to RabbitMQ (lapin) by one actor that owns the connection, with
//! publisher confirms and a bounded backlog, so a broker restart or a dropped connection loses
//! nothing; HTTP requests never wait for the broker. Resources build their events in their
//! `notifier` modules; the bus only carries them.

mod consumer;
pub mod event;
mod publisher;

pub use consumer::{Handler, HandlerError, Queue, RESYNC};

pub use event::{Event, Origin};

use crate::config::Bus as BusConfig;
use crate::health::Health;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What `/status` and the logs show of the bus.
#[derive(Debug, Default)]
pub struct BusStatus {
    /// Connected, and publishing with confirms.
    pub publishing: AtomicBool,
    /// Connected and consuming from both queues (the instance's own and the shared one).
    pub consuming: AtomicBool,
    own_ready: AtomicBool,
    shared_ready: AtomicBool,
    /// Events waiting for the broker's confirmation.
    pub backlog: AtomicUsize,
    /// Events the broker confirmed.
    pub published: AtomicU64,
    /// Events dropped because the backlog was full.
    pub dropped: AtomicU64,
    /// Events handed to the publisher.
    pub submitted: AtomicU64,
}

impl BusStatus {
    /// The consumer of `queue` is ready (bound and consuming) or not: `consuming` says whether
    /// both are, so that `/status` shows `ok` only once every event the daemon listens to arrives.
    pub(crate) fn set_ready(&self, queue: consumer::Queue, ready: bool) {
        let flag = match queue {
            consumer::Queue::Own => &self.own_ready,
            consumer::Queue::Shared => &self.shared_ready,
        };
        flag.store(ready, Ordering::SeqCst);
        let both =
            self.own_ready.load(Ordering::SeqCst) && self.shared_ready.load(Ordering::SeqCst);
        self.consuming.store(both, Ordering::SeqCst);
    }
}

/// A handle to publish events; cheap to clone. A disabled bus accepts and discards events.
#[derive(Debug, Clone)]
pub struct Bus {
    sender: Option<mpsc::UnboundedSender<Event>>,
    status: Arc<BusStatus>,
    origin: Origin,
}

impl Bus {
    /// A bus that publishes nothing (`bus.enabled: false`).
    pub fn disabled() -> Self {
        Bus {
            sender: None,
            status: Arc::new(BusStatus::default()),
            origin: Origin {
                origin_uuid: String::new(),
                instance_uuid: String::new(),
            },
        }
    }

    /// Starts the bus actor (when enabled) on the current runtime.
    pub fn start(config: &BusConfig, origin: Origin) -> Self {
        if !config.enabled {
            return Bus {
                origin,
                ..Self::disabled()
            };
        }
        let (sender, incoming) = mpsc::unbounded_channel();
        let status = Arc::new(BusStatus::default());
        let publisher = publisher::Publisher {
            config: config.clone(),
            origin: origin.clone(),
            incoming,
            backlog: VecDeque::new(),
            capacity: config.backlog_size.max(1),
            status: Arc::clone(&status),
        };
        tokio::spawn(publisher.run());
        Bus {
            sender: Some(sender),
            status,
            origin,
        }
    }

    /// Starts consuming `events` (by name) from `queue` with `handler`, when the bus is enabled.
    pub fn consume(
        &self,
        config: &BusConfig,
        queue: Queue,
        events: Vec<&'static str>,
        handler: Handler,
    ) {
        if self.is_enabled() {
            tokio::spawn(consumer::run(
                config.clone(),
                queue,
                events,
                handler,
                Arc::clone(&self.status),
            ));
        }
    }

    /// The stack's uuid (XIVO_UUID, else this instance's), as events carry it.
    pub fn origin_uuid(&self) -> &str {
        &self.origin.origin_uuid
    }

    /// This process's `instance_uuid` (a header of what it publishes).
    pub fn instance_uuid(&self) -> &str {
        &self.origin.instance_uuid
    }

    /// Whether events are published at all.
    pub fn is_enabled(&self) -> bool {
        self.sender.is_some()
    }

    /// Queues an event; never waits for the broker.
    pub fn publish(&self, event: Event) {
        if let Some(sender) = &self.sender {
            if sender.send(event).is_err() {
                tracing::error!("the bus actor is gone: event not published");
            } else {
                self.status.submitted.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// At stop: waits until every event handed to the publisher is confirmed by the broker (or
    /// dropped), for at most `deadline`. `true` when nothing is left.
    pub async fn flush(&self, deadline: std::time::Duration) -> bool {
        if !self.is_enabled() {
            return true;
        }
        let started = std::time::Instant::now();
        let left = || {
            let done = self.status.published.load(Ordering::Acquire)
                + self.status.dropped.load(Ordering::Acquire);
            self.status
                .submitted
                .load(Ordering::Acquire)
                .saturating_sub(done)
        };
        if left() == 0 {
            return true;
        }
        tracing::info!(
            events = left(),
            ?deadline,
            "stopping: publishing the bus backlog"
        );
        while left() > 0 {
            if started.elapsed() >= deadline {
                tracing::error!(
                    events = left(),
                    "stopping: bus backlog not confirmed in time, lost"
                );
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tracing::info!(took = ?started.elapsed(), "stopping: bus backlog published");
        true
    }

    /// Events waiting for the broker.
    pub fn backlog(&self) -> usize {
        self.status.backlog.load(Ordering::Relaxed)
    }

    /// Whether both queues are consumed (the instance's own and the shared one).
    pub fn is_consuming(&self) -> bool {
        self.status.consuming.load(Ordering::Acquire)
    }

    /// The bus's health and counters, read once.
    pub fn health(&self) -> BusHealth {
        let enabled = self.is_enabled();
        BusHealth {
            publisher: Health::of(enabled, self.status.publishing.load(Ordering::Acquire)),
            consumer: Health::of(enabled, self.is_consuming()),
            backlog: self.backlog(),
            published: self.status.published.load(Ordering::Relaxed),
            dropped: self.status.dropped.load(Ordering::Relaxed),
        }
    }
}

/// What `/0.1/status` and `/metrics` show of the bus.
#[derive(Debug, Clone, Copy)]
pub struct BusHealth {
    /// Connected, and publishing with confirms.
    pub publisher: Health,
    /// Connected and consuming from both queues.
    pub consumer: Health,
    /// Events waiting for the broker's confirmation.
    pub backlog: usize,
    /// Events the broker confirmed since start.
    pub published: u64,
    /// Events dropped since start because the backlog was full (`bus.backlog_size`).
    pub dropped: u64,
}
