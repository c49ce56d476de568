//! The profiles the daemon serves, found by name in a tenant.

use super::model::Profile;
use std::sync::{Arc, RwLock};

#[derive(Debug, Default)]
pub struct ProfileService {
    profiles: RwLock<Arc<Vec<Arc<Profile>>>>,
}

impl ProfileService {
    pub fn replace(&self, profiles: Vec<Profile>) {
        if let Ok(mut current) = self.profiles.write() {
            *current = Arc::new(profiles.into_iter().map(Arc::new).collect());
        }
    }

    fn snapshot(&self) -> Arc<Vec<Arc<Profile>>> {
        self.profiles
            .read()
            .map(|p| Arc::clone(&p))
            .unwrap_or_default()
    }

    /// The profile named `name` in `tenant_uuid` (the directory routes name profiles).
    pub fn get_by_name(&self, tenant_uuid: &str, name: &str) -> Option<Arc<Profile>> {
        self.snapshot()
            .iter()
            .find(|p| p.tenant_uuid == tenant_uuid && p.name == name)
            .cloned()
    }

    pub fn get(&self, uuid: &str) -> Option<Arc<Profile>> {
        self.snapshot().iter().find(|p| p.uuid == uuid).cloned()
    }

    pub fn list(&self, tenants: &[String]) -> Vec<Arc<Profile>> {
        self.snapshot()
            .iter()
            .filter(|p| tenants.contains(&p.tenant_uuid))
            .cloned()
            .collect()
    }
}
