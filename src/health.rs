//! The health of one part of the daemon, as `/0.1/status` and `/metrics` show it (a leaf: it
//! depends on nothing of the crate). Each owner answers its own (`Storage::health`,
//! `Bus::health`, `Engine::health`); the views only serialize.

/// A part's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Switched off in the configuration (no `db_uri`, `bus.enabled: false`).
    Disabled,
    Ok,
    Fail,
}

impl Health {
    /// `Disabled` when the part is off, else `Ok` or `Fail`.
    pub fn of(enabled: bool, ok: bool) -> Health {
        match (enabled, ok) {
            (false, _) => Health::Disabled,
            (true, true) => Health::Ok,
            (true, false) => Health::Fail,
        }
    }

    /// `ok`, `fail` or `disabled`, as wazo-dird's `/status` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Disabled => "disabled",
            Health::Ok => "ok",
            Health::Fail => "fail",
        }
    }

    /// 1 when `Ok`, as a `/metrics` gauge.
    pub fn is_ok(self) -> bool {
        self == Health::Ok
    }
}
