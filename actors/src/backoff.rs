//! Exponential backoff with jitter (backon's): each failure doubles the base wait, up to a
//! ceiling, and a random share of it is added, so that many actors (or many instances of a
//! cluster) failing together do not retry in step; a success starts over.

use backon::BackoffBuilder;
use std::time::Duration;

/// Delays between retries: `initial`, doubled after each failure up to `max`, each plus a random
/// jitter below itself (so a delay lies in `[base, 2 × base)`).
#[derive(Debug)]
pub struct Backoff {
    builder: backon::ExponentialBuilder,
    delays: backon::ExponentialBackoff,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        let initial = initial.min(max);
        let builder = backon::ExponentialBuilder::default()
            .with_min_delay(initial)
            .with_max_delay(max)
            .with_jitter()
            .without_max_times();
        Backoff {
            delays: builder.build(),
            builder,
        }
    }

    /// The delay to wait before the next attempt; the base of the one after is twice as long
    /// (capped).
    pub fn next_delay(&mut self) -> Duration {
        self.delays
            .next()
            .unwrap_or_else(|| self.builder.build().next().unwrap_or_default())
    }

    /// Called after a success: the next failure waits about `initial` again.
    pub fn reset(&mut self) {
        self.delays = self.builder.build();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(delay: Duration, base_ms: u64) -> bool {
        let base = Duration::from_millis(base_ms);
        delay >= base && delay < base * 2
    }

    #[test]
    fn doubles_up_to_the_ceiling_with_jitter_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(3));
        for base in [500, 1000, 2000, 3000, 3000] {
            let delay = backoff.next_delay();
            assert!(within(delay, base), "{delay:?} for a base of {base} ms");
        }
        backoff.reset();
        assert!(within(backoff.next_delay(), 500));
    }

    #[test]
    fn the_jitter_spreads_the_delays() {
        let delays: std::collections::HashSet<Duration> = (0..20)
            .map(|_| Backoff::new(Duration::from_millis(500), Duration::from_secs(3)).next_delay())
            .collect();
        assert!(delays.len() > 10, "{delays:?}");
    }

    #[test]
    fn initial_above_ceiling_is_capped() {
        let mut backoff = Backoff::new(Duration::from_secs(10), Duration::from_secs(1));
        assert!(within(backoff.next_delay(), 1000));
    }
}
