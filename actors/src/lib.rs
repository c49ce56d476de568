//! Generic actor machinery for wazo-dird, free of Wazo specifics.
//!
//! - [`supervisor`]: a supervised actor that wraps any [`Worker`] built by a [`Factory`]. Its mailbox
//!   never waits on I/O (each request runs in its own task, bounded in number), a panic comes back
//!   as an error, and a broken worker is rebuilt with exponential [`Backoff`] while callers are told
//!   at once that it is unavailable. Its [`Address`] stays the same across restarts.
//! - [`mod@gather`]: scatter-gather under deadlines, returning what arrived plus what failed.
//! - [`registry`]: a keyed set of supervised actors reconciled against a desired configuration,
//!   starting, restarting or stopping only what changed.

mod backoff;
pub mod gather;
pub mod histogram;
pub mod registry;
mod stats;
pub mod supervisor;

pub use backoff::Backoff;
pub use gather::{first_match, gather, gather_until, Gathered};
pub use histogram::{Histogram, HistogramSnapshot};
pub use registry::{Diff, Registry};
pub use supervisor::{
    spawn, Address, CallError, Factory, Failure, Stats, SupervisorConfig, Worker,
};
