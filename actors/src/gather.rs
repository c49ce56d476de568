//! Scatter-gather: run many calls at once and take what they give.
//!
//! Each call carries its own deadline (the caller bounds it by the source's timeout and the request's
//! budget), so a dead or slow source costs at most its own deadline and never the others' results.

use crate::CallError;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::future::Future;

/// What a scatter-gather collected: answers in completion order, and who failed and why.
#[derive(Debug)]
pub struct Gathered<K, R> {
    pub results: Vec<(K, R)>,
    pub failures: Vec<(K, CallError)>,
}

/// Runs every call concurrently and waits for all of them (each ends by its own deadline).
pub async fn gather<K, R, Fut>(calls: impl IntoIterator<Item = (K, Fut)>) -> Gathered<K, R>
where
    Fut: Future<Output = Result<R, CallError>>,
{
    gather_until(calls, |_| false).await
}

/// Runs every call concurrently and waits for all of them, or only until an answer is `enough`
/// (it is the last of the results; the calls still running are dropped).
pub async fn gather_until<K, R, Fut>(
    calls: impl IntoIterator<Item = (K, Fut)>,
    mut enough: impl FnMut(&R) -> bool,
) -> Gathered<K, R>
where
    Fut: Future<Output = Result<R, CallError>>,
{
    let mut pending: FuturesUnordered<_> = calls
        .into_iter()
        .map(|(key, call)| async move { (key, call.await) })
        .collect();
    let mut gathered = Gathered {
        results: Vec::new(),
        failures: Vec::new(),
    };
    while let Some((key, outcome)) = pending.next().await {
        match outcome {
            Ok(result) => {
                let stop = enough(&result);
                gathered.results.push((key, result));
                if stop {
                    break;
                }
            }
            Err(error) => gathered.failures.push((key, error)),
        }
    }
    gathered
}

/// Runs every call concurrently and returns the first `Some` answer in completion order (the
/// fastest matching source wins); the calls still running are dropped. Also returns the failures
/// seen until then.
pub async fn first_match<K, R, Fut>(
    calls: impl IntoIterator<Item = (K, Fut)>,
) -> (Option<(K, R)>, Vec<(K, CallError)>)
where
    Fut: Future<Output = Result<Option<R>, CallError>>,
{
    let mut pending: FuturesUnordered<_> = calls
        .into_iter()
        .map(|(key, call)| async move { (key, call.await) })
        .collect();
    let mut failures = Vec::new();
    while let Some((key, outcome)) = pending.next().await {
        match outcome {
            Ok(Some(result)) => return (Some((key, result)), failures),
            Ok(None) => {}
            Err(error) => failures.push((key, error)),
        }
    }
    (None, failures)
}
