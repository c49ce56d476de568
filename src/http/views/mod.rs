//! The route groups. Each module declares its handlers once with [`routes!`](crate::routes), which
//! registers them and builds the module's OpenAPI description from the same list, so every route the
//! daemon serves is documented.

mod api;
mod backends;
mod cloud_contacts;
mod confd_contacts;
mod conference_contacts;
mod config;
mod directories;
mod displays;
mod favorites;
mod google_contacts;
mod graphql;
mod headers;
mod listing;
mod office365_contacts;
mod personal;
mod phonebook_backend;
mod phonebooks;
mod phonebooks_deprecated;
mod profile_sources;
mod profiles;
mod records;
mod sources;
mod status;
#[cfg(test)]
mod tests;
mod wazo_contacts;

use actix_web::web;
use std::collections::BTreeMap;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;

/// Declares a view module's handlers by area (the path prefix of an actix-web scope; each
/// handler's path is relative to it): generates `scopes` and `Doc` from one list.
#[macro_export]
macro_rules! routes {
    ($($scope:literal => [$($handler:ident),+ $(,)?]),+ $(,)?) => {
        /// This module's routes, by area.
        pub fn scopes() -> Vec<(&'static str, fn(&mut actix_web::web::ServiceConfig))> {
            vec![$(($scope, |cfg: &mut actix_web::web::ServiceConfig| { $( cfg.service($handler); )+ })),+]
        }

        /// The OpenAPI description of this module's routes.
        #[derive(utoipa::OpenApi, Debug)]
        #[openapi(paths($($($handler),+),+))]
        pub struct Doc;
    };
}

/// Registers some routes of an area.
pub type Routes = fn(&mut web::ServiceConfig);

/// Routes of some areas, in registration order.
pub type Scopes = Vec<(&'static str, Routes)>;

/// Registers one actix-web scope per area, holding the routes every group gave it, in order.
pub fn register(cfg: &mut web::ServiceConfig, scopes: Scopes) {
    let mut areas: Vec<(&'static str, Vec<Routes>)> = Vec::new();
    for (area, routes) in scopes {
        match areas.iter_mut().find(|(known, _)| *known == area) {
            Some((_, all)) => all.push(routes),
            None => areas.push((area, vec![routes])),
        }
    }
    for (area, routes) in areas {
        cfg.service(web::scope(area).configure(move |scope| {
            for register in &routes {
                register(scope);
            }
        }));
    }
}

/// A route group: its `enabled_plugins.views` name, the `enabled_plugins.services` it needs (as in
/// wazo-dird, a view whose services are off is not served), its registration and documentation.
struct Group {
    name: &'static str,
    services: &'static [&'static str],
    scopes: fn() -> Scopes,
    doc: fn() -> utoipa::openapi::OpenApi,
}

/// In registration order: a fixed path (`…/headers`) before the variable one it shadows.
const GROUPS: &[Group] = &[
    Group {
        name: "api_view",
        services: &[],
        scopes: api::scopes,
        doc: api::Doc::openapi,
    },
    Group {
        name: "status_view",
        services: &[],
        scopes: status::scopes,
        doc: status::Doc::openapi,
    },
    Group {
        name: "config_view",
        services: &["config"],
        scopes: config::scopes,
        doc: config::Doc::openapi,
    },
    Group {
        name: "headers_view",
        services: &["display", "profile"],
        scopes: headers::scopes,
        doc: headers::Doc::openapi,
    },
    Group {
        name: "default_json",
        services: &["lookup", "reverse", "display", "profile"],
        scopes: directories::scopes,
        doc: directories::Doc::openapi,
    },
    Group {
        name: "default_json",
        services: &["favorites", "profile"],
        scopes: favorites::scopes,
        doc: favorites::Doc::openapi,
    },
    Group {
        name: "personal_view",
        services: &["personal"],
        scopes: personal::scopes,
        doc: personal::Doc::openapi,
    },
    Group {
        name: "phonebook_view",
        services: &["phonebook"],
        scopes: phonebooks::scopes,
        doc: phonebooks::Doc::openapi,
    },
    Group {
        name: "phonebook_deprecated_view",
        services: &["phonebook"],
        scopes: phonebooks_deprecated::scopes,
        doc: phonebooks_deprecated::Doc::openapi,
    },
    Group {
        name: "phonebook_backend",
        services: &["phonebook", "source"],
        scopes: phonebook_backend::scopes,
        doc: phonebook_backend::Doc::openapi,
    },
    Group {
        name: "wazo_backend",
        services: &["source"],
        scopes: wazo_contacts::scopes,
        doc: wazo_contacts::Doc::openapi,
    },
    Group {
        name: "conference_view",
        services: &["source"],
        scopes: conference_contacts::scopes,
        doc: conference_contacts::Doc::openapi,
    },
    Group {
        name: "google_view",
        services: &["source"],
        scopes: google_contacts::scopes,
        doc: google_contacts::Doc::openapi,
    },
    Group {
        name: "office365_backend",
        services: &["source"],
        scopes: office365_contacts::scopes,
        doc: office365_contacts::Doc::openapi,
    },
    Group {
        name: "graphql_view",
        services: &["reverse", "profile"],
        scopes: graphql::scopes,
        doc: graphql::Doc::openapi,
    },
    Group {
        name: "profile_sources_view",
        services: &["profile", "source"],
        scopes: profile_sources::scopes,
        doc: profile_sources::Doc::openapi,
    },
    Group {
        name: "sources_view",
        services: &["source"],
        scopes: sources::scopes,
        doc: sources::Doc::openapi,
    },
    Group {
        name: "displays_view",
        services: &["display"],
        scopes: displays::scopes,
        doc: displays::Doc::openapi,
    },
    Group {
        name: "profiles_view",
        services: &["profile"],
        scopes: profiles::scopes,
        doc: profiles::Doc::openapi,
    },
    Group {
        name: "backends_view",
        services: &[],
        scopes: backends::scopes,
        doc: backends::Doc::openapi,
    },
];

fn enabled(enabled_views: &BTreeMap<String, bool>, name: &str) -> bool {
    enabled_views.get(name).copied().unwrap_or(false)
}

/// Registers the route groups that are enabled and whose services are enabled, one actix-web
/// scope per area (`/0.1/directories`, `/0.1/backends`, `/0.1/phonebooks`…).
pub fn configure(
    cfg: &mut web::ServiceConfig,
    enabled_views: &BTreeMap<String, bool>,
    enabled_services: &BTreeMap<String, bool>,
) {
    let served = |group: &&Group| {
        enabled(enabled_views, group.name)
            && group
                .services
                .iter()
                .all(|service| enabled(enabled_services, service))
    };
    let scopes = GROUPS
        .iter()
        .filter(served)
        .flat_map(|group| (group.scopes)())
        .collect();
    register(cfg, scopes);
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wazo-dird",
        description = "The Wazo directory daemon: lookups, reverse lookups, favorites, personal contacts and phonebooks.",
        license(name = "GPL-3.0-or-later")
    ),
    servers((url = "/", description = "This daemon (behind nginx: /api/dird)")),
    security(("wazo_auth_token" = []))
)]
struct Root;

/// The whole OpenAPI document: every route group, whether or not it is enabled here.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = Root::openapi();
    for group in GROUPS {
        document.merge((group.doc)());
    }
    document.merge(super::metrics::Doc::openapi());
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "wazo_auth_token",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Auth-Token",
            "A wazo-auth token; the optional Wazo-Tenant header selects a tenant the token can see",
        ))),
    );
    document
}
