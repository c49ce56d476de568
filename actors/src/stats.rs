//! The state and counters of a supervised actor, read by `/status` and `/metrics` without a lock
//! (atomics), written by its supervisor.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;

/// The worker is being built: requests wait in the mailbox (bounded by their deadline).
const STARTING: u8 = 0;
/// The worker serves.
const UP: u8 = 1;
/// The worker broke or could not be built: requests are refused at once until the next attempt.
const DOWN: u8 = 2;

/// Counters of an actor, for `/status` and metrics.
#[derive(Debug, Default)]
pub struct Stats {
    state: AtomicU8,
    pub requests: AtomicU64,
    pub failures: AtomicU64,
    pub timeouts: AtomicU64,
    pub restarts: AtomicU64,
    /// Times the breaker opened on timeouts or failures in a row.
    pub breaker_opens: AtomicU64,
    /// Requests the worker shed ([`crate::Failure::Shed`]).
    pub shed: AtomicU64,
    /// How long the worker took to answer (or to be cut at the deadline).
    pub latency: crate::Histogram,
    last_error: Mutex<Option<String>>,
}

impl Stats {
    /// Whether the worker is built and serving.
    pub fn is_up(&self) -> bool {
        self.state.load(Ordering::Acquire) == UP
    }

    /// Whether the actor is waiting to rebuild a broken worker (callers are refused at once).
    pub fn is_down(&self) -> bool {
        self.state.load(Ordering::Acquire) == DOWN
    }

    /// `starting`, `up` or `down` (breaker open: refused at once, rebuilt and probed behind).
    pub fn state_name(&self) -> &'static str {
        match self.state.load(Ordering::Acquire) {
            UP => "up",
            DOWN => "down",
            _ => "starting",
        }
    }

    /// The last reason the worker was broken or could not be built.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Marks the actor down for `reason`; `true` when that is news (it was up, or down for
    /// another reason), which is what deserves a log line: a retry for the same reason does not.
    pub(crate) fn set_down(&self, reason: &str) -> bool {
        let was = self.state.swap(DOWN, Ordering::AcqRel);
        let Ok(mut last) = self.last_error.lock() else {
            return true;
        };
        let news = was != DOWN || last.as_deref() != Some(reason);
        *last = Some(reason.to_owned());
        news
    }

    /// Marks the actor as building its first worker.
    pub(crate) fn set_starting(&self) {
        self.state.store(STARTING, Ordering::Release);
    }

    /// Marks the actor up; `true` when it was down (its recovery deserves a log line).
    pub(crate) fn set_up(&self) -> bool {
        self.state.swap(UP, Ordering::AcqRel) == DOWN
    }
}
