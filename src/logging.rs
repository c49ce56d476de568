//! Logging: to stderr and to `log_filename`, at a level that `PATCH /0.1/config` can change live.
//!
//! Lines look like the other Wazo daemons' (`%(asctime)s [%(process)d] (%(levelname)s)
//! (%(name)s): %(message)s`): `2026-12-03 01:02:03,456 [1234] (INFO) (wazo_dird.http.access):
//! response to 127.0.0.1 in 0.00s: GET /0.1/status 200`. The file is written by a thread of its
//! own (`tracing-appender`), so a request never waits on the disk; stderr is written in place. The
//! file is opened again on SIGHUP ([`LogControl::reopen`]), for logrotate.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::writer::{BoxMakeWriter, MakeWriterExt};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, reload, Registry};

/// Changes the log level of the running daemon, and reopens its log file.
#[derive(Debug, Clone)]
pub struct LogControl {
    handle: reload::Handle<Targets, Registry>,
    configured_level: String,
    file: Option<ReopenableFile>,
    /// Keeps the file's writer thread alive (it flushes what is left when dropped).
    _guards: Arc<Vec<tracing_appender::non_blocking::WorkerGuard>>,
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

/// The Wazo daemons' line format.
#[derive(Debug, Clone, Copy)]
pub struct WazoFormat;

/// What a line's prefix reuses on each thread: the timestamp to the second, dotted target names.
#[derive(Default)]
struct LineParts {
    second: i64,
    stamp: String,
    names: std::collections::HashMap<&'static str, String>,
}

thread_local! {
    static LINE_PARTS: std::cell::RefCell<LineParts> = std::cell::RefCell::new(LineParts {
        second: i64::MIN,
        ..LineParts::default()
    });
}

/// Python's level names.
fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG | Level::TRACE => "DEBUG",
    }
}

impl<S, N> FormatEvent<S, N> for WazoFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let metadata = event.metadata();
        LINE_PARTS.with(|parts| {
            let parts = &mut *parts.borrow_mut();
            let now = chrono::Local::now();
            let second = now.timestamp();
            if parts.second != second {
                parts.second = second;
                parts.stamp.clear();
                let _ = write!(parts.stamp, "{}", now.format("%Y-%m-%d %H:%M:%S"));
            }
            let target = metadata.target();
            let name = parts
                .names
                .entry(target)
                .or_insert_with(|| target.replace("::", "."));
            write!(
                writer,
                "{},{:03} [{}] ({}) ({name}): ",
                parts.stamp,
                now.timestamp_subsec_millis().min(999),
                std::process::id(),
                level_name(*metadata.level()),
            )
        })?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The log file, opened again on demand (after logrotate moved it away).
#[derive(Debug, Clone)]
struct ReopenableFile {
    path: PathBuf,
    file: Arc<Mutex<File>>,
}

impl ReopenableFile {
    fn open(path: &Path) -> std::io::Result<ReopenableFile> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(ReopenableFile {
            path: path.to_owned(),
            file: Arc::new(Mutex::new(file)),
        })
    }

    fn reopen(&self) -> std::io::Result<()> {
        let fresh = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        *self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }
}

impl Write for ReopenableFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .flush()
    }
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
    let mut guards = Vec::new();
    let file = log_file.and_then(|path| match ReopenableFile::open(path) {
        Ok(file) => Some(file),
        Err(e) => {
            warning = Some(format!(
                "cannot open the log file {}: {e}; logging to stderr only",
                path.display()
            ));
            None
        }
    });
    // Each line is formatted once, then written to stderr (journald under systemd) in place, so
    // that it is out before the request that logged it is answered, and handed to the file's
    // writer thread.
    let writer = match file.clone() {
        Some(file) => {
            let (to_file, guard) = tracing_appender::non_blocking(file);
            guards.push(guard);
            BoxMakeWriter::new(std::io::stderr.and(to_file))
        }
        None => BoxMakeWriter::new(std::io::stderr),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .with_ansi(false)
                .event_format(WazoFormat)
                .with_writer(writer),
        )
        .try_init();
    (
        LogControl {
            handle,
            configured_level: level_name.to_owned(),
            file,
            _guards: Arc::new(guards),
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

    /// Opens the log file again (SIGHUP, after logrotate moved it away).
    pub fn reopen(&self) {
        let Some(file) = &self.file else {
            return;
        };
        match file.reopen() {
            Ok(()) => tracing::info!(file = %file.path.display(), "log file reopened"),
            Err(error) => {
                tracing::error!(file = %file.path.display(), %error, "cannot reopen the log file")
            }
        }
    }
}
