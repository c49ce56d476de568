//! SQL of sources (`dird_source`). `format_columns` is an hstore, passed as key and value arrays;
//! the backend's own fields (and our `timeout`) live in the `extra_fields` json. A phonebook
//! source keeps its phonebook in the `phonebook_uuid` column and its name is the phonebook's (the
//! stored name is a placeholder, the source's uuid, as wazo-dird's random default).

use super::model::Source;
use crate::backends::phonebook::Phonebook;
use crate::resources::error::{violates, ResourceError};
use crate::resources::tenants::dao::ensure_tenant;
use deadpool_postgres::GenericClient;
use serde_json::{Map, Value};
use tokio_postgres::Row;

const SELECT: &str = "SELECT s.uuid, s.tenant_uuid, \
    CASE WHEN s.backend = 'phonebook' THEN coalesce(p.name, s.name) ELSE s.name END, s.backend, \
    coalesce(s.searched_columns, '{}'), coalesce(s.first_matched_columns, '{}'), \
    coalesce(hstore_to_json(s.format_columns), '{}'::json), coalesce(s.extra_fields, '{}'::json), \
    s.phonebook_uuid::text, p.name, p.description \
    FROM dird_source s LEFT JOIN dird_phonebook p ON p.uuid = s.phonebook_uuid";

/// Where a phonebook source keeps its phonebook, outside `extra_fields`.
const PHONEBOOK_KEYS: &[&str] = &["phonebook_uuid", "phonebook_name", "phonebook_description"];

fn from_row(row: &Row) -> Source {
    let format_columns: Value = row.get(6);
    let mut extra_fields: Map<String, Value> = match row.get::<_, Value>(7) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Some(phonebook_uuid) = row.get::<_, Option<String>>(8) {
        extra_fields.insert("phonebook_uuid".into(), Value::String(phonebook_uuid));
        extra_fields.insert(
            "phonebook_name".into(),
            row.get::<_, Option<String>>(9).into(),
        );
        extra_fields.insert(
            "phonebook_description".into(),
            row.get::<_, Option<String>>(10).into(),
        );
    }
    let backend: String = row.get(3);
    // `timeout` is a common field kept among the backend's own (where wazo-dird keeps csv_ws's):
    // it goes back to the source, not to the backend's fields.
    let timeout = extra_fields
        .remove("timeout")
        .and_then(|timeout| timeout.as_f64())
        .filter(|t| *t > 0.0)
        .or_else(|| crate::backends::kind(&backend).and_then(|kind| kind.default_timeout()));
    Source {
        uuid: row.get(0),
        tenant_uuid: row.get::<_, Option<String>>(1).unwrap_or_default(),
        name: row.get(2),
        backend,
        searched_columns: row.get(4),
        first_matched_columns: row.get(5),
        format_columns: format_columns
            .as_object()
            .map(|map| {
                map.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        extra_fields,
        timeout,
    }
}

/// Every stored source.
pub(crate) async fn load_all(client: &impl GenericClient) -> Result<Vec<Source>, ResourceError> {
    let rows = client
        .query(&format!("{SELECT} ORDER BY s.name"), &[])
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// One stored source.
pub(crate) async fn get(
    client: &impl GenericClient,
    uuid: &str,
) -> Result<Option<Source>, ResourceError> {
    let row = client
        .query_opt(&format!("{SELECT} WHERE s.uuid = $1"), &[&uuid])
        .await?;
    Ok(row.as_ref().map(from_row))
}

fn stored_extra(source: &Source) -> Value {
    let mut extra = source.extra_fields.clone();
    extra.retain(|key, _| !PHONEBOOK_KEYS.contains(&key.as_str()));
    if let Some(timeout) = source.timeout {
        extra.insert("timeout".into(), serde_json::json!(timeout));
    }
    Value::Object(extra)
}

fn hstore_parts(source: &Source) -> (Vec<String>, Vec<String>) {
    source
        .format_columns
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unzip()
}

/// The phonebook of a phonebook source.
fn phonebook_of(source: &Source) -> Option<String> {
    source
        .is::<Phonebook>()
        .then(|| {
            source
                .extra_fields
                .get("phonebook_uuid")?
                .as_str()
                .map(str::to_owned)
        })
        .flatten()
}

/// The name stored in `dird_source.name`: a phonebook source's is a placeholder.
fn stored_name(source: &Source) -> &str {
    if source.is::<Phonebook>() {
        &source.uuid
    } else {
        &source.name
    }
}

fn refused(error: tokio_postgres::Error, source: &Source) -> ResourceError {
    if violates(&error, "dird_source_tenant_name") {
        ResourceError::Duplicate {
            resource: "sources",
            name: source.name.clone(),
        }
    } else if violates(&error, "dird_source_phonebook_fkey")
        || violates(&error, "dird_source_phonebook_uuid_fkey")
    {
        ResourceError::UnknownPhonebook {
            uuid: phonebook_of(source).unwrap_or_default(),
            tenant_uuid: source.tenant_uuid.clone(),
        }
    } else {
        error.into()
    }
}

/// The ten values a source is stored as, in the order of the statements below:
/// uuid, tenant, name, backend, searched, first matched, format keys and values, extra fields,
/// phonebook.
async fn write(
    client: &impl GenericClient,
    statement: &str,
    source: &Source,
) -> Result<u64, ResourceError> {
    let (keys, values) = hstore_parts(source);
    client
        .execute(
            statement,
            &[
                &source.uuid,
                &source.tenant_uuid,
                &stored_name(source),
                &source.backend,
                &source.searched_columns,
                &source.first_matched_columns,
                &keys,
                &values,
                &stored_extra(source),
                &phonebook_of(source),
            ],
        )
        .await
        .map_err(|e| refused(e, source))
}

pub(crate) async fn create(
    client: &impl GenericClient,
    source: &Source,
) -> Result<(), ResourceError> {
    ensure_tenant(client, &source.tenant_uuid).await?;
    write(
        client,
        "INSERT INTO dird_source (uuid, tenant_uuid, name, backend, searched_columns, first_matched_columns, \
         format_columns, extra_fields, phonebook_uuid) \
         VALUES ($1, $2, $3, $4, $5, $6, hstore($7::text[], $8::text[]), $9, $10::text::uuid)",
        source,
    )
    .await?;
    Ok(())
}

/// Replaces a stored source (its backend never changes). `false` when it does not exist.
pub(crate) async fn update(
    client: &impl GenericClient,
    source: &Source,
) -> Result<bool, ResourceError> {
    let updated = write(
        client,
        "UPDATE dird_source SET name = $3, searched_columns = $5, first_matched_columns = $6, \
         format_columns = hstore($7::text[], $8::text[]), extra_fields = $9, \
         phonebook_uuid = $10::text::uuid WHERE uuid = $1 AND tenant_uuid = $2 AND backend = $4",
        source,
    )
    .await?;
    Ok(updated == 1)
}

/// Deletes a stored source (its profile links and favorites go with it). `false` when absent.
pub(crate) async fn delete(client: &impl GenericClient, uuid: &str) -> Result<bool, ResourceError> {
    Ok(client
        .execute("DELETE FROM dird_source WHERE uuid = $1", &[&uuid])
        .await?
        == 1)
}
