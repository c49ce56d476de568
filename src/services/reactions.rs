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
use serde_json::{json, Value};
use std::sync::Arc;

/// The events the daemon consumes.
pub const EVENTS: &[&str] = &["auth_tenant_added", "localization_edited", "user_deleted"];

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
    Arc::new(move |name: String, data: Value| {
        let directory = Arc::clone(&directory);
        let tenants = tenants.clone();
        Box::pin(async move {
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
