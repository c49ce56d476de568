//! SQL of displays (`dird_display`, `dird_display_column`). The schema has no column position:
//! columns are written in order and read back in physical order, as wazo-dird does.

use super::model::{Display, DisplayColumn};
use crate::resources::records::Stored;
use crate::resources::tenants::dao::ensure_tenant;
use crate::resources::ResourceError;
use deadpool_postgres::{Client, GenericClient, Transaction};
use std::collections::HashMap;

pub(crate) async fn load_all(client: &impl GenericClient) -> Result<Vec<Display>, ResourceError> {
    let displays = client
        .query(
            "SELECT uuid, tenant_uuid, name FROM dird_display ORDER BY name",
            &[],
        )
        .await?;
    let columns = client
        .query(
            "SELECT display_uuid, title, type, \"default\", field, number_display FROM dird_display_column ORDER BY ctid",
            &[],
        )
        .await?;
    let mut by_display: HashMap<String, Vec<DisplayColumn>> = HashMap::new();
    for row in &columns {
        by_display
            .entry(row.get(0))
            .or_default()
            .push(DisplayColumn {
                title: row.get(1),
                kind: row.get(2),
                default: row.get(3),
                field: row.get(4),
                number_display: row.get(5),
            });
    }
    Ok(displays
        .iter()
        .map(|row| {
            let uuid: String = row.get(0);
            Display {
                columns: by_display.remove(&uuid).unwrap_or_default(),
                uuid,
                tenant_uuid: row.get(1),
                name: row.get(2),
            }
        })
        .collect())
}

async fn insert_columns(
    client: &impl GenericClient,
    display: &Display,
) -> Result<(), ResourceError> {
    for column in &display.columns {
        client
            .execute(
                "INSERT INTO dird_display_column (display_uuid, title, type, \"default\", field, number_display) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&display.uuid, &column.title, &column.kind, &column.default, &column.field, &column.number_display],
            )
            .await?;
    }
    Ok(())
}

impl Stored for Display {
    async fn insert(&self, client: &Transaction<'_>) -> Result<(), ResourceError> {
        let display = self;
        ensure_tenant(client, &display.tenant_uuid).await?;
        client
            .execute(
                "INSERT INTO dird_display (uuid, tenant_uuid, name) VALUES ($1, $2, $3)",
                &[&display.uuid, &display.tenant_uuid, &display.name],
            )
            .await?;
        insert_columns(client, display).await
    }

    /// Replaces the name and every column. `false` when the display does not exist.
    async fn replace(&self, client: &Transaction<'_>) -> Result<bool, ResourceError> {
        let display = self;
        let updated = client
            .execute(
                "UPDATE dird_display SET name = $2 WHERE uuid = $1",
                &[&display.uuid, &display.name],
            )
            .await?;
        if updated == 0 {
            return Ok(false);
        }
        client
            .execute(
                "DELETE FROM dird_display_column WHERE display_uuid = $1",
                &[&display.uuid],
            )
            .await?;
        insert_columns(client, display).await?;
        Ok(true)
    }

    /// Deletes a display; profiles using it keep working without one.
    async fn remove(client: &Client, uuid: &str) -> Result<bool, ResourceError> {
        Ok(client
            .execute("DELETE FROM dird_display WHERE uuid = $1", &[&uuid])
            .await?
            == 1)
    }
}
