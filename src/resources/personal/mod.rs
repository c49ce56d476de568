//! Personal contacts: each user's own contacts, stored as wazo-dird stores them (`dird_contact` with
//! the user, and one `dird_contact_fields` row per field, `id` included).

pub(crate) mod dao;
pub mod hash;
pub(crate) mod notifier;
pub mod service;
pub(crate) mod validator;

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A contact: its fields (strings), `id` among them once stored.
pub type Contact = BTreeMap<String, String>;

/// The API body of a contact.
pub fn to_body(contact: &Contact) -> Value {
    Value::Object(
        contact
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<String, Value>>(),
    )
}
