//! SQL of phonebooks and of their contacts.

use super::model::{Phonebook, PhonebookContact};
use crate::resources::error::{violates, ResourceError};
use crate::resources::personal::hash::contact_hash;
use deadpool_postgres::GenericClient;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

const COLUMNS: &str = "id, uuid::text, name, description, tenant_uuid";

fn from_row(row: &tokio_postgres::Row) -> Phonebook {
    Phonebook {
        id: row.get(0),
        uuid: row.get(1),
        name: row.get(2),
        description: row.get(3),
        tenant_uuid: row.get(4),
    }
}

/// Phonebooks of the tenants.
pub(crate) async fn list(
    client: &impl GenericClient,
    tenants: &[String],
) -> Result<Vec<Phonebook>, ResourceError> {
    let rows = client
        .query(
            &format!("SELECT {COLUMNS} FROM dird_phonebook WHERE tenant_uuid = ANY($1)"),
            &[&tenants],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// A phonebook of the tenants.
pub(crate) async fn get(
    client: &impl GenericClient,
    uuid: &str,
    tenants: &[String],
) -> Result<Option<Phonebook>, ResourceError> {
    let row = client
        .query_opt(&format!("SELECT {COLUMNS} FROM dird_phonebook WHERE uuid = $1::text::uuid AND tenant_uuid = ANY($2)"), &[&uuid, &tenants])
        .await?;
    Ok(row.as_ref().map(from_row))
}

fn duplicate(error: tokio_postgres::Error, name: &str) -> ResourceError {
    if violates(&error, "dird_phonebook_name_tenant_uuid") {
        ResourceError::Duplicate {
            resource: "phonebooks",
            name: name.to_owned(),
        }
    } else {
        error.into()
    }
}

pub(crate) async fn create(
    client: &impl GenericClient,
    tenant_uuid: &str,
    name: &str,
    description: Option<&str>,
) -> Result<Phonebook, ResourceError> {
    client
        .execute(
            "INSERT INTO dird_tenant (uuid) VALUES ($1) ON CONFLICT DO NOTHING",
            &[&tenant_uuid],
        )
        .await?;
    let row = client
        .query_one(
            &format!("INSERT INTO dird_phonebook (name, description, tenant_uuid) VALUES ($1, $2, $3) RETURNING {COLUMNS}"),
            &[&name, &description, &tenant_uuid],
        )
        .await
        .map_err(|e| duplicate(e, name))?;
    Ok(from_row(&row))
}

pub(crate) async fn update(
    client: &impl GenericClient,
    uuid: &str,
    name: &str,
    description: Option<&str>,
) -> Result<Option<Phonebook>, ResourceError> {
    let row = client
        .query_opt(
            &format!("UPDATE dird_phonebook SET name = $2, description = $3 WHERE uuid = $1::text::uuid RETURNING {COLUMNS}"),
            &[&uuid, &name, &description],
        )
        .await
        .map_err(|e| duplicate(e, name))?;
    Ok(row.as_ref().map(from_row))
}

/// Deletes a phonebook with its contacts and its sources (cascade).
pub(crate) async fn delete(client: &impl GenericClient, uuid: &str) -> Result<bool, ResourceError> {
    Ok(client
        .execute(
            "DELETE FROM dird_phonebook WHERE uuid = $1::text::uuid",
            &[&uuid],
        )
        .await?
        == 1)
}

/// The text a value is stored as (`1` → `"1"`, strings as they are).
fn stored(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => crate::services::format::python_str(other),
    }
}

/// Stores a contact (as `uuid` when given); `None` when the phonebook already has an identical one.
pub(crate) async fn create_contact(
    client: &impl GenericClient,
    phonebook_uuid: &str,
    fields: &serde_json::Map<String, Value>,
    uuid: Option<&str>,
) -> Result<Option<String>, ResourceError> {
    let uuid = uuid.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let inserted = insert(client, phonebook_uuid, &[(uuid.clone(), fields)]).await?;
    Ok(inserted.contains(&uuid).then_some(uuid))
}

/// Stores many contacts with two statements; contacts identical to one already in the phonebook
/// (written concurrently since the caller read the hashes) are skipped. Returns the new ids, in
/// the order of `contacts`, `None` where skipped.
pub(crate) async fn create_contacts(
    client: &impl GenericClient,
    phonebook_uuid: &str,
    contacts: &[serde_json::Map<String, Value>],
) -> Result<Vec<Option<String>>, ResourceError> {
    let rows: Vec<_> = contacts
        .iter()
        .map(|fields| (uuid::Uuid::new_v4().to_string(), fields))
        .collect();
    let inserted = insert(client, phonebook_uuid, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|(uuid, _)| inserted.contains(&uuid).then_some(uuid))
        .collect())
}

/// Inserts `(uuid, fields)` contacts, skipping those identical to one already in the phonebook;
/// answers the uuids inserted.
async fn insert(
    client: &impl GenericClient,
    phonebook_uuid: &str,
    contacts: &[(String, &serde_json::Map<String, Value>)],
) -> Result<HashSet<String>, ResourceError> {
    let (mut uuids, mut hashes) = (Vec::new(), Vec::new());
    let (mut names, mut values, mut owners) = (Vec::new(), Vec::new(), Vec::new());
    for (uuid, fields) in contacts {
        hashes.push(hash_of(fields));
        names.push("id".to_owned());
        values.push(uuid.clone());
        owners.push(uuid.clone());
        for (name, value) in *fields {
            names.push(name.clone());
            values.push(stored(value));
            owners.push(uuid.clone());
        }
        uuids.push(uuid.clone());
    }
    let inserted: HashSet<String> = client
        .query(
            "INSERT INTO dird_contact (uuid, phonebook_uuid, hash) SELECT uuid, $2::text::uuid, hash \
             FROM unnest($1::text[], $3::text[]) AS c(uuid, hash) ON CONFLICT DO NOTHING RETURNING uuid",
            &[&uuids, &phonebook_uuid, &hashes],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    client
        .execute(
            "INSERT INTO dird_contact_fields (name, value, contact_uuid) SELECT name, value, owner \
             FROM unnest($1::text[], $2::text[], $3::text[]) AS f(name, value, owner) WHERE owner = ANY($4)",
            &[&names, &values, &owners, &inserted.iter().collect::<Vec<_>>()],
        )
        .await?;
    Ok(inserted)
}

/// Contacts of the phonebook (all, or the one `contact_uuid`), every field as text.
pub(crate) async fn contacts(
    client: &impl GenericClient,
    phonebook_uuid: &str,
    contact_uuid: Option<&str>,
) -> Result<Vec<PhonebookContact>, ResourceError> {
    let rows = client
        .query(
            "SELECT f.contact_uuid, f.name, f.value FROM dird_contact_fields f JOIN dird_contact c ON c.uuid = f.contact_uuid \
             WHERE c.phonebook_uuid = $1::text::uuid AND ($2::text IS NULL OR c.uuid = $2) ORDER BY f.id",
            &[&phonebook_uuid, &contact_uuid],
        )
        .await?;
    let mut contacts: BTreeMap<String, PhonebookContact> = BTreeMap::new();
    for row in &rows {
        let uuid: String = row.get(0);
        let contact = contacts.entry(uuid.clone()).or_insert_with(|| {
            serde_json::Map::from_iter([("id".to_owned(), Value::String(uuid))])
        });
        let value: Option<String> = row.get(2);
        contact.insert(row.get(1), value.map_or(Value::Null, Value::String));
    }
    Ok(contacts.into_values().collect())
}

pub(crate) async fn delete_contact(
    client: &impl GenericClient,
    phonebook_uuid: &str,
    contact_uuid: &str,
) -> Result<bool, ResourceError> {
    let deleted = client
        .execute(
            "DELETE FROM dird_contact WHERE phonebook_uuid = $1::text::uuid AND uuid = $2",
            &[&phonebook_uuid, &contact_uuid],
        )
        .await?;
    Ok(deleted == 1)
}

/// The hashes of the phonebook's contacts.
pub(crate) async fn hashes(
    client: &impl GenericClient,
    phonebook_uuid: &str,
) -> Result<HashSet<String>, ResourceError> {
    let rows = client
        .query(
            "SELECT hash FROM dird_contact WHERE phonebook_uuid = $1::text::uuid",
            &[&phonebook_uuid],
        )
        .await?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// The hash of a contact's fields, as stored.
pub(crate) fn hash_of(fields: &serde_json::Map<String, Value>) -> String {
    contact_hash(
        &fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}
