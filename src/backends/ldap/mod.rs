//! The `ldap` backend: contacts from an LDAP directory (OpenLDAP, Active Directory…), over a small
//! pool of multiplexed connections, with every user-supplied term escaped (RFC 4515).

mod backend;
mod config;
mod filter;

pub use config::LdapConfig;

use super::{BackendKind, Deps, FieldErrors, SourceSpec};
use crate::backends::kind::Built;
use std::sync::Arc;

/// The `ldap` kind.
#[derive(Debug)]
pub struct Ldap;

impl BackendKind for Ldap {
    const NAME: &'static str = "ldap";
    const SORT_COLUMNS: &'static [&'static str] = &["ldap_uri", "ldap_base_dn", "ldap_username"];
    type Config = LdapConfig;

    fn check(config: &mut LdapConfig) -> FieldErrors {
        config::check(config)
    }

    fn build(spec: Arc<SourceSpec>, config: LdapConfig, _deps: Deps) -> Built {
        Box::pin(backend::build(spec, config))
    }
}
