//! What dird keeps of tenants and users.

use super::dao;
use crate::resources::ResourceError;
use crate::storage::Storage;

#[derive(Debug, Clone)]
pub struct TenantService {
    storage: Storage,
}

impl TenantService {
    pub fn new(storage: Storage) -> Self {
        TenantService { storage }
    }

    /// Stores a tenant's country (two letters, or none).
    pub async fn set_country(
        &self,
        tenant_uuid: &str,
        country: Option<&str>,
    ) -> Result<(), ResourceError> {
        if country.is_some_and(|c| c.chars().count() > 2) {
            let mut details = serde_json::Map::new();
            details.insert("country".into(), serde_json::json!({"constraint_id": "length", "constraint": {"max": 2}, "message": "Longer than maximum length 2."}));
            return Err(ResourceError::Invalid(details));
        }
        let client = self.storage.client().await?;
        dao::set_country(&client, tenant_uuid, country).await
    }

    /// Forgets a user deleted in Wazo. `false` when dird did not know it.
    pub async fn delete_user(&self, user_uuid: &str) -> Result<bool, ResourceError> {
        let client = self.storage.client().await?;
        let known = dao::delete_user(&client, user_uuid).await?;
        crate::contacts::changed(
            &self.storage,
            &crate::contacts::Owner::User(user_uuid.to_owned()),
            crate::contacts::Change::Cleared,
        )
        .await;
        Ok(known)
    }
}
