//! How the daemon reacts to the events of other Wazo services:
//! - `auth_tenant_added` (wazo-auth): a new tenant gets a display `auto_<name>` (wazo-dird's eight
//!   French-titled columns) and a profile `default` (lookup, favorites, reverse with a 0.5 s
//!   budget) over the sources wazo-dird would create, for the backends that exist here (none of
//!   them yet: conference, personal, wazo, office365 and google come later);
//! - `localization_edited` (wazo-confd): the tenant's country is stored;
//! - `user_deleted` (wazo-confd): the user is forgotten, with its personal contacts and favorites.
//!
//! Handlers are idempotent: an event delivered twice changes nothing more.

use super::directory::Directory;
use crate::bus::{Handler, HandlerError};
use crate::resources::tenants::service::TenantService;
use crate::resources::ResourceError;
use crate::storage::contact_cache::Owner;
use crate::storage::Storage;
use serde_json::{json, Value};
use std::sync::Arc;

/// The events the daemon consumes (once per cluster).
pub const EVENTS: &[&str] = &["auth_tenant_added", "localization_edited", "user_deleted"];

/// The events of the other instances of a cluster (every instance sees each).
pub const PEER_EVENTS: &[&str] = &[
    "dird_source_created",
    "dird_source_edited",
    "dird_source_deleted",
    "dird_display_created",
    "dird_display_edited",
    "dird_display_deleted",
    "dird_profile_created",
    "dird_profile_edited",
    "dird_profile_deleted",
    // A phonebook source is named after its phonebook and deleted with it.
    "phonebook_edited",
    "phonebook_deleted",
    // Contacts cached for lookups.
    "phonebook_contact_created",
    "phonebook_contact_edited",
    "phonebook_contact_deleted",
    "personal_contact_created",
    "personal_contact_edited",
    "personal_contact_deleted",
    "personal_contacts_purged",
];

/// The owner whose contacts an event says changed.
fn contact_owner(name: &str, data: &Value) -> Option<Owner> {
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
    if name.starts_with("phonebook_contact_") {
        text("phonebook_uuid").map(Owner::Phonebook)
    } else if name == "phonebook_deleted" {
        text("uuid").map(Owner::Phonebook)
    } else if name.starts_with("personal_contact") {
        text("user_uuid").map(Owner::User)
    } else {
        None
    }
}

/// Another instance changed a source, display, profile or phonebook in the shared database: read
/// them again (restarting the actors of changed sources); or it changed contacts: the cached copy
/// of their owner is stale. Our own events are skipped: we reloaded already.
pub fn peer_handler(directory: Arc<Directory>, storage: Storage, own_instance: String) -> Handler {
    Arc::new(move |name: String, body: Value| {
        let directory = Arc::clone(&directory);
        let storage = storage.clone();
        let own = body.get("instance_uuid").and_then(Value::as_str) == Some(own_instance.as_str());
        Box::pin(async move {
            if own {
                return Ok(());
            }
            let data = body.get("data").cloned().unwrap_or(Value::Null);
            if let Some(owner) = contact_owner(&name, &data) {
                storage.contacts_changed(owner);
                if name != "phonebook_deleted" {
                    return Ok(());
                }
            }
            directory.reload_stored().await.map_err(failed)?;
            tracing::info!(event = %name, "change made by another instance applied");
            Ok(())
        })
    })
}

fn text<'a>(data: &'a Value, key: &str) -> Result<&'a str, HandlerError> {
    data.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| HandlerError::Malformed(format!("`data.{key}` is missing")))
}

fn failed(error: ResourceError) -> HandlerError {
    HandlerError::Failed(error.to_string())
}

/// wazo-dird's default display of a new tenant.
fn default_columns() -> Value {
    json!([
        {"field": "name", "title": "Nom", "type": "name"},
        {"field": "firstname", "title": "Prénom", "type": "firstname"},
        {"field": "lastname", "title": "Nom de famille", "type": "lastname"},
        {"field": "phone", "title": "Numéro", "type": "number", "number_display": "{name}"},
        {"field": "phone_mobile", "title": "Mobile", "type": "number", "number_display": "{name} (mobile)"},
        {"field": "voicemail", "title": "Boîte vocale", "type": "voicemail"},
        {"field": "favorite", "title": "Favoris", "type": "favorite"},
        {"field": "email", "title": "E-mail", "type": "email"},
    ])
}

async fn tenant_added(directory: &Directory, data: &Value) -> Result<(), HandlerError> {
    let tenant = text(data, "uuid")?.to_owned();
    let name = text(data, "name")?;
    let tenants = [tenant.clone()];
    let display_name = format!("auto_{name}");
    let display = match directory
        .displays
        .list(&tenants)
        .into_iter()
        .find(|d| d.name == display_name)
    {
        Some(existing) => existing.uuid.clone(),
        None => {
            let body = json!({"name": display_name, "columns": default_columns()});
            directory
                .displays
                .create(&body, &tenant)
                .await
                .map_err(failed)?
                .uuid
        }
    };
    directory.reload_stored().await.map_err(failed)?;
    if directory.profiles.get_by_name(&tenant, "default").is_none() {
        let body = json!({"name": "default", "display": {"uuid": display}, "services": {
            "lookup": {"sources": []},
            "favorites": {"sources": []},
            "reverse": {"sources": [], "options": {"timeout": 0.5}},
        }});
        directory
            .profiles
            .create(&body, &tenant, directory)
            .await
            .map_err(failed)?;
        directory.reload_stored().await.map_err(failed)?;
    }
    tracing::info!(%tenant, name, "tenant provisioned: display and default profile");
    Ok(())
}

/// The handler of every consumed event.
pub fn handler(directory: Arc<Directory>, tenants: TenantService) -> Handler {
    Arc::new(move |name: String, body: Value| {
        let directory = Arc::clone(&directory);
        let tenants = tenants.clone();
        Box::pin(async move {
            let data = body.get("data").cloned().unwrap_or(Value::Null);
            match name.as_str() {
                "auth_tenant_added" => tenant_added(&directory, &data).await,
                "localization_edited" => {
                    let tenant = text(&data, "tenant_uuid")?;
                    let country = data.get("country").and_then(Value::as_str);
                    tenants.set_country(tenant, country).await.map_err(failed)
                }
                "user_deleted" => {
                    let user = text(&data, "uuid")?;
                    let known = tenants.delete_user(user).await.map_err(failed)?;
                    tracing::info!(user, known, "user deleted in Wazo: forgotten");
                    Ok(())
                }
                other => Err(HandlerError::Malformed(format!("unexpected event {other}"))),
            }
        })
    })
}
