//! Logging: to stderr and to `log_filename`, at a level that `PATCH /0.1/config` can change live.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, reload, Layer, Registry};

/// Changes the log level of the running daemon.
#[derive(Debug, Clone)]
pub struct LogControl {
    handle: reload::Handle<Targets, Registry>,
    configured_level: String,
}

/// wazo-dird's level names to tracing levels (`critical` has no tracing equivalent: `error`).
pub fn level_from_name(name: &str) -> LevelFilter {
    match name {
        "critical" | "error" => LevelFilter::ERROR,
        "warning" => LevelFilter::WARN,
        "debug" => LevelFilter::DEBUG,
        _ => LevelFilter::INFO,
    }
}

/// Our own crates log at the chosen level; dependencies never below `info`, so debug stays readable.
fn targets(level: LevelFilter) -> Targets {
    let dependencies = level.min(LevelFilter::INFO);
    Targets::new()
        .with_default(dependencies)
        .with_target("wazo_dird", level)
        .with_target("actors", level)
}

/// Installs the global subscriber. The log file is opened now (before any privilege drop).
/// Returns a warning to log when the file cannot be opened (logging then goes to stderr only).
pub fn init(
    level_name: &str,
    debug: bool,
    log_file: Option<&Path>,
) -> (LogControl, Option<String>) {
    let level = if debug {
        LevelFilter::DEBUG
    } else {
        level_from_name(level_name)
    };
    let (filter, handle) = reload::Layer::new(targets(level));
    let mut warning = None;
    let file_layer =
        log_file.and_then(
            |path| match OpenOptions::new().create(true).append(true).open(path) {
                Ok(file) => Some(
                    fmt::layer()
                        .with_ansi(false)
                        .with_writer(Mutex::new(file))
                        .boxed(),
                ),
                Err(e) => {
                    warning = Some(format!(
                        "cannot open the log file {}: {e}; logging to stderr only",
                        path.display()
                    ));
                    None
                }
            },
        );
    // Colours only for a person at a terminal, never in files or journald.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let stderr_layer = fmt::layer()
        .with_ansi(colours)
        .with_writer(std::io::stderr)
        .boxed();
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    (
        LogControl {
            handle,
            configured_level: level_name.to_owned(),
        },
        warning,
    )
}

impl LogControl {
    /// `debug = true` logs at the debug level; `false` returns to the configured `log_level`.
    pub fn set_debug(&self, debug: bool) {
        let level = if debug {
            LevelFilter::DEBUG
        } else {
            level_from_name(&self.configured_level)
        };
        if let Err(e) = self.handle.reload(targets(level)) {
            tracing::error!(error = %e, "cannot change the log level");
        } else {
            tracing::info!(level = %level, "log level changed");
        }
    }
}
