//! The profiles the daemon serves (declared and stored), found by name in a tenant: a
//! [`Records`] of [`Profile`].

use super::model::Profile;
use super::validator;
use crate::resources::catalog::{Index, Snapshot};
use crate::resources::records::{Record, Records, Validate};
use crate::resources::ResourceError;
use std::sync::Arc;

pub type ProfileService = Records<Profile>;

impl Record for Profile {
    const RESOURCE: &'static str = "profiles";
    const EVENT: &'static str = "profile";
    const PART: fn(&Snapshot) -> &Arc<Index<Self>> = |snapshot| &snapshot.profiles;
    const VALIDATE: Validate<Self> = validator::validate;

    /// A profile may only use displays and sources of its own tenant, and a stored profile only
    /// stored ones (the database links them); its name is free in its tenant.
    fn check(&self, snapshot: &Snapshot, except: Option<&str>) -> Result<(), ResourceError> {
        let profile = self;
        let tenant = &profile.tenant_uuid;
        if let Some(display) = &profile.display {
            if !snapshot.displays.is_stored_in(display, tenant) {
                return Err(ResourceError::UnknownReference {
                    kind: "display",
                    uuid: display.clone(),
                });
            }
        }
        for uuid in profile.services.values().flat_map(|s| s.sources.iter()) {
            if !snapshot.sources.is_stored_in(uuid, tenant) {
                return Err(ResourceError::UnknownReference {
                    kind: "source",
                    uuid: uuid.clone(),
                });
            }
        }
        if snapshot
            .profiles
            .name_taken(&profile.tenant_uuid, &profile.name, except)
        {
            return Err(ResourceError::Duplicate {
                resource: "profiles",
                name: profile.name.clone(),
            });
        }
        Ok(())
    }
}
