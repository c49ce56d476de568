//! Phonebooks of a tenant and their contacts. Item routes act in the current tenant only (no
//! recurse), as wazo-dird's phonebook API.

use super::model::{Phonebook, PhonebookContact};
use super::{dao, notifier, validator};
use crate::bus::Bus;
use crate::contacts::{Change, Owner};
use crate::resources::catalog::CatalogReload;
use crate::resources::ResourceError;
use crate::storage::Storage;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Contacts written per statement pair by an import (PostgreSQL binds arrays, so this bounds the
/// statement size, not the parameter count).
const IMPORT_BATCH: usize = 1_000;

/// Why an import was refused as a whole (wazo-dird's `phonebook-contact-import-*` error ids).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("The file is not valid {0}")]
    BadEncoding(String),
    #[error("The header row names a column twice: {0}")]
    DuplicateColumns(String),
    #[error("The file is not a valid CSV file: {0}")]
    InvalidFile(String),
    #[error("The file holds no contact")]
    EmptyFile,
    #[error("Some contacts are invalid")]
    BadContacts(Vec<Value>),
}

/// Why a phonebook operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum PhonebookError {
    #[error("invalid data")]
    Invalid(Map<String, Value>),
    #[error("{0}")]
    InvalidContact(String),
    #[error("No such phonebook: {0}")]
    NoSuchPhonebook(String),
    #[error("No such contact: {0}")]
    NoSuchContact(String),
    #[error("Adding this contact would create a duplicate")]
    DuplicateContact,
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Resource(#[from] ResourceError),
}

impl From<tokio_postgres::Error> for PhonebookError {
    fn from(error: tokio_postgres::Error) -> Self {
        PhonebookError::Resource(error.into())
    }
}

impl From<crate::storage::StorageError> for PhonebookError {
    fn from(error: crate::storage::StorageError) -> Self {
        PhonebookError::Resource(error.into())
    }
}

/// Which contacts of a phonebook to list, and how.
#[derive(Debug, Clone, Default)]
pub struct ContactQuery<'a> {
    /// Text to find in any value (accent- and case-insensitive).
    pub search: Option<&'a str>,
    /// The field to sort by (case-insensitive).
    pub order: &'a str,
    pub descending: bool,
    pub limit: Option<u64>,
    pub offset: u64,
}

/// One page of a phonebook's contacts.
#[derive(Debug, Clone)]
pub struct ContactPage {
    /// Contacts in the phonebook.
    pub total: i64,
    /// Contacts matching the search.
    pub filtered: i64,
    pub items: Vec<PhonebookContact>,
}

/// The largest CSV field an import takes (Python's `csv.field_size_limit()` default).
const FIELD_LIMIT: usize = 131_072;

#[derive(Debug, Clone)]
pub struct PhonebookService {
    storage: Storage,
    bus: Bus,
    /// A phonebook's sources are named after it and go with it.
    reload: Arc<dyn CatalogReload>,
}

fn valid_uuid(uuid: &str) -> bool {
    uuid::Uuid::parse_str(uuid).is_ok()
}

impl PhonebookService {
    pub fn new(storage: Storage, bus: Bus, reload: Arc<dyn CatalogReload>) -> Self {
        PhonebookService {
            storage,
            bus,
            reload,
        }
    }

    /// The phonebook's contacts changed (committed): its in-memory copy follows.
    async fn changed(&self, uuid: &str, change: Change) {
        crate::contacts::changed(&self.storage, &Owner::Phonebook(uuid.to_owned()), change).await;
    }

    pub async fn list(&self, tenants: &[String]) -> Result<Vec<Phonebook>, PhonebookError> {
        let client = self.storage.client().await?;
        Ok(dao::list(&client, tenants).await?)
    }

    /// The phonebook `uuid` of `tenant_uuid` (a malformed uuid is simply not found).
    pub async fn get(&self, uuid: &str, tenant_uuid: &str) -> Result<Phonebook, PhonebookError> {
        if !valid_uuid(uuid) {
            return Err(PhonebookError::NoSuchPhonebook(uuid.to_owned()));
        }
        let client = self.storage.client().await?;
        dao::get(&client, uuid, &[tenant_uuid.to_owned()])
            .await?
            .ok_or_else(|| PhonebookError::NoSuchPhonebook(uuid.to_owned()))
    }

    /// The phonebook of `tenant_uuid` whose legacy integer id is `id` (deprecated routes).
    pub async fn get_by_id(&self, id: i32, tenant_uuid: &str) -> Result<Phonebook, PhonebookError> {
        let client = self.storage.client().await?;
        dao::get_by_id(&client, id, &[tenant_uuid.to_owned()])
            .await?
            .ok_or_else(|| PhonebookError::NoSuchPhonebook(id.to_string()))
    }

    pub async fn create(
        &self,
        tenant_uuid: &str,
        body: &Value,
    ) -> Result<Phonebook, PhonebookError> {
        let (name, description) = validator::phonebook(body).map_err(PhonebookError::Invalid)?;
        let client = self.storage.client().await?;
        let created = dao::create(&client, tenant_uuid, &name, description.as_deref()).await?;
        self.bus.publish(notifier::phonebook("created", &created));
        Ok(created)
    }

    pub async fn update(
        &self,
        uuid: &str,
        tenant_uuid: &str,
        body: &Value,
    ) -> Result<Phonebook, PhonebookError> {
        self.get(uuid, tenant_uuid).await?;
        let (name, description) = validator::phonebook(body).map_err(PhonebookError::Invalid)?;
        let client = self.storage.client().await?;
        let updated = dao::update(&client, uuid, &name, description.as_deref())
            .await?
            .ok_or_else(|| PhonebookError::NoSuchPhonebook(uuid.to_owned()))?;
        self.bus.publish(notifier::phonebook("edited", &updated));
        self.reload.await_catalog().await;
        Ok(updated)
    }

    /// Deletes a phonebook, its contacts and its sources.
    pub async fn delete(&self, uuid: &str, tenant_uuid: &str) -> Result<(), PhonebookError> {
        let phonebook = self.get(uuid, tenant_uuid).await?;
        let client = self.storage.client().await?;
        dao::delete(&client, uuid).await?;
        self.changed(uuid, Change::Cleared).await;
        self.bus.publish(notifier::phonebook("deleted", &phonebook));
        self.reload.await_catalog().await;
        Ok(())
    }

    /// A page of the phonebook's contacts, searched, sorted and paged by the database.
    pub async fn contacts(
        &self,
        uuid: &str,
        tenant_uuid: &str,
        query: &ContactQuery<'_>,
    ) -> Result<ContactPage, PhonebookError> {
        self.get(uuid, tenant_uuid).await?;
        let client = self.storage.client().await?;
        let bound = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let (filtered, items) = dao::page(
            &client,
            uuid,
            query.search.filter(|s| !s.is_empty()),
            query.order,
            query.descending,
            query.limit.map(bound),
            bound(query.offset),
        )
        .await?;
        let total = if query.search.is_some_and(|s| !s.is_empty()) {
            dao::count(&client, uuid).await?
        } else {
            filtered
        };
        Ok(ContactPage {
            total,
            filtered,
            items,
        })
    }

    pub async fn contact(
        &self,
        uuid: &str,
        tenant_uuid: &str,
        contact_uuid: &str,
    ) -> Result<PhonebookContact, PhonebookError> {
        self.get(uuid, tenant_uuid).await?;
        let client = self.storage.client().await?;
        crate::contacts::get(
            &client,
            &crate::contacts::Owner::Phonebook(uuid.to_owned()),
            contact_uuid,
        )
        .await?
        .ok_or_else(|| PhonebookError::NoSuchContact(contact_uuid.to_owned()))
    }

    /// Creates a contact; the answer echoes the fields as sent, with the new `id`.
    pub async fn create_contact(
        &self,
        uuid: &str,
        tenant_uuid: &str,
        body: &Value,
    ) -> Result<PhonebookContact, PhonebookError> {
        let phonebook = self.get(uuid, tenant_uuid).await?;
        let fields = validator::contact(body).map_err(PhonebookError::InvalidContact)?;
        let client = self.storage.client().await?;
        let id = dao::create_contact(&client, uuid, &fields, None)
            .await?
            .ok_or(PhonebookError::DuplicateContact)?;
        self.changed(uuid, Change::Contacts(vec![id.clone()])).await;
        self.bus
            .publish(notifier::contact("created", &phonebook, &id));
        let mut contact = fields;
        contact.insert("id".into(), Value::String(id));
        Ok(contact)
    }

    /// Replaces every field of a contact (it keeps its id), in one transaction.
    pub async fn update_contact(
        &self,
        uuid: &str,
        tenant_uuid: &str,
        contact_uuid: &str,
        body: &Value,
    ) -> Result<PhonebookContact, PhonebookError> {
        let phonebook = self.get(uuid, tenant_uuid).await?;
        let fields = validator::contact(body).map_err(PhonebookError::InvalidContact)?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        if !dao::delete_contact(&transaction, uuid, contact_uuid).await? {
            return Err(PhonebookError::NoSuchContact(contact_uuid.to_owned()));
        }
        dao::create_contact(&transaction, uuid, &fields, Some(contact_uuid))
            .await?
            .ok_or(PhonebookError::DuplicateContact)?;
        transaction.commit().await?;
        self.changed(uuid, Change::Contacts(vec![contact_uuid.to_owned()]))
            .await;
        self.bus
            .publish(notifier::contact("edited", &phonebook, contact_uuid));
        let mut contact = fields;
        contact.insert("id".into(), Value::String(contact_uuid.to_owned()));
        Ok(contact)
    }

    /// Imports contacts from CSV text: all or nothing; contacts already there (or repeated in the
    /// file) are skipped silently, as wazo-dird does.
    pub async fn import(
        &self,
        uuid: &str,
        tenant_uuid: &str,
        text: &str,
    ) -> Result<Vec<PhonebookContact>, PhonebookError> {
        let phonebook = self.get(uuid, tenant_uuid).await?;
        let rows = parse_import(text)?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        let mut known = dao::hashes(&transaction, uuid).await?;
        let fresh: Vec<_> = rows
            .into_iter()
            .filter(|fields| known.insert(dao::hash_of(fields)))
            .collect();
        let mut created = Vec::new();
        for chunk in fresh.chunks(IMPORT_BATCH) {
            let ids = dao::create_contacts(&transaction, uuid, chunk).await?;
            for (mut fields, id) in chunk.iter().cloned().zip(ids) {
                if let Some(id) = id {
                    fields.insert("id".into(), Value::String(id));
                    created.push(fields);
                }
            }
        }
        transaction.commit().await?;
        if !created.is_empty() {
            crate::contacts::analyze(&client).await;
        }
        let ids = created
            .iter()
            .filter_map(|contact| contact.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        self.changed(uuid, Change::Contacts(ids)).await;
        for contact in &created {
            if let Some(id) = contact.get("id").and_then(Value::as_str) {
                self.bus
                    .publish(notifier::contact("created", &phonebook, id));
            }
        }
        Ok(created)
    }

    pub async fn delete_contact(
        &self,
        uuid: &str,
        tenant_uuid: &str,
        contact_uuid: &str,
    ) -> Result<(), PhonebookError> {
        let phonebook = self.get(uuid, tenant_uuid).await?;
        let client = self.storage.client().await?;
        if !dao::delete_contact(&client, uuid, contact_uuid).await? {
            return Err(PhonebookError::NoSuchContact(contact_uuid.to_owned()));
        }
        self.changed(uuid, Change::Contacts(vec![contact_uuid.to_owned()]))
            .await;
        self.bus
            .publish(notifier::contact("deleted", &phonebook, contact_uuid));
        Ok(())
    }
}

/// The contacts of an import's CSV text, checked: a file wazo-dird refuses is refused whole.
fn parse_import(text: &str) -> Result<Vec<Map<String, Value>>, ImportError> {
    // Rows may be longer or shorter than the header (checked below, as wazo-dird's DictReader).
    let (mut reader, header) = crate::input::csv_with_header(text);
    let header = header.map_err(|e| ImportError::InvalidFile(e.to_string()))?;
    if header.iter().all(String::is_empty) {
        return Err(ImportError::EmptyFile);
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = header.iter().find(|h| !seen.insert(h.as_str())) {
        return Err(ImportError::DuplicateColumns(twice.clone()));
    }
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ImportError::InvalidFile(e.to_string()))?;
        // Python's csv module refuses fields above its default limit.
        if record.iter().any(|field| field.len() > FIELD_LIMIT) {
            return Err(ImportError::InvalidFile(format!(
                "field larger than field limit ({FIELD_LIMIT})"
            )));
        }
        let fields: Map<String, Value> = header
            .iter()
            .zip(record.iter())
            .filter(|(key, _)| key.as_str() != "id")
            .map(|(key, value)| (key.clone(), Value::String(value.to_owned())))
            .collect();
        if record.len() > header.len() {
            // Python's DictReader files the extra values under a `None` key, which JSON writes
            // as "null", and wazo-dird refuses the contact.
            let mut shown = fields.clone();
            let extra: Vec<&str> = record.iter().skip(header.len()).collect();
            shown.insert("null".into(), serde_json::json!(extra));
            bad.push(serde_json::json!({"contact": shown, "message": "Contacts cannot have null keys", "index": index}));
            continue;
        }
        let checked = validator::contact(&Value::Object(fields.clone())).and_then(|fields| {
            if fields
                .values()
                .all(|value| value.as_str().is_some_and(str::is_empty))
            {
                Err("A contact needs at least one value".to_owned())
            } else {
                Ok(fields)
            }
        });
        match checked {
            Ok(fields) => rows.push(fields),
            Err(message) => {
                bad.push(serde_json::json!({"contact": fields, "message": message, "index": index}))
            }
        }
    }
    if !bad.is_empty() {
        return Err(ImportError::BadContacts(bad));
    }
    if rows.is_empty() {
        return Err(ImportError::EmptyFile);
    }
    Ok(rows)
}
