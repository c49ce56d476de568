//! The `conference` backend: the conference rooms of the source's tenant in wazo-confd, as
//! wazo-dird gives them (`{id, name, extensions: [exten], incalls: [exten]}`, no relations). Text
//! columns and list columns are searched alike; numbers match case-insensitively. Lookups read an
//! in-memory copy kept fresh by wazo-confd's events. `id` is the unique column.

mod backend;

pub(crate) use backend::contact_item;

use super::Kind;

/// The `conference` kind.
pub const KIND: Kind = Kind {
    name: "conference",
    sort_columns: &[],
    validate: super::confd::config::validate,
    build: backend::build,
    virtual_name: false,
    fields: super::confd::config::FIELDS,
    default_timeout: None,
};
