//! SQL of personal contacts: `dird_contact` (user, hash) and the `dird_contact_fields` rows.

use super::hash::contact_hash;
use super::Contact;
use crate::resources::error::{violates, ResourceError};
use crate::resources::tenants::dao::ensure_owner;
use deadpool_postgres::GenericClient;
use serde_json::Value;
use std::collections::BTreeMap;

/// The hash of a contact's fields, as stored.
pub(crate) fn hash_of(contact: &Contact) -> String {
    let fields: BTreeMap<String, Value> = contact
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    contact_hash(&fields)
}

/// Stores a contact (with `contact["id"]` as its uuid when given). `None` when the user already has
/// an identical contact.
pub(crate) async fn create(
    client: &impl GenericClient,
    tenant_uuid: &str,
    user_uuid: &str,
    contact: Contact,
) -> Result<Option<Contact>, ResourceError> {
    ensure_owner(client, tenant_uuid, user_uuid).await?;
    let mut contacts = [contact];
    match insert(client, user_uuid, &mut contacts).await {
        Ok(()) => {}
        Err(error) if violates(&error, "dird_contact_hash_user_uuid") => return Ok(None),
        Err(error) if violates(&error, "dird_contact_pkey") => return Ok(None),
        Err(error) => return Err(error.into()),
    }
    let [contact] = contacts;
    Ok(Some(contact))
}

/// Gives each contact its uuid (its `id` when given) and inserts them with their fields: two
/// statements, whatever the number of contacts.
async fn insert(
    client: &impl GenericClient,
    user_uuid: &str,
    contacts: &mut [Contact],
) -> Result<(), tokio_postgres::Error> {
    let (mut uuids, mut hashes) = (Vec::new(), Vec::new());
    let (mut owners, mut names, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for contact in contacts.iter_mut() {
        let hash = hash_of(contact);
        let uuid = contact
            .get("id")
            .cloned()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        contact.insert("id".into(), uuid.clone());
        for (name, value) in contact.iter() {
            owners.push(uuid.clone());
            names.push(name.clone());
            values.push(value.clone());
        }
        uuids.push(uuid);
        hashes.push(hash);
    }
    client
        .execute(
            "INSERT INTO dird_contact (uuid, user_uuid, hash) SELECT uuid, $2, hash FROM unnest($1::text[], $3::text[]) AS c(uuid, hash)",
            &[&uuids, &user_uuid, &hashes],
        )
        .await?;
    client
        .execute(
            "INSERT INTO dird_contact_fields (name, value, contact_uuid) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])",
            &[&names, &values, &owners],
        )
        .await?;
    Ok(())
}

/// Deletes one contact of the user. `false` when absent.
pub(crate) async fn delete(
    client: &impl GenericClient,
    user_uuid: &str,
    contact_id: &str,
) -> Result<bool, ResourceError> {
    Ok(client
        .execute(
            "DELETE FROM dird_contact WHERE user_uuid = $1 AND uuid = $2",
            &[&user_uuid, &contact_id],
        )
        .await?
        == 1)
}

/// Deletes every contact of the user; returns how many.
pub(crate) async fn purge(
    client: &impl GenericClient,
    user_uuid: &str,
) -> Result<u64, ResourceError> {
    Ok(client
        .execute(
            "DELETE FROM dird_contact WHERE user_uuid = $1",
            &[&user_uuid],
        )
        .await?)
}

/// The hashes and ids of the user's contacts.
pub(crate) async fn hashes(
    client: &impl GenericClient,
    user_uuid: &str,
) -> Result<std::collections::HashMap<String, String>, ResourceError> {
    let rows = client
        .query(
            "SELECT hash, uuid FROM dird_contact WHERE user_uuid = $1",
            &[&user_uuid],
        )
        .await?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// Whether a contact id exists (for any user: ids are global keys).
pub(crate) async fn exists(
    client: &impl GenericClient,
    contact_id: &str,
) -> Result<bool, ResourceError> {
    Ok(client
        .query_opt("SELECT 1 FROM dird_contact WHERE uuid = $1", &[&contact_id])
        .await?
        .is_some())
}

/// Stores many new contacts at once (the caller has ruled out duplicates): four statements in all.
pub(crate) async fn create_many(
    client: &impl GenericClient,
    tenant_uuid: &str,
    user_uuid: &str,
    mut contacts: Vec<Contact>,
) -> Result<Vec<Contact>, ResourceError> {
    ensure_owner(client, tenant_uuid, user_uuid).await?;
    insert(client, user_uuid, &mut contacts).await?;
    Ok(contacts)
}
