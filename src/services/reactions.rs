//! How the daemon reacts to the events of other Wazo services:
//! - `auth_tenant_added` (wazo-auth): a new tenant gets wazo-dird's sources (conference, personal,
//!   wazo, office365, google, each read with wazo-dird's key file), a display `auto_<name>`
//!   (eight French-titled columns) and a profile
//!   `default` (lookup, favorites, reverse with a 0.5 s budget) over them;
//! - `localization_edited` (wazo-confd): the tenant's country is stored (and every instance, from
//!   its own queue, compares that tenant's numbers in it from then on);
//! - `user_deleted` (wazo-confd): the user is forgotten, with its personal contacts and favorites.
//!
//! Handlers are idempotent: an event delivered twice changes nothing more.

use super::directory::Directory;
use crate::auth::AuthService;
use crate::backends::confd::{CONFERENCE_EVENTS, USER_EVENTS};
use crate::backends::BackendKind;
use crate::bus::{Handler, HandlerError, RESYNC};
use crate::contacts::{Change, Owner};
use crate::resources::favorites::service::FavoriteService;
use crate::resources::sources::model::Source;
use crate::resources::tenants::service::TenantService;
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
    // Favorites kept in memory for lookups.
    "favorite_added",
    "favorite_deleted",
];

/// wazo-auth ended a session: its tokens stop working, so cached token checks are dropped (on
/// every instance, hence on the per-instance queue).
pub const SESSION_DELETED: &str = "auth_session_deleted";

/// wazo-confd's change of a tenant's country (stored once, applied by every instance).
pub const LOCALIZATION_EDITED: &str = "localization_edited";

/// wazo-auth added or deleted a tenant: the cached trees of sub-tenants are dropped (on every
/// instance, hence on the per-instance queue; the shared queue provisions a new tenant once).
pub const TENANT_EVENTS: &[&str] = &["auth_tenant_added", "auth_tenant_deleted"];

/// The owner whose contacts an event says changed, and what changed.
fn contact_change(name: &str, data: &Value) -> Option<(Owner, Change)> {
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
    let contact = |key: &str| text(key).map(|id| Change::Contacts(vec![id]));
    if name.starts_with("phonebook_contact_") {
        Some((Owner::Phonebook(text("phonebook_uuid")?), contact("uuid")?))
    } else if name == "phonebook_deleted" {
        Some((Owner::Phonebook(text("uuid")?), Change::Cleared))
    } else if name == "personal_contacts_purged" {
        Some((Owner::User(text("user_uuid")?), Change::Cleared))
    } else if name.starts_with("personal_contact_") {
        Some((Owner::User(text("user_uuid")?), contact("id")?))
    } else {
        None
    }
}

/// The events every instance follows: its peers' changes, and wazo-confd's changes to the users
/// and conference rooms that its `wazo` and `conference` sources copy.
pub fn own_queue_events() -> Vec<&'static str> {
    let mut events: Vec<&'static str> = PEER_EVENTS.to_vec();
    events.push(SESSION_DELETED);
    events.push(LOCALIZATION_EDITED);
    events.extend(TENANT_EVENTS);
    for event in USER_EVENTS.iter().chain(CONFERENCE_EVENTS) {
        if !events.contains(event) {
            events.push(event);
        }
    }
    events
}

/// Another instance changed a source, display, profile or phonebook in the shared database: read
/// them again (restarting the actors of changed sources); or it changed contacts: the cached copy
/// of their owner is stale, or a user's favorites: they are read again. Our own events are skipped:
/// we reloaded already. wazo-confd changed users or conference rooms of a tenant: the copies of
/// that tenant reload.
pub fn peer_handler(
    directory: Arc<Directory>,
    storage: Storage,
    favorites: Arc<FavoriteService>,
    auth: Arc<AuthService>,
    own_instance: String,
) -> Handler {
    Arc::new(move |name: String, body: Value| {
        if name == SESSION_DELETED {
            auth.session_deleted();
            return Box::pin(async { Ok(()) });
        }
        if name == LOCALIZATION_EDITED {
            localization_edited(&directory, &body);
            return Box::pin(async { Ok(()) });
        }
        if TENANT_EVENTS.contains(&name.as_str()) {
            auth.tenants_changed();
            return Box::pin(async { Ok(()) });
        }
        if name == RESYNC {
            // The own queue was (re)declared: events published before are not in it, so every
            // copy they could have changed is read again (each answering meanwhile), and the
            // catalog too.
            auth.session_deleted();
            favorites.invalidate_all();
            if let Some(contacts) = storage.contact_cache() {
                contacts.invalidate_all();
            }
            directory.engine.confd().resync_all();
            let directory = Arc::clone(&directory);
            return Box::pin(async move { directory.reload_stored().await.map_err(failed) });
        }
        let directory = Arc::clone(&directory);
        let storage = storage.clone();
        let favorites = Arc::clone(&favorites);
        let own = body.get("instance_uuid").and_then(Value::as_str) == Some(own_instance.as_str());
        Box::pin(async move {
            if own {
                return Ok(());
            }
            let data = body.get("data").cloned().unwrap_or(Value::Null);
            if USER_EVENTS.contains(&name.as_str()) || CONFERENCE_EVENTS.contains(&name.as_str()) {
                let tenant = body
                    .get("tenant_uuid")
                    .or_else(|| data.get("tenant_uuid"))
                    .and_then(Value::as_str);
                directory.engine.confd().changed(&name, tenant);
                return Ok(());
            }
            if name.starts_with("favorite_") {
                favorites.invalidate(text(&data, "user_uuid")?);
                return Ok(());
            }
            if let Some((owner, change)) = contact_change(&name, &data) {
                crate::contacts::changed(&storage, &owner, change).await;
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

/// The tenant's numbers are compared in its new country from now on (its copies re-key at their
/// next reverse lookup). A country the database would refuse (longer than 2) changes nothing.
fn localization_edited(directory: &Directory, body: &Value) {
    let data = body.get("data").unwrap_or(&Value::Null);
    let Some(tenant) = data.get("tenant_uuid").and_then(Value::as_str) else {
        return;
    };
    let country = data.get("country").and_then(Value::as_str);
    if country.is_some_and(|c| c.chars().count() > 2) {
        return;
    }
    directory.countries().set(tenant, country);
    tracing::info!(
        tenant,
        country,
        "tenant's country changed: numbers compared in it"
    );
}

fn text<'a>(data: &'a Value, key: &str) -> Result<&'a str, HandlerError> {
    data.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| HandlerError::Malformed(format!("`data.{key}` is missing")))
}

fn failed(error: impl std::fmt::Display) -> HandlerError {
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

/// wazo-auth and wazo-confd of the local stack, as wazo-dird's new-tenant sources reach them.
fn local_auth(key_file: &str) -> Value {
    json!({"host": "localhost", "port": 9497, "prefix": null, "https": false,
           "key_file": format!("/var/lib/wazo-auth-keys/{key_file}"), "version": "0.1"})
}

fn local_confd() -> Value {
    json!({"host": "localhost", "port": 9486, "prefix": null, "https": false, "version": "1.1"})
}

/// The sources wazo-dird creates for a new tenant named `name`, in its order: `(backend, name,
/// body)`. They are stored as they are, without the defaults a REST body would get.
fn tenant_sources(name: &str) -> Vec<(&'static str, String, Value)> {
    vec![
        (
            crate::backends::conference::Conference::NAME,
            format!("auto_conference_{name}"),
            json!({
                "searched_columns": ["name", "extensions", "incalls"],
                "first_matched_columns": ["extensions", "incalls"],
                "format_columns": {"phone": "{extensions[0]}", "reverse": "{name}"},
                "auth": local_auth("wazo-dird-conference-backend-key.yml"), "confd": local_confd(),
            }),
        ),
        (
            crate::backends::personal::Personal::NAME,
            "personal".to_owned(),
            json!({
                "searched_columns": ["firstname", "lastname", "number", "mobile", "fax"],
                "first_matched_columns": ["number", "mobile"],
                "format_columns": {"phone": "{number}", "name": "{firstname} {lastname}",
                                   "phone_mobile": "{mobile}", "reverse": "{firstname} {lastname}"},
            }),
        ),
        (
            crate::backends::wazo::Wazo::NAME,
            format!("auto_wazo_{name}"),
            json!({
                "searched_columns": ["firstname", "lastname", "full_name", "exten"],
                "first_matched_columns": ["exten", "mobile_phone_number"],
                "format_columns": {"phone": "{exten}", "name": "{firstname} {lastname}",
                                   "reverse": "{firstname} {lastname}"},
                "auth": local_auth("wazo-dird-wazo-backend-key.yml"), "confd": local_confd(),
            }),
        ),
        (
            crate::backends::cloud::office365::Office365::NAME,
            format!("auto_office365_{name}"),
            json!({
                "searched_columns": ["givenName", "surname", "businessPhones", "homePhones", "mobilePhone"],
                "first_matched_columns": ["businessPhones", "mobilePhone", "homePhones"],
                "format_columns": {"name": "{givenName} {surname}", "phone_mobile": "{mobilePhone}",
                                   "reverse": "{givenName} {surname}",
                                   "phone": "{numbers_except_label[mobilePhone][0]}"},
                "auth": local_auth("wazo-dird-wazo-backend-key.yml"),
                "endpoint": "https://graph.microsoft.com/v1.0/me/contacts",
            }),
        ),
        (
            crate::backends::cloud::google::Google::NAME,
            format!("auto_google_{name}"),
            json!({
                "searched_columns": ["name", "numbers", "familyName", "givenName"],
                "first_matched_columns": ["numbers"],
                "format_columns": {"phone_mobile": "{numbers_by_label[mobile]}", "reverse": "{name}",
                                   "phone": "{numbers_except_label[mobile][0]}"},
                "auth": local_auth("wazo-dird-wazo-backend-key.yml"),
            }),
        ),
    ]
}

/// A source from a body of [`tenant_sources`], taken as it is.
fn stored_as_is(tenant: &str, backend: &str, name: String, body: Value) -> Source {
    let mut extra = match body {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let mut take = |key: &str| extra.remove(key).unwrap_or_default();
    let searched_columns = serde_json::from_value(take("searched_columns")).unwrap_or_default();
    let first_matched_columns =
        serde_json::from_value(take("first_matched_columns")).unwrap_or_default();
    let format_columns = serde_json::from_value(take("format_columns")).unwrap_or_default();
    Source {
        uuid: uuid::Uuid::new_v4().to_string(),
        tenant_uuid: tenant.to_owned(),
        name,
        backend: backend.to_owned(),
        searched_columns,
        first_matched_columns,
        format_columns,
        extra_fields: extra,
        timeout: None,
    }
}

/// A new tenant gets what wazo-dird gives it: five sources (conference, personal, wazo, office365,
/// google), the display `auto_<name>` and the profile `default` looking up, listing favorites and
/// reversing (0.5 s) over them. Whatever exists already by name is kept, so a redelivered event
/// changes nothing.
async fn tenant_added(directory: &Directory, data: &Value) -> Result<(), HandlerError> {
    let tenant = text(data, "uuid")?.to_owned();
    let name = text(data, "name")?;
    let tenants = [tenant.clone()];
    let mut sources = Vec::new();
    for (backend, source_name, body) in tenant_sources(name) {
        let source = stored_as_is(&tenant, backend, source_name, body);
        match directory.sources.provision(source).await {
            Ok(source) => sources.push(json!({"uuid": source.uuid})),
            Err(error) => {
                tracing::error!(%error, backend, %tenant, "cannot create the new tenant's source")
            }
        }
    }
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
            "lookup": {"sources": sources},
            "favorites": {"sources": sources},
            "reverse": {"sources": sources, "options": {"timeout": 0.5}},
        }});
        directory
            .profiles
            .create(&body, &tenant)
            .await
            .map_err(failed)?;
    }
    tracing::info!(%tenant, name, "tenant provisioned: sources, display and default profile");
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
