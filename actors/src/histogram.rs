//! A latency histogram of fixed buckets, updated with atomics (no lock on the request path), read
//! as Prometheus reads a histogram: cumulative counts per upper bound, a sum and a count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the buckets, in seconds (from 1 ms to 5 s; the last bucket is `+Inf`).
pub const BOUNDS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Latencies observed so far.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Per bucket (not cumulative), then the `+Inf` bucket.
    buckets: [AtomicU64; BOUNDS.len() + 1],
    sum_micros: AtomicU64,
}

/// What a histogram holds at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// `(upper bound in seconds, observations at most that long)`, cumulative, ending with
    /// `f64::INFINITY`.
    pub buckets: Vec<(f64, u64)>,
    /// Seconds, all observations together.
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    pub fn observe(&self, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let bucket = BOUNDS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BOUNDS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0;
        let buckets = BOUNDS
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(&self.buckets)
            .map(|(bound, count)| {
                cumulative += count.load(Ordering::Relaxed);
                (bound, cumulative)
            })
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        HistogramSnapshot {
            buckets,
            sum,
            count: cumulative,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_cumulative_and_the_slowest_go_to_infinity() {
        let histogram = Histogram::default();
        for millis in [0, 1, 3, 3, 40, 7_000] {
            histogram.observe(Duration::from_millis(millis));
        }
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.count, 6);
        assert_eq!(snapshot.buckets[0], (0.001, 2));
        assert_eq!(snapshot.buckets[2], (0.005, 4));
        assert_eq!(snapshot.buckets[5], (0.05, 5));
        assert_eq!(snapshot.buckets[11], (5.0, 5));
        assert_eq!(snapshot.buckets[12], (f64::INFINITY, 6));
        assert!((snapshot.sum - 7.047).abs() < 1e-9);
    }
}
