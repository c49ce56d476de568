//! SQL of phonebooks and of their contacts.

use super::model::{Phonebook, PhonebookContact};
use crate::resources::error::{violates, ResourceError};
use crate::resources::personal::hash::contact_hash;
use crate::resources::tenants::dao::ensure_tenant;
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

/// A phonebook of the tenants by its legacy integer id.
pub(crate) async fn get_by_id(
    client: &impl GenericClient,
    id: i32,
    tenants: &[String],
) -> Result<Option<Phonebook>, ResourceError> {
    let row = client
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM dird_phonebook WHERE id = $1 AND tenant_uuid = ANY($2)"
            ),
            &[&id, &tenants],
        )
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
    ensure_tenant(client, tenant_uuid).await?;
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
        other => crate::text::python::python_str(other),
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
    // One statement, so that a contact is stored with its fields or not at all (a field
    // PostgreSQL refuses, say too long for the value index, leaves no empty contact behind).
    let inserted: HashSet<String> = client
        .query(
            "WITH contacts AS (\
                 INSERT INTO dird_contact (uuid, phonebook_uuid, hash) SELECT uuid, $2::text::uuid, hash \
                 FROM unnest($1::text[], $3::text[]) AS c(uuid, hash) ON CONFLICT DO NOTHING RETURNING uuid), \
             fields AS (\
                 INSERT INTO dird_contact_fields (name, value, contact_uuid) SELECT name, value, owner \
                 FROM unnest($4::text[], $5::text[], $6::text[]) AS f(name, value, owner) \
                 WHERE owner IN (SELECT uuid FROM contacts)) \
             SELECT uuid FROM contacts",
            &[&uuids, &phonebook_uuid, &hashes, &names, &values, &owners],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    Ok(inserted)
}

/// One page of a phonebook's contacts: `search` in any value but the id (accent- and
/// case-insensitive, through the trigram index), sorted case- and accent-insensitively by the field
/// `order` (absent or empty fields last, first when descending, as wazo-dird sorts), then by uuid; limit and offset in SQL. Answers the number of contacts
/// matching the search and the page.
pub(crate) async fn page(
    client: &impl GenericClient,
    phonebook_uuid: &str,
    search: Option<&str>,
    order: &str,
    descending: bool,
    limit: Option<i64>,
    offset: i64,
) -> Result<(i64, Vec<PhonebookContact>), ResourceError> {
    let pattern = search.map(|term| format!("%{}%", crate::text::like_literal(term)));
    let filter = if pattern.is_some() {
        "AND EXISTS (SELECT 1 FROM dird_contact_fields s WHERE s.contact_uuid = c.uuid \
         AND s.name <> 'id' AND dird_unaccent(s.value) ILIKE dird_unaccent($2))"
    } else {
        "AND $2::text IS NULL"
    };
    let matched: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM dird_contact c WHERE c.phonebook_uuid = $1::text::uuid {filter}"),
            &[&phonebook_uuid, &pattern],
        )
        .await?
        .get(0);
    let direction = if descending { "DESC" } else { "ASC" };
    let uuids: Vec<String> = client
        .query(
            &format!(
                "SELECT c.uuid FROM dird_contact c WHERE c.phonebook_uuid = $1::text::uuid {filter} \
                 ORDER BY (SELECT nullif(lower(dird_unaccent(o.value)), '') FROM dird_contact_fields o \
                 WHERE o.contact_uuid = c.uuid AND o.name = $3 LIMIT 1) {direction}, c.uuid {direction} \
                 LIMIT $4 OFFSET $5"
            ),
            &[&phonebook_uuid, &pattern, &order, &limit, &offset],
        )
        .await?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let rows = client
        .query(
            "SELECT contact_uuid, name, value FROM dird_contact_fields WHERE contact_uuid = ANY($1) ORDER BY id",
            &[&uuids],
        )
        .await?;
    let owner = crate::contacts::Owner::Phonebook(phonebook_uuid.to_owned());
    let mut by_uuid = crate::contacts::assemble(&rows, &owner);
    let items = uuids
        .iter()
        .filter_map(|uuid| by_uuid.remove(uuid))
        .collect();
    Ok((matched, items))
}

/// How many contacts the phonebook has.
pub(crate) async fn count(
    client: &impl GenericClient,
    phonebook_uuid: &str,
) -> Result<i64, ResourceError> {
    Ok(client
        .query_one(
            "SELECT count(*) FROM dird_contact WHERE phonebook_uuid = $1::text::uuid",
            &[&phonebook_uuid],
        )
        .await?
        .get(0))
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
