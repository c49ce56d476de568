//! The `ldap` backend: contacts from an LDAP directory (OpenLDAP, Active Directory…), over a small
//! pool of multiplexed connections, with every user-supplied term escaped (RFC 4515).

mod backend;
mod config;
mod filter;

pub use config::LdapConfig;

use super::Kind;

/// The `ldap` kind.
pub const KIND: Kind = Kind {
    name: "ldap",
    sort_columns: &["ldap_uri", "ldap_base_dn", "ldap_username"],
    validate: config::validate,
    build: backend::build,
    virtual_name: false,
    fields: config::FIELDS,
    default_timeout: None,
};
