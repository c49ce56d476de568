//! SQL of `dird_favorite` (and the `dird_user`/`dird_tenant` rows it needs).

use crate::resources::error::{violates, ResourceError};
use crate::resources::tenants::dao::ensure_owner;
use deadpool_postgres::GenericClient;

/// Adds a favorite, creating its user and tenant rows when needed. `false` if it already exists.
pub(crate) async fn add(
    client: &impl GenericClient,
    tenant_uuid: &str,
    user_uuid: &str,
    source_uuid: &str,
    contact_id: &str,
) -> Result<bool, ResourceError> {
    ensure_owner(client, tenant_uuid, user_uuid).await?;
    match client
        .execute(
            "INSERT INTO dird_favorite (source_uuid, contact_id, user_uuid) VALUES ($1, $2, $3)",
            &[&source_uuid, &contact_id, &user_uuid],
        )
        .await
    {
        Ok(_) => Ok(true),
        Err(error) if violates(&error, "dird_favorite_pkey") => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Removes a favorite. `false` when there was none.
pub(crate) async fn remove(
    client: &impl GenericClient,
    user_uuid: &str,
    source_uuid: &str,
    contact_id: &str,
) -> Result<bool, ResourceError> {
    let removed = client
        .execute("DELETE FROM dird_favorite WHERE user_uuid = $1 AND source_uuid = $2 AND contact_id = $3", &[&user_uuid, &source_uuid, &contact_id])
        .await?;
    Ok(removed == 1)
}

/// The user's favorites as (source uuid, contact id).
pub(crate) async fn list(
    client: &impl GenericClient,
    user_uuid: &str,
) -> Result<Vec<(String, String)>, ResourceError> {
    let rows = client
        .query(
            "SELECT source_uuid, contact_id FROM dird_favorite WHERE user_uuid = $1",
            &[&user_uuid],
        )
        .await?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}
