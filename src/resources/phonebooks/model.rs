//! A phonebook, and the shape of phonebook contacts.

use serde::Serialize;
use serde_json::{Map, Value};

/// A phonebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phonebook {
    /// The legacy integer id (deprecated routes).
    pub id: i32,
    pub uuid: String,
    pub name: String,
    pub description: Option<String>,
    pub tenant_uuid: String,
}

/// A phonebook contact as the API shows it: every field a string, `id` its uuid.
pub type PhonebookContact = Map<String, Value>;
