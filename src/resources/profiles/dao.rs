//! SQL of profiles: `dird_profile`, its services (`dird_profile_service`, whose `config` json holds
//! everything but the sources, e.g. `{"options": {"timeout": 0.5}}`), the service names
//! (`dird_service`, created when first used) and the sources of each service.

use super::model::{Profile, ProfileService, ServiceOptions};
use crate::resources::error::{violates, ResourceError};
use crate::resources::records::Stored;
use crate::resources::tenants::dao::ensure_tenant;
use deadpool_postgres::{Client, GenericClient, Transaction};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

pub(crate) async fn load_all(client: &impl GenericClient) -> Result<Vec<Profile>, ResourceError> {
    let profiles = client
        .query(
            "SELECT uuid, tenant_uuid, name, display_uuid FROM dird_profile ORDER BY name",
            &[],
        )
        .await?;
    let services = client
        .query(
            "SELECT ps.uuid, ps.profile_uuid, s.name, coalesce(ps.config, '{}'::json) \
             FROM dird_profile_service ps JOIN dird_service s ON s.uuid = ps.service_uuid ORDER BY ps.ctid",
            &[],
        )
        .await?;
    let links = client.query("SELECT profile_service_uuid, source_uuid FROM dird_profile_service_source ORDER BY ctid", &[]).await?;
    let mut sources_of: HashMap<String, Vec<String>> = HashMap::new();
    for row in &links {
        sources_of.entry(row.get(0)).or_default().push(row.get(1));
    }
    let mut services_of: HashMap<String, BTreeMap<String, ProfileService>> = HashMap::new();
    for row in &services {
        let config: Value = row.get(3);
        let options = ServiceOptions {
            timeout: config["options"]["timeout"].as_f64(),
            timeout_key: config["options"].get("timeout").is_some(),
        };
        let service = ProfileService {
            sources: sources_of
                .remove(&row.get::<_, String>(0))
                .unwrap_or_default(),
            options,
        };
        services_of
            .entry(row.get(1))
            .or_default()
            .insert(row.get(2), service);
    }
    Ok(profiles
        .iter()
        .map(|row| {
            let uuid: String = row.get(0);
            Profile {
                services: services_of.remove(&uuid).unwrap_or_default(),
                uuid,
                tenant_uuid: row.get(1),
                name: row.get(2),
                display: row.get(3),
            }
        })
        .collect())
}

async fn insert_services(
    client: &impl GenericClient,
    profile: &Profile,
) -> Result<(), ResourceError> {
    for (name, service) in &profile.services {
        client
            .execute(
                "INSERT INTO dird_service (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
                &[name],
            )
            .await?;
        let service_uuid: String = client
            .query_one("SELECT uuid FROM dird_service WHERE name = $1", &[name])
            .await?
            .get(0);
        let profile_service_uuid = uuid::Uuid::new_v4().to_string();
        let config = json!({"options": service.options.to_json()});
        client
            .execute(
                "INSERT INTO dird_profile_service (uuid, profile_uuid, profile_tenant_uuid, service_uuid, config) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&profile_service_uuid, &profile.uuid, &profile.tenant_uuid, &service_uuid, &config],
            )
            .await?;
        for source in &service.sources {
            client
                .execute(
                    "INSERT INTO dird_profile_service_source (profile_service_uuid, source_uuid, profile_tenant_uuid, source_tenant_uuid) \
                     VALUES ($1, $2, $3, $3)",
                    &[&profile_service_uuid, source, &profile.tenant_uuid],
                )
                .await?;
        }
    }
    Ok(())
}

fn duplicate(error: tokio_postgres::Error, name: &str) -> ResourceError {
    if violates(&error, "dird_profile_tenant_name") {
        ResourceError::Duplicate {
            resource: "profiles",
            name: name.to_owned(),
        }
    } else {
        error.into()
    }
}

impl Stored for Profile {
    async fn insert(&self, client: &Transaction<'_>) -> Result<(), ResourceError> {
        let profile = self;
        ensure_tenant(client, &profile.tenant_uuid).await?;
        let display_tenant = profile
            .display
            .as_ref()
            .map(|_| profile.tenant_uuid.clone());
        client
            .execute(
                "INSERT INTO dird_profile (uuid, tenant_uuid, name, display_uuid, display_tenant_uuid) VALUES ($1, $2, $3, $4, $5)",
                &[&profile.uuid, &profile.tenant_uuid, &profile.name, &profile.display, &display_tenant],
            )
            .await
            .map_err(|e| duplicate(e, &profile.name))?;
        insert_services(client, profile).await
    }

    /// Replaces a profile's name, display and services. `false` when it does not exist.
    async fn replace(&self, client: &Transaction<'_>) -> Result<bool, ResourceError> {
        let profile = self;
        let display_tenant = profile
            .display
            .as_ref()
            .map(|_| profile.tenant_uuid.clone());
        let updated = client
            .execute(
                "UPDATE dird_profile SET name = $2, display_uuid = $3, display_tenant_uuid = $4 WHERE uuid = $1",
                &[&profile.uuid, &profile.name, &profile.display, &display_tenant],
            )
            .await
            .map_err(|e| duplicate(e, &profile.name))?;
        if updated == 0 {
            return Ok(false);
        }
        client
            .execute(
                "DELETE FROM dird_profile_service WHERE profile_uuid = $1",
                &[&profile.uuid],
            )
            .await?;
        insert_services(client, profile).await?;
        Ok(true)
    }

    async fn remove(client: &Client, uuid: &str) -> Result<bool, ResourceError> {
        Ok(client
            .execute("DELETE FROM dird_profile WHERE uuid = $1", &[&uuid])
            .await?
            == 1)
    }
}
