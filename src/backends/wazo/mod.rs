//! The `wazo` backend: the users of the source's tenant (and its sub-tenants) in wazo-confd, as
//! wazo-dird gives them (`id, exten, firstname, lastname, userfield, email, description,
//! mobile_phone_number, voicemail_number` and `full_name`; relations to the user, its main line,
//! its agent and the stack). Lookups read an in-memory copy kept fresh by wazo-confd's events
//! (see `confd::copy`). `id` is the unique column.

mod backend;
mod users;

pub(crate) use backend::contact_item;

use super::Kind;

/// The `wazo` kind.
pub const KIND: Kind = Kind {
    name: "wazo",
    sort_columns: &[],
    validate: super::confd::config::validate,
    build: backend::build,
    virtual_name: false,
    fields: super::confd::config::FIELDS,
    default_timeout: None,
};
