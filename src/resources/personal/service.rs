//! Personal contacts of a user: create, read, replace, delete, purge. Every write is one
//! transaction; an identical contact (same hash) is a duplicate.

use super::{dao, notifier, validator, Contact};
use crate::bus::Bus;
use crate::resources::ResourceError;
use crate::storage::Storage;
use serde_json::Value;

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
        Ok(dao::list(&client, user_uuid).await?)
    }

    pub async fn get(&self, user_uuid: &str, contact_id: &str) -> Result<Contact, PersonalError> {
        let client = self.storage.client().await?;
        dao::get(&client, user_uuid, contact_id)
            .await?
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
        self.bus.publish(notifier::changed(
            "deleted",
            tenant_uuid,
            user_uuid,
            contact_id,
        ));
        Ok(())
    }

    pub async fn purge(&self, tenant_uuid: &str, user_uuid: &str) -> Result<(), PersonalError> {
        let client = self.storage.client().await?;
        let count = dao::purge(&client, user_uuid).await?;
        self.bus
            .publish(notifier::purged(tenant_uuid, user_uuid, count));
        Ok(())
    }
}
