//! SQL of sources (`dird_source`). `format_columns` is an hstore, passed as key and value arrays;
//! the backend's own fields (and our `timeout`) live in the `extra_fields` json.

use super::model::Source;
use crate::resources::error::{violates, ResourceError};
use deadpool_postgres::GenericClient;
use serde_json::{Map, Value};
use tokio_postgres::Row;

const COLUMNS: &str = "uuid, tenant_uuid, name, backend, coalesce(searched_columns, '{}'), \
    coalesce(first_matched_columns, '{}'), coalesce(hstore_to_json(format_columns), '{}'::json), \
    coalesce(extra_fields, '{}'::json), phonebook_uuid::text";

fn from_row(row: &Row) -> Source {
    let format_columns: Value = row.get(6);
    let mut extra_fields: Map<String, Value> = match row.get::<_, Value>(7) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Some(phonebook_uuid) = row.get::<_, Option<String>>(8) {
        extra_fields
            .entry("phonebook_uuid")
            .or_insert(Value::String(phonebook_uuid));
    }
    let timeout = extra_fields
        .get("timeout")
        .and_then(Value::as_f64)
        .filter(|t| *t > 0.0);
    Source {
        uuid: row.get(0),
        tenant_uuid: row.get::<_, Option<String>>(1).unwrap_or_default(),
        name: row.get(2),
        backend: row.get(3),
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
        .query(
            &format!("SELECT {COLUMNS} FROM dird_source ORDER BY name"),
            &[],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

fn stored_extra(source: &Source) -> Value {
    let mut extra = source.extra_fields.clone();
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

async fn ensure_tenant(
    client: &impl GenericClient,
    tenant_uuid: &str,
) -> Result<(), ResourceError> {
    client
        .execute(
            "INSERT INTO dird_tenant (uuid) VALUES ($1) ON CONFLICT DO NOTHING",
            &[&tenant_uuid],
        )
        .await?;
    Ok(())
}

fn duplicate(error: tokio_postgres::Error, name: &str) -> ResourceError {
    if violates(&error, "dird_source_tenant_name") {
        ResourceError::Duplicate {
            resource: "sources",
            name: name.to_owned(),
        }
    } else {
        error.into()
    }
}

pub(crate) async fn create(
    client: &impl GenericClient,
    source: &Source,
) -> Result<(), ResourceError> {
    ensure_tenant(client, &source.tenant_uuid).await?;
    let (keys, values) = hstore_parts(source);
    client
        .execute(
            "INSERT INTO dird_source (uuid, tenant_uuid, name, backend, searched_columns, first_matched_columns, \
             format_columns, extra_fields) VALUES ($1, $2, $3, $4, $5, $6, hstore($7::text[], $8::text[]), $9)",
            &[
                &source.uuid,
                &source.tenant_uuid,
                &source.name,
                &source.backend,
                &source.searched_columns,
                &source.first_matched_columns,
                &keys,
                &values,
                &stored_extra(source),
            ],
        )
        .await
        .map_err(|e| duplicate(e, &source.name))?;
    Ok(())
}

/// Replaces a stored source. `false` when it does not exist.
pub(crate) async fn update(
    client: &impl GenericClient,
    source: &Source,
) -> Result<bool, ResourceError> {
    let (keys, values) = hstore_parts(source);
    let updated = client
        .execute(
            "UPDATE dird_source SET name = $3, searched_columns = $4, first_matched_columns = $5, \
             format_columns = hstore($6::text[], $7::text[]), extra_fields = $8 WHERE uuid = $1 AND tenant_uuid = $2",
            &[
                &source.uuid,
                &source.tenant_uuid,
                &source.name,
                &source.searched_columns,
                &source.first_matched_columns,
                &keys,
                &values,
                &stored_extra(source),
            ],
        )
        .await
        .map_err(|e| duplicate(e, &source.name))?;
    Ok(updated == 1)
}

/// Deletes a stored source (its profile links and favorites go with it). `false` when absent.
pub(crate) async fn delete(client: &impl GenericClient, uuid: &str) -> Result<bool, ResourceError> {
    Ok(client
        .execute("DELETE FROM dird_source WHERE uuid = $1", &[&uuid])
        .await?
        == 1)
}
