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
