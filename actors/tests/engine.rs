//! The actor machinery under a paused clock: deadlines are exact and runs are deterministic.

use actors::{
    first_match, gather, spawn, CallError, Factory, Failure, Registry, SupervisorConfig, Worker,
};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Answers after `delay`; "panic" panics, "broken" breaks the worker, "hang" never answers.
struct Echo {
    delay: Duration,
}

impl Worker for Echo {
    type Request = String;
    type Response = String;

    async fn handle(self: Arc<Self>, request: String) -> Result<String, Failure> {
        {
            match request.as_str() {
                "panic" => panic!("backend bug"),
                "broken" => Err(Failure::Broken("connection lost".into())),
                "bad" => Err(Failure::Request("bad request".into())),
                "shed" => Err(Failure::Shed("slow path full".into())),
                "hang" => std::future::pending().await,
                _ => {
                    tokio::time::sleep(self.delay).await;
                    Ok(request)
                }
            }
        }
    }
}

/// Builds `Echo` workers; the first `failures` builds fail.
#[derive(Clone)]
struct EchoFactory {
    delay: Duration,
    failures: usize,
    builds: Arc<AtomicUsize>,
    build_time: Duration,
}

impl EchoFactory {
    fn new(delay_ms: u64) -> Self {
        EchoFactory {
            delay: Duration::from_millis(delay_ms),
            failures: 0,
            builds: Arc::new(AtomicUsize::new(0)),
            build_time: Duration::ZERO,
        }
    }

    fn builds(&self) -> usize {
        self.builds.load(Ordering::SeqCst)
    }
}

impl Factory for EchoFactory {
    type Worker = Echo;

    fn build(&self) -> impl Future<Output = Result<Arc<Echo>, String>> + Send {
        let attempt = self.builds.fetch_add(1, Ordering::SeqCst);
        let delay = self.delay;
        let failures = self.failures;
        let build_time = self.build_time;
        async move {
            tokio::time::sleep(build_time).await;
            if attempt < failures {
                Err(format!("backend down (attempt {attempt})"))
            } else {
                Ok(Arc::new(Echo { delay }))
            }
        }
    }
}

fn config() -> SupervisorConfig {
    SupervisorConfig {
        min_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(4),
        max_concurrency: 256,
        mailbox: 1024,
        breaker_threshold: 3,
        probe_timeout: Duration::from_millis(200),
        runtime: None,
    }
}

fn after(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

/// Lets the supervisor task run (build the worker) without moving the clock.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_hung_source_costs_exactly_its_timeout() {
    let address = spawn("hung".into(), EchoFactory::new(0), config());
    settle().await;
    let started = Instant::now();
    let answer = address.call("hang".into(), after(100)).await;
    assert_eq!(answer, Err(CallError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    settle().await;
    assert_eq!(address.stats().timeouts.load(Ordering::Relaxed), 1);
    assert_eq!(
        address.call("ok".into(), after(100)).await,
        Ok("ok".to_owned()),
        "a timeout does not break the actor"
    );
}

#[tokio::test(start_paused = true)]
async fn shed_requests_answer_overloaded_and_never_open_the_breaker() {
    let address = spawn("shedding".into(), EchoFactory::new(0), config());
    settle().await;
    for _ in 0..10 {
        assert_eq!(
            address.call("shed".into(), after(100)).await,
            Err(CallError::Overloaded)
        );
    }
    settle().await;
    let stats = address.stats();
    assert_eq!(stats.shed.load(Ordering::Relaxed), 10);
    assert_eq!(stats.failures.load(Ordering::Relaxed), 0);
    assert_eq!(stats.breaker_opens.load(Ordering::Relaxed), 0);
    assert!(stats.is_up());
    assert_eq!(
        address.call("ok".into(), after(100)).await,
        Ok("ok".to_owned())
    );
}

#[tokio::test(start_paused = true)]
async fn a_hundred_concurrent_requests_on_a_200ms_source_take_200ms() {
    let address = spawn("slow".into(), EchoFactory::new(200), config());
    settle().await;
    let started = Instant::now();
    let calls = (0..100).map(|i| {
        let address = address.clone();
        async move { address.call(format!("q{i}"), after(5_000)).await }
    });
    let answers = futures_util::future::join_all(calls).await;
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_millis(250),
        "{elapsed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn concurrency_is_bounded_and_the_rest_waits_in_the_mailbox() {
    let address = spawn(
        "bounded".into(),
        EchoFactory::new(100),
        SupervisorConfig {
            max_concurrency: 2,
            ..config()
        },
    );
    settle().await;
    let started = Instant::now();
    let calls = (0..4).map(|i| {
        let address = address.clone();
        async move { address.call(format!("q{i}"), after(5_000)).await }
    });
    let answers = futures_util::future::join_all(calls).await;
    assert!(answers.iter().all(Result::is_ok));
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(200),
        "two rounds of two"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_request_never_blocks_the_mailbox() {
    let address = spawn("mixed".into(), EchoFactory::new(10), config());
    settle().await;
    let slow = {
        let address = address.clone();
        tokio::spawn(async move { address.call("hang".into(), after(10_000)).await })
    };
    settle().await;
    let started = Instant::now();
    assert_eq!(
        address.call("fast".into(), after(1_000)).await,
        Ok("fast".to_owned())
    );
    assert_eq!(started.elapsed(), Duration::from_millis(10));
    slow.abort();
}

#[tokio::test(start_paused = true)]
async fn a_panicking_backend_is_restarted_and_serves_again() {
    let factory = EchoFactory::new(0);
    let address = spawn("buggy".into(), factory.clone(), config());
    settle().await;
    let answer = address.call("panic".into(), after(1_000)).await;
    assert!(
        matches!(answer, Err(CallError::Failed(ref m)) if m.contains("panicked")),
        "{answer:?}"
    );
    settle().await;
    assert_eq!(
        address.call("x".into(), after(1_000)).await,
        Err(CallError::Unavailable),
        "down: skipped at once"
    );
    assert!(!address.stats().is_up());
    // The first wait is 0.5 s plus up to 0.5 s of jitter.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    settle().await;
    assert_eq!(
        address.call("x".into(), after(1_000)).await,
        Ok("x".to_owned()),
        "same address after the restart"
    );
    assert_eq!(factory.builds(), 2);
    assert_eq!(address.stats().restarts.load(Ordering::Relaxed), 1);
}

#[tokio::test(start_paused = true)]
async fn a_broken_worker_is_rebuilt_but_a_failed_request_is_not() {
    let factory = EchoFactory::new(0);
    let address = spawn("flaky".into(), factory.clone(), config());
    settle().await;
    assert!(matches!(
        address.call("bad".into(), after(100)).await,
        Err(CallError::Failed(_))
    ));
    settle().await;
    assert!(
        address.stats().is_up(),
        "a request failure keeps the worker"
    );
    assert!(matches!(
        address.call("broken".into(), after(100)).await,
        Err(CallError::Failed(_))
    ));
    settle().await;
    assert!(!address.stats().is_up());
    assert_eq!(
        address.stats().last_error().as_deref(),
        Some("connection lost")
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    settle().await;
    assert!(address.stats().is_up());
    assert_eq!(factory.builds(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_backend_that_cannot_start_is_retried_with_exponential_backoff() {
    let factory = EchoFactory {
        failures: 3,
        ..EchoFactory::new(0)
    };
    let address = spawn("down".into(), factory.clone(), config());
    settle().await;
    assert_eq!(factory.builds(), 1);
    assert_eq!(
        address.call("x".into(), after(100)).await,
        Err(CallError::Unavailable)
    );
    // Retries after about 0.5 s, then 1 s, then 2 s: each wait lies in [base, 2 × base), jitter.
    let mut previous = Instant::now();
    for (base_ms, builds) in [(500, 2), (1000, 3), (2000, 4)] {
        let waited = until_builds(&factory, builds)
            .await
            .duration_since(previous);
        previous = Instant::now();
        let base = Duration::from_millis(base_ms);
        assert!(
            waited >= base && waited <= base * 2,
            "build {builds} came after {waited:?}, the base being {base:?}"
        );
    }
    settle().await;
    assert_eq!(
        address.call("x".into(), after(100)).await,
        Ok("x".to_owned())
    );
}

/// Moves the paused clock 10 ms at a time until `factory` has built `builds` workers; answers when.
async fn until_builds(factory: &EchoFactory, builds: usize) -> Instant {
    for _ in 0..2_000 {
        settle().await;
        if factory.builds() >= builds {
            return Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{builds} builds never happened");
}

#[tokio::test(start_paused = true)]
async fn requests_sent_while_the_worker_starts_wait_for_it() {
    let factory = EchoFactory {
        build_time: Duration::from_millis(100),
        ..EchoFactory::new(0)
    };
    let address = spawn("starting".into(), factory, config());
    let started = Instant::now();
    assert_eq!(
        address.call("early".into(), after(1_000)).await,
        Ok("early".to_owned()),
        "not refused while starting"
    );
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    let slow_start = spawn(
        "slow-start".into(),
        EchoFactory {
            build_time: Duration::from_secs(5),
            ..EchoFactory::new(0)
        },
        config(),
    );
    assert_eq!(
        slow_start.call("x".into(), after(200)).await,
        Err(CallError::Timeout),
        "bounded by the deadline"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stopped_actor_answers_stopped() {
    let address = spawn("gone".into(), EchoFactory::new(0), config());
    settle().await;
    address.stop();
    settle().await;
    let answer = address.call("x".into(), after(100)).await;
    assert!(matches!(answer, Err(CallError::Stopped)), "{answer:?}");
}

#[tokio::test(start_paused = true)]
async fn gather_returns_what_arrived_and_who_failed() {
    let fast = spawn("fast".into(), EchoFactory::new(10), config());
    let slow = spawn("slow".into(), EchoFactory::new(10), config());
    let failing = spawn(
        "failing".into(),
        EchoFactory {
            failures: 100,
            ..EchoFactory::new(0)
        },
        config(),
    );
    settle().await;
    let started = Instant::now();
    let gathered = gather([
        ("fast", fast.call("a".into(), after(100))),
        ("slow", slow.call("hang".into(), after(100))),
        ("failing", failing.call("c".into(), after(100))),
    ])
    .await;
    assert_eq!(gathered.results, vec![("fast", "a".to_owned())]);
    let mut failures = gathered.failures;
    failures.sort_by_key(|(name, _)| *name);
    assert_eq!(
        failures,
        vec![
            ("failing", CallError::Unavailable),
            ("slow", CallError::Timeout)
        ]
    );
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(100),
        "the hung source costs its deadline, nothing more"
    );
}

#[tokio::test(start_paused = true)]
async fn first_match_takes_the_fastest_answer_and_drops_the_rest() {
    let started = Instant::now();
    let call = |delay: u64, answer: Option<&'static str>| async move {
        tokio::time::sleep(Duration::from_millis(delay)).await;
        Ok::<_, CallError>(answer)
    };
    let (found, failures) = first_match([
        ("none", call(5, None)),
        ("slow", call(300, Some("slow"))),
        ("fast", call(50, Some("fast"))),
    ])
    .await;
    assert_eq!(found, Some(("fast", "fast")));
    assert!(failures.is_empty());
    assert_eq!(started.elapsed(), Duration::from_millis(50));
}

#[tokio::test(start_paused = true)]
async fn the_registry_restarts_only_what_changed() {
    let builds: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&builds);
    let registry: Registry<String, u64, EchoFactory> = Registry::new(
        move |key: &String, delay: &u64| {
            log.lock().expect("log").push(key.clone());
            EchoFactory::new(*delay)
        },
        config(),
    );
    let desired = |pairs: &[(&str, u64)]| -> HashMap<String, u64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    };
    let diff = registry.apply(desired(&[("a", 1), ("b", 1), ("c", 1)]));
    assert_eq!(diff.started.len(), 3);
    let kept = registry.get(&"a".to_owned()).expect("a");
    let diff = registry.apply(desired(&[("a", 1), ("b", 2), ("d", 1)]));
    assert_eq!(diff.started, vec!["d".to_owned()]);
    assert_eq!(diff.restarted, vec!["b".to_owned()]);
    assert_eq!(diff.stopped, vec!["c".to_owned()]);
    assert_eq!(builds.lock().expect("log").len(), 5, "a was left alone");
    settle().await;
    assert_eq!(
        kept.call("still".into(), after(100)).await,
        Ok("still".to_owned())
    );
    assert!(registry.get(&"c".to_owned()).is_none());
    let mut keys = registry.keys();
    keys.sort();
    assert_eq!(keys, vec!["a", "b", "d"]);
}

/// Answers after `delay`; its probes fail while `healthy` is false.
struct Flaky {
    delay: Duration,
    healthy: Arc<std::sync::atomic::AtomicBool>,
    probes: Arc<AtomicUsize>,
}

impl Worker for Flaky {
    type Request = String;
    type Response = String;

    async fn handle(self: Arc<Self>, request: String) -> Result<String, Failure> {
        if request == "bad" {
            return Err(Failure::Request("bad request".into()));
        }
        tokio::time::sleep(self.delay).await;
        Ok(request)
    }

    fn probe(self: Arc<Self>) -> impl Future<Output = Result<(), Failure>> + Send + 'static {
        self.probes.fetch_add(1, Ordering::SeqCst);
        let healthy = self.healthy.load(Ordering::SeqCst);
        async move {
            if healthy {
                Ok(())
            } else {
                Err(Failure::Request("still silent".into()))
            }
        }
    }
}

/// Builds `Flaky` workers answering after `delay` (a hung backend when longer than deadlines).
#[derive(Clone)]
struct FlakyFactory {
    delay: Arc<std::sync::Mutex<Duration>>,
    healthy: Arc<std::sync::atomic::AtomicBool>,
    probes: Arc<AtomicUsize>,
}

impl Factory for FlakyFactory {
    type Worker = Flaky;

    fn build(&self) -> impl Future<Output = Result<Arc<Flaky>, String>> + Send {
        let worker = Flaky {
            delay: *self.delay.lock().expect("lock"),
            healthy: Arc::clone(&self.healthy),
            probes: Arc::clone(&self.probes),
        };
        async move { Ok(Arc::new(worker)) }
    }
}

#[tokio::test(start_paused = true)]
async fn timeouts_in_a_row_open_the_breaker_a_probe_closes_it() {
    let factory = FlakyFactory {
        delay: Arc::new(std::sync::Mutex::new(Duration::from_secs(60))),
        healthy: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        probes: Arc::new(AtomicUsize::new(0)),
    };
    let address = spawn("silent".into(), factory.clone(), config());
    settle().await;
    // Three timeouts in a row (the threshold) open the breaker.
    for _ in 0..3 {
        assert_eq!(
            address.call("x".into(), after(100)).await,
            Err(CallError::Timeout)
        );
    }
    settle().await;
    assert!(address.stats().is_down(), "open");
    assert_eq!(address.stats().breaker_opens.load(Ordering::Relaxed), 1);
    let started = Instant::now();
    assert_eq!(
        address.call("x".into(), after(1_000)).await,
        Err(CallError::Unavailable),
        "refused at once while open"
    );
    assert_eq!(started.elapsed(), Duration::ZERO);

    // Half-open: rebuilt and probed in the background; the probe fails, so it stays open.
    let probes_at = |n: usize| {
        let probes = Arc::clone(&factory.probes);
        async move {
            for _ in 0..2_000 {
                settle().await;
                if probes.load(Ordering::SeqCst) >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("no probe {n}");
        }
    };
    probes_at(1).await;
    settle().await;
    assert!(address.stats().is_down(), "a failed probe keeps it open");
    assert_eq!(
        address.call("x".into(), after(1_000)).await,
        Err(CallError::Unavailable)
    );

    // The backend answers again: the next probe closes the breaker.
    *factory.delay.lock().expect("lock") = Duration::from_millis(10);
    factory
        .healthy
        .store(true, std::sync::atomic::Ordering::SeqCst);
    probes_at(2).await;
    settle().await;
    assert!(address.stats().is_up(), "closed");
    assert_eq!(
        address.call("x".into(), after(1_000)).await,
        Ok("x".to_owned())
    );
}

#[tokio::test(start_paused = true)]
async fn failures_in_a_row_open_the_breaker_but_a_success_between_them_resets_the_count() {
    let factory = FlakyFactory {
        delay: Arc::new(std::sync::Mutex::new(Duration::ZERO)),
        healthy: Arc::new(std::sync::atomic::AtomicBool::new(true)),
        probes: Arc::new(AtomicUsize::new(0)),
    };
    let address = spawn("picky".into(), factory.clone(), config());
    settle().await;
    for request in ["bad", "bad", "ok", "bad", "bad", "ok"] {
        let _ = address.call(request.into(), after(100)).await;
        settle().await;
    }
    assert!(address.stats().is_up(), "never three failures in a row");
    for _ in 0..3 {
        let _ = address.call("bad".into(), after(100)).await;
        settle().await;
    }
    assert!(address.stats().is_down(), "three in a row open it");
}
