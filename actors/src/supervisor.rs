//! A supervised actor around a [`Worker`].
//!
//! The supervisor task owns the mailbox. For each request it spawns a task (at most
//! `max_concurrency` at once) that runs the worker under the request's deadline, so a slow request
//! never blocks the mailbox and a hung one is cut at its deadline. A panic in the worker is caught by
//! the task boundary and answered as [`CallError::Failed`].
//!
//! A circuit breaker: a panic, a [`Failure::Broken`], or `breaker_threshold` timeouts or failed
//! requests in a row open it. The supervisor drops the worker and the actor is marked down:
//! [`Address::call`] answers [`CallError::Unavailable`] at once, so callers skip it instead of
//! waiting for a deadline. After a jittered exponential backoff the supervisor builds a new worker
//! and probes it in the background ([`Worker::probe`], under `probe_timeout`; half-open) while
//! callers are still refused; the breaker closes when the probe succeeds, else the next wait is
//! longer. The backoff starts over only once a worker has served a request, so a backend that
//! breaks at once never spins in a tight loop. While the first worker is being built, requests wait
//! in the mailbox (bounded by their deadline) instead of being refused. The [`Address`] outlives
//! restarts.

pub use crate::stats::Stats;
use crate::Backoff;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Why a request failed inside a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// This request failed; the worker is fine.
    Request(String),
    /// The worker cannot serve any more (connection lost, file gone): rebuild it.
    Broken(String),
    /// The worker refused this request to protect what it depends on (its slow path is at its
    /// bound): the caller gets [`CallError::Overloaded`] and the breaker does not count it.
    Shed(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Request(message) => write!(f, "{message}"),
            Failure::Broken(message) => write!(f, "broken: {message}"),
            Failure::Shed(message) => write!(f, "shed: {message}"),
        }
    }
}

/// Handles requests. Built by a [`Factory`]; shared by the concurrent requests it serves.
pub trait Worker: Send + Sync + 'static {
    type Request: Send + 'static;
    type Response: Send + 'static;

    /// Serves one request. Runs in its own task, under the request's deadline.
    fn handle(
        self: Arc<Self>,
        request: Self::Request,
    ) -> impl Future<Output = Result<Self::Response, Failure>> + Send + 'static;

    /// Whether a rebuilt worker really serves (a cheap request to the backend), before the breaker
    /// closes. Any error keeps it open.
    fn probe(self: Arc<Self>) -> impl Future<Output = Result<(), Failure>> + Send + 'static {
        async { Ok(()) }
    }
}

/// Builds (and rebuilds after a failure) the worker of an actor.
pub trait Factory: Send + Sync + 'static {
    type Worker: Worker;

    /// Builds a ready worker, or says why it cannot (then the supervisor retries with backoff).
    fn build(&self) -> impl Future<Output = Result<Arc<Self::Worker>, String>> + Send;
}

/// What a caller gets instead of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The actor is down (restarting); nothing was sent.
    Unavailable,
    /// No answer before the deadline.
    Timeout,
    /// The worker failed this request (or panicked).
    Failed(String),
    /// The mailbox is full.
    Overloaded,
    /// The actor was stopped.
    Stopped,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Unavailable => write!(f, "unavailable (restarting)"),
            CallError::Timeout => write!(f, "timed out"),
            CallError::Failed(message) => write!(f, "failed: {message}"),
            CallError::Overloaded => write!(f, "overloaded"),
            CallError::Stopped => write!(f, "stopped"),
        }
    }
}

/// Tuning of a supervised actor. It has no defaults of its own: the daemon's are its
/// configuration's (`source_actors` in `config/config.yml`), one place for each.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    /// First wait before rebuilding a broken worker.
    pub min_backoff: Duration,
    /// Longest wait between rebuilds.
    pub max_backoff: Duration,
    /// Requests served at once; more wait in the mailbox.
    pub max_concurrency: usize,
    /// Requests waiting in the mailbox before callers get [`CallError::Overloaded`].
    pub mailbox: usize,
    /// Timeouts or failed requests in a row that open the breaker (0: only a broken worker does).
    pub breaker_threshold: u32,
    /// How long the probe of a rebuilt worker may take.
    pub probe_timeout: Duration,
    /// The runtime the actor and its requests run on; `None`: the caller's.
    pub runtime: Option<tokio::runtime::Handle>,
}

struct Envelope<W: Worker> {
    request: W::Request,
    deadline: Instant,
    reply: oneshot::Sender<Result<W::Response, CallError>>,
}

/// The stable handle of a supervised actor.
pub struct Address<W: Worker> {
    mailbox: mpsc::Sender<Envelope<W>>,
    stats: Arc<Stats>,
    stop: CancellationToken,
}

impl<W: Worker> Clone for Address<W> {
    fn clone(&self) -> Self {
        Address {
            mailbox: self.mailbox.clone(),
            stats: Arc::clone(&self.stats),
            stop: self.stop.clone(),
        }
    }
}

impl<W: Worker> fmt::Debug for Address<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address")
            .field("up", &self.stats.is_up())
            .finish_non_exhaustive()
    }
}

impl<W: Worker> Address<W> {
    /// Sends `request` and waits for the answer until `deadline`.
    pub async fn call(
        &self,
        request: W::Request,
        deadline: Instant,
    ) -> Result<W::Response, CallError> {
        if self.stats.is_down() {
            return Err(CallError::Unavailable);
        }
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let (reply, answer) = oneshot::channel();
        match self.mailbox.try_send(Envelope {
            request,
            deadline,
            reply,
        }) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => return Err(CallError::Overloaded),
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(CallError::Stopped),
        }
        match tokio::time::timeout_at(deadline, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(CallError::Stopped),
            // Counted by the task that serves it (or finds its deadline passed), once.
            Err(_) => Err(CallError::Timeout),
        }
    }

    /// The actor's counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Stops the actor: requests in flight are dropped, later calls get [`CallError::Stopped`].
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

/// Starts a supervised actor whose workers come from `factory`.
pub fn spawn<F: Factory>(name: String, factory: F, config: SupervisorConfig) -> Address<F::Worker> {
    let (mailbox, inbox) = mpsc::channel(config.mailbox.max(1));
    let stats = Arc::new(Stats::default());
    stats.set_starting();
    let stop = CancellationToken::new();
    let runtime = config.runtime.clone();
    let supervisor = Supervisor {
        name,
        factory,
        config,
        inbox,
        stats: Arc::clone(&stats),
        stop: stop.clone(),
    };
    // Everything the actor spawns (each request's task) runs on the runtime of its supervisor.
    match runtime {
        Some(runtime) => drop(runtime.spawn(supervisor.run())),
        None => drop(tokio::spawn(supervisor.run())),
    }
    Address {
        mailbox,
        stats,
        stop,
    }
}

struct Supervisor<F: Factory> {
    name: String,
    factory: F,
    config: SupervisorConfig,
    inbox: mpsc::Receiver<Envelope<F::Worker>>,
    stats: Arc<Stats>,
    stop: CancellationToken,
}

/// Counts the timeouts and failed requests of one worker in a row.
struct Breaker {
    threshold: u32,
    in_a_row: AtomicU32,
    /// The worker answered at least one request.
    served: AtomicBool,
}

impl Breaker {
    fn succeeded(&self) {
        self.in_a_row.store(0, Ordering::Release);
        self.served.store(true, Ordering::Release);
    }

    /// One more timeout or failure; the one that reaches the threshold opens the breaker.
    fn failed(&self, stats: &Stats, broken: &mpsc::UnboundedSender<String>, what: &str) {
        let in_a_row = self.in_a_row.fetch_add(1, Ordering::AcqRel) + 1;
        if self.threshold > 0 && in_a_row == self.threshold {
            stats.breaker_opens.fetch_add(1, Ordering::Relaxed);
            let _ = broken.send(format!("{in_a_row} {what} in a row: the breaker opened"));
        }
    }
}

/// Why the serving loop ended.
enum Ended {
    /// The worker broke (or the breaker opened); `served`: it answered at least one request.
    Broken {
        reason: String,
        served: bool,
    },
    Stopped,
}

impl<F: Factory> Supervisor<F> {
    async fn run(mut self) {
        let mut backoff = Backoff::new(self.config.min_backoff, self.config.max_backoff);
        let mut first = true;
        loop {
            if !first {
                // Open: answer the mailbox with Unavailable until the backoff has elapsed.
                let delay = backoff.next_delay();
                if self.wait_down(delay).await.is_none() {
                    return;
                }
            }
            let worker = tokio::select! {
                () = self.stop.cancelled() => return,
                built = self.factory.build() => built,
            };
            let worker = match worker {
                Ok(worker) => worker,
                Err(reason) => {
                    if self.stats.set_down(&reason) {
                        tracing::warn!(actor = %self.name, %reason, "cannot start; retrying with backoff (logged again when the reason changes)");
                    } else {
                        tracing::debug!(actor = %self.name, %reason, "cannot start yet");
                    }
                    first = false;
                    continue;
                }
            };
            if !first {
                // Half-open: one probe, in the background, while callers are still refused.
                let probe =
                    tokio::time::timeout(self.config.probe_timeout, Arc::clone(&worker).probe());
                let outcome = tokio::select! {
                    () = self.stop.cancelled() => return,
                    outcome = probe => outcome,
                };
                let failed = match outcome {
                    Ok(Ok(())) => None,
                    Ok(Err(failure)) => Some(failure.to_string()),
                    Err(_) => Some(format!(
                        "no answer to the probe within {:?}",
                        self.config.probe_timeout
                    )),
                };
                if let Some(reason) = failed {
                    if self.stats.set_down(&reason) {
                        tracing::warn!(actor = %self.name, %reason, "probe failed; the breaker stays open");
                    } else {
                        tracing::debug!(actor = %self.name, %reason, "probe failed again");
                    }
                    continue;
                }
            }
            if self.stats.set_up() {
                tracing::info!(actor = %self.name, "up again");
            } else {
                tracing::debug!(actor = %self.name, "started");
            }
            first = false;
            match self.serve(worker).await {
                Ended::Stopped => return,
                Ended::Broken { reason, served } => {
                    self.stats.set_down(&reason);
                    tracing::warn!(actor = %self.name, %reason, "broken; restarting with backoff");
                    self.stats.restarts.fetch_add(1, Ordering::Relaxed);
                    // A worker that served starts over with a short backoff; one that broke before
                    // serving anything keeps the longer one.
                    if served {
                        backoff.reset();
                    }
                }
            }
        }
    }

    /// Serves the mailbox until the worker breaks or the actor is stopped.
    async fn serve(&mut self, worker: Arc<F::Worker>) -> Ended {
        let permits = Arc::new(Semaphore::new(self.config.max_concurrency.max(1)));
        let (broken_tx, mut broken_rx) = mpsc::unbounded_channel::<String>();
        let breaker = Arc::new(Breaker {
            threshold: self.config.breaker_threshold,
            in_a_row: AtomicU32::new(0),
            served: AtomicBool::new(false),
        });
        loop {
            let envelope = tokio::select! {
                () = self.stop.cancelled() => return Ended::Stopped,
                Some(reason) = broken_rx.recv() => return Ended::Broken {
                    reason,
                    served: breaker.served.load(Ordering::Acquire),
                },
                envelope = self.inbox.recv() => match envelope {
                    Some(envelope) => envelope,
                    None => return Ended::Stopped,
                },
            };
            let permit = tokio::select! {
                () = self.stop.cancelled() => return Ended::Stopped,
                permit = Arc::clone(&permits).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return Ended::Stopped,
                },
            };
            let shared = Shared {
                stats: Arc::clone(&self.stats),
                stop: self.stop.clone(),
                breaker: Arc::clone(&breaker),
                broken: broken_tx.clone(),
            };
            tokio::spawn(handle(Arc::clone(&worker), envelope, permit, shared));
        }
    }

    /// Waits `delay` while answering every request with Unavailable. `None` when stopped.
    async fn wait_down(&mut self, delay: Duration) -> Option<()> {
        let until = Instant::now() + delay;
        loop {
            tokio::select! {
                () = self.stop.cancelled() => return None,
                () = tokio::time::sleep_until(until) => return Some(()),
                envelope = self.inbox.recv() => match envelope {
                    Some(envelope) => { let _ = envelope.reply.send(Err(CallError::Unavailable)); }
                    None => return None,
                },
            }
        }
    }
}

/// What the task of each request shares with its supervisor.
struct Shared {
    stats: Arc<Stats>,
    stop: CancellationToken,
    breaker: Arc<Breaker>,
    /// Where a request that broke the worker says why.
    broken: mpsc::UnboundedSender<String>,
}

/// One request, in a task of its own (holding its concurrency `permit`): the worker runs in a
/// task of its own too, so that a panic is caught at its boundary, under the request's deadline;
/// the outcome is counted, fed to the breaker and answered.
async fn handle<W: Worker>(
    worker: Arc<W>,
    envelope: Envelope<W>,
    permit: tokio::sync::OwnedSemaphorePermit,
    shared: Shared,
) {
    let _permit = permit;
    let Envelope {
        request,
        deadline,
        reply,
    } = envelope;
    let started = Instant::now();
    let task = tokio::spawn(worker.handle(request));
    let abort = task.abort_handle();
    let outcome = tokio::select! {
        () = shared.stop.cancelled() => { abort.abort(); return; }
        outcome = tokio::time::timeout_at(deadline, task) => outcome,
    };
    shared.stats.latency.observe(started.elapsed());
    let answer = match outcome {
        Err(_elapsed) => {
            abort.abort();
            shared.stats.timeouts.fetch_add(1, Ordering::Relaxed);
            shared
                .breaker
                .failed(&shared.stats, &shared.broken, "timeouts");
            Err(CallError::Timeout)
        }
        Ok(Err(join_error)) => {
            let reason = if join_error.is_panic() {
                "the worker panicked"
            } else {
                "the worker was cancelled"
            };
            shared.stats.failures.fetch_add(1, Ordering::Relaxed);
            let _ = shared.broken.send(reason.to_owned());
            Err(CallError::Failed(reason.to_owned()))
        }
        Ok(Ok(answer)) => counted(answer, &shared),
    };
    let _ = reply.send(answer);
}

/// The worker's own answer, counted and fed to the breaker.
fn counted<R>(answer: Result<R, Failure>, shared: &Shared) -> Result<R, CallError> {
    match answer {
        Ok(response) => {
            shared.breaker.succeeded();
            Ok(response)
        }
        Err(Failure::Shed(_)) => {
            shared.stats.shed.fetch_add(1, Ordering::Relaxed);
            Err(CallError::Overloaded)
        }
        Err(failure) => {
            shared.stats.failures.fetch_add(1, Ordering::Relaxed);
            match &failure {
                Failure::Broken(reason) => {
                    let _ = shared.broken.send(reason.clone());
                }
                Failure::Request(_) => {
                    shared
                        .breaker
                        .failed(&shared.stats, &shared.broken, "failures")
                }
                Failure::Shed(_) => {}
            }
            Err(CallError::Failed(failure.to_string()))
        }
    }
}
