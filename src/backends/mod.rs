//! The registry of backend kinds. Each backend is one folder under `src/backends/<kind>/`, listed
//! once in [`INSTALLED`]; `enabled_plugins.backends` then switches each kind on or off.
//!
//! No backend kind is installed yet: they land with the directory engine (csv, csv_ws, ldap first).

/// Backend kinds built into this daemon.
pub const INSTALLED: &[&str] = &[];

/// The installed kinds that the configuration enables, sorted by name.
pub fn enabled(enabled_backends: &std::collections::BTreeMap<String, bool>) -> Vec<String> {
    let mut kinds: Vec<String> = INSTALLED
        .iter()
        .filter(|kind| enabled_backends.get(**kind).copied().unwrap_or(false))
        .map(|kind| (*kind).to_owned())
        .collect();
    kinds.sort();
    kinds
}
