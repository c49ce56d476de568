//! Generic actor machinery for wazo-dird, free of Wazo specifics: retry pacing with exponential
//! backoff (used by supervisors and every reconnecting client). The supervised source actors and the
//! scatter-gather with deadlines build on it.

mod backoff;

pub use backoff::Backoff;
