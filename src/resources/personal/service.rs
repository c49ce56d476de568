//! Personal contacts of a user: create, read, replace, delete, purge. Every write is one
//! transaction; an identical contact (same hash) is a duplicate.

use super::{dao, notifier, validator, Contact};
use crate::bus::Bus;
use crate::contacts::{self, Change, Owner};
use crate::input::nul_reason;
use crate::resources::ResourceError;
use crate::storage::Storage;
use serde_json::Value;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub created: Vec<Contact>,
    pub failed: Vec<ImportFailure>,
}

/// A refused line of an import.
#[derive(Debug, serde::Serialize)]
pub struct ImportFailure {
    /// 1 is the header row.
    pub line: usize,
    pub errors: Vec<String>,
}

/// Why a personal contact operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum PersonalError {
    #[error("{0}")]
    Invalid(String),
    #[error("No such contact: {0}")]
    NotFound(String),
    #[error("Adding this contact would create a duplicate")]
    Duplicate,
    #[error(transparent)]
    Resource(#[from] ResourceError),
}

impl From<tokio_postgres::Error> for PersonalError {
    fn from(error: tokio_postgres::Error) -> Self {
        PersonalError::Resource(error.into())
    }
}

impl From<crate::storage::StorageError> for PersonalError {
    fn from(error: crate::storage::StorageError) -> Self {
        PersonalError::Resource(error.into())
    }
}

#[derive(Debug, Clone)]
pub struct PersonalService {
    storage: Storage,
    bus: Bus,
}

impl PersonalService {
    pub fn new(storage: Storage, bus: Bus) -> Self {
        PersonalService { storage, bus }
    }

    /// The user's contacts changed (committed): their in-memory copy follows.
    async fn changed(&self, user_uuid: &str, change: Change) {
        contacts::changed(&self.storage, &Owner::User(user_uuid.to_owned()), change).await;
    }

    pub async fn create(
        &self,
        tenant_uuid: &str,
        user_uuid: &str,
        body: &Value,
    ) -> Result<Contact, PersonalError> {
        let contact = validator::validate(body).map_err(PersonalError::Invalid)?;
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        let created = dao::create(&transaction, tenant_uuid, user_uuid, contact)
            .await?
            .ok_or(PersonalError::Duplicate)?;
        transaction.commit().await?;
        self.changed(user_uuid, Change::Contacts(vec![created["id"].clone()]))
            .await;
        self.bus.publish(notifier::changed(
            "created",
            tenant_uuid,
            user_uuid,
            &created["id"],
        ));
        Ok(created)
    }

    pub async fn list(&self, user_uuid: &str) -> Result<Vec<Contact>, PersonalError> {
        let client = self.storage.client().await?;
        let owner = Owner::User(user_uuid.to_owned());
        let stored = contacts::all(&client, &owner).await?;
        Ok(stored.into_iter().map(from_stored).collect())
    }

    pub async fn get(&self, user_uuid: &str, contact_id: &str) -> Result<Contact, PersonalError> {
        let client = self.storage.client().await?;
        let owner = Owner::User(user_uuid.to_owned());
        contacts::get(&client, &owner, contact_id)
            .await?
            .map(from_stored)
            .ok_or_else(|| PersonalError::NotFound(contact_id.to_owned()))
    }

    /// Replaces every field of a contact; it keeps its `id`.
    pub async fn update(
        &self,
        tenant_uuid: &str,
        user_uuid: &str,
        contact_id: &str,
        body: &Value,
    ) -> Result<Contact, PersonalError> {
        let mut contact = validator::validate(body).map_err(PersonalError::Invalid)?;
        contact.insert("id".into(), contact_id.to_owned());
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        if !dao::delete(&transaction, user_uuid, contact_id).await? {
            return Err(PersonalError::NotFound(contact_id.to_owned()));
        }
        let updated = dao::create(&transaction, tenant_uuid, user_uuid, contact)
            .await?
            .ok_or(PersonalError::Duplicate)?;
        transaction.commit().await?;
        self.changed(user_uuid, Change::Contacts(vec![contact_id.to_owned()]))
            .await;
        self.bus.publish(notifier::changed(
            "edited",
            tenant_uuid,
            user_uuid,
            contact_id,
        ));
        Ok(updated)
    }

    pub async fn delete(
        &self,
        tenant_uuid: &str,
        user_uuid: &str,
        contact_id: &str,
    ) -> Result<(), PersonalError> {
        let client = self.storage.client().await?;
        if !dao::delete(&client, user_uuid, contact_id).await? {
            return Err(PersonalError::NotFound(contact_id.to_owned()));
        }
        self.changed(user_uuid, Change::Contacts(vec![contact_id.to_owned()]))
            .await;
        self.bus.publish(notifier::changed(
            "deleted",
            tenant_uuid,
            user_uuid,
            contact_id,
        ));
        Ok(())
    }

    /// Imports a CSV file (header row = field names). Each bad row is reported with its line and
    /// the good ones are created in one transaction; a row identical to an existing contact counts
    /// as created (its id is returned), as in wazo-dird. Refused when nothing could be created.
    pub async fn import(
        &self,
        tenant_uuid: &str,
        user_uuid: &str,
        csv_text: &str,
    ) -> Result<ImportReport, PersonalError> {
        let (mut reader, header) = crate::input::csv_with_header(csv_text);
        let header = header.map_err(|e| PersonalError::Invalid(format!("invalid CSV: {e}")))?;
        if header.is_empty() || header.iter().any(String::is_empty) {
            return Err(PersonalError::Invalid(
                "the header row must name every column".into(),
            ));
        }
        if header.iter().any(|name| name.contains('\0')) {
            return Err(PersonalError::Invalid(nul_reason("the header row")));
        }
        let mut client = self.storage.client().await?;
        let transaction = client.transaction().await?;
        let mut known = dao::hashes(&transaction, user_uuid).await?;
        let mut report = ImportReport::default();
        let mut new_contacts = Vec::new();
        let mut new_ids = std::collections::HashSet::new();
        for (index, record) in reader.records().enumerate() {
            let line = index + 2;
            let contact = match row(&header, record) {
                Ok(contact) => contact,
                Err(error) => {
                    report.failed.push(ImportFailure {
                        line,
                        errors: vec![error],
                    });
                    continue;
                }
            };
            if let Some(id) = contact.get("id") {
                if dao::exists(&transaction, id).await? {
                    report.failed.push(ImportFailure {
                        line,
                        errors: vec![format!("contact {id} already exists")],
                    });
                    continue;
                }
            }
            let hash = dao::hash_of(&contact);
            if let Some(existing) = known.get(&hash) {
                let mut same = contact.clone();
                same.insert("id".into(), existing.clone());
                report.created.push(same);
                continue;
            }
            if let Some(id) = contact.get("id") {
                if !new_ids.insert(id.clone()) {
                    report.failed.push(ImportFailure {
                        line,
                        errors: vec![format!("contact {id} already exists")],
                    });
                    continue;
                }
            }
            let mut contact = contact;
            let id = contact
                .entry("id".into())
                .or_insert_with(|| uuid::Uuid::new_v4().to_string())
                .clone();
            known.insert(hash, id);
            new_contacts.push(contact);
        }
        report
            .created
            .extend(dao::create_many(&transaction, tenant_uuid, user_uuid, new_contacts).await?);
        if report.created.is_empty() {
            return Err(PersonalError::Invalid(
                "no contact could be imported".into(),
            ));
        }
        transaction.commit().await?;
        contacts::analyze(&client).await;
        self.imported(tenant_uuid, user_uuid, &report.created).await;
        Ok(report)
    }

    /// After a committed import: the user's copy takes the contacts, each is announced.
    async fn imported(&self, tenant_uuid: &str, user_uuid: &str, created: &[Contact]) {
        let ids = created
            .iter()
            .filter_map(|contact| contact.get("id").cloned())
            .collect();
        self.changed(user_uuid, Change::Contacts(ids)).await;
        for contact in created {
            self.bus.publish(notifier::changed(
                "created",
                tenant_uuid,
                user_uuid,
                &contact["id"],
            ));
        }
    }

    pub async fn purge(&self, tenant_uuid: &str, user_uuid: &str) -> Result<(), PersonalError> {
        let client = self.storage.client().await?;
        let count = dao::purge(&client, user_uuid).await?;
        self.changed(user_uuid, Change::Cleared).await;
        self.bus
            .publish(notifier::purged(tenant_uuid, user_uuid, count));
        Ok(())
    }
}

/// A personal contact as the read model gives it (its values are text).
fn from_stored(contact: contacts::Contact) -> Contact {
    contact
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => (name, text),
            other => (name, other.to_string()),
        })
        .collect()
}

/// One row of an import as a contact, or why it is refused.
fn row(
    header: &[String],
    record: Result<csv::StringRecord, csv::Error>,
) -> Result<Contact, String> {
    let record = record.map_err(|error| error.to_string())?;
    if record.len() != header.len() {
        return Err(format!(
            "expected {} fields, found {}",
            header.len(),
            record.len()
        ));
    }
    let contact: Contact = header
        .iter()
        .cloned()
        .zip(record.iter().map(str::to_owned))
        .collect();
    if let Some((field, _)) = contact.iter().find(|(_, value)| value.contains('\0')) {
        return Err(nul_reason(field));
    }
    Ok(contact)
}
