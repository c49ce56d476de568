//! SQL of `dird_tenant` and `dird_user`.

use crate::resources::ResourceError;
use deadpool_postgres::GenericClient;

/// Creates the tenant if needed and sets its country.
pub(crate) async fn set_country(
    client: &impl GenericClient,
    tenant_uuid: &str,
    country: Option<&str>,
) -> Result<(), ResourceError> {
    client
        .execute(
            "INSERT INTO dird_tenant (uuid, country) VALUES ($1, $2) ON CONFLICT (uuid) DO UPDATE SET country = EXCLUDED.country",
            &[&tenant_uuid, &country],
        )
        .await?;
    Ok(())
}

/// Each tenant that has a country, with it.
pub(crate) async fn countries(
    client: &impl GenericClient,
) -> Result<Vec<(String, String)>, ResourceError> {
    let rows = client
        .query(
            "SELECT uuid::text, country FROM dird_tenant WHERE country IS NOT NULL",
            &[],
        )
        .await?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// Deletes a user; its personal contacts and favorites go with it. `false` when unknown.
pub(crate) async fn delete_user(
    client: &impl GenericClient,
    user_uuid: &str,
) -> Result<bool, ResourceError> {
    Ok(client
        .execute("DELETE FROM dird_user WHERE user_uuid = $1", &[&user_uuid])
        .await?
        == 1)
}

/// The tenant row that sources, displays, profiles, phonebooks and users hang from.
pub(crate) async fn ensure_tenant(
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

/// The tenant and user rows a contact hangs from.
pub(crate) async fn ensure_owner(
    client: &impl GenericClient,
    tenant_uuid: &str,
    user_uuid: &str,
) -> Result<(), ResourceError> {
    ensure_tenant(client, tenant_uuid).await?;
    client
        .execute("INSERT INTO dird_user (user_uuid, tenant_uuid) VALUES ($1, $2) ON CONFLICT (user_uuid) DO NOTHING", &[&user_uuid, &tenant_uuid])
        .await?;
    Ok(())
}
