//! The route groups. Each module declares its handlers once with [`routes!`](crate::routes), which
//! registers them and builds the module's OpenAPI description from the same list, so every route the
//! daemon serves is documented.

mod api;
mod backends;
mod confd_contacts;
mod conference_contacts;
mod config;
mod directories;
mod displays;
mod favorites;
mod graphql;
mod headers;
mod listing;
mod personal;
mod phonebook_backend;
mod phonebooks;
mod phonebooks_deprecated;
mod profile_sources;
mod profiles;
mod sources;
mod status;
mod wazo_contacts;

use actix_web::web;
use std::collections::BTreeMap;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;

/// Declares a view module's handlers: generates `configure` and `Doc` from one list.
#[macro_export]
macro_rules! routes {
    ($($handler:ident),+ $(,)?) => {
        /// Registers this module's routes.
        pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
            $( cfg.service($handler); )+
        }

        /// The OpenAPI description of this module's routes.
        #[derive(utoipa::OpenApi, Debug)]
        #[openapi(paths($($handler),+))]
        pub struct Doc;
    };
}

/// A route group: its `enabled_plugins.views` name, the `enabled_plugins.services` it needs (as in
/// wazo-dird, a view whose services are off is not served), its registration and documentation.
struct Group {
    name: &'static str,
    services: &'static [&'static str],
    configure: fn(&mut web::ServiceConfig),
    doc: fn() -> utoipa::openapi::OpenApi,
}

/// In registration order: a fixed path (`…/headers`) before the variable one it shadows.
const GROUPS: &[Group] = &[
    Group {
        name: "api_view",
        services: &[],
        configure: api::configure,
        doc: api::Doc::openapi,
    },
    Group {
        name: "status_view",
        services: &[],
        configure: status::configure,
        doc: status::Doc::openapi,
    },
    Group {
        name: "config_view",
        services: &["config"],
        configure: config::configure,
        doc: config::Doc::openapi,
    },
    Group {
        name: "headers_view",
        services: &["display", "profile"],
        configure: headers::configure,
        doc: headers::Doc::openapi,
    },
    Group {
        name: "default_json",
        services: &["lookup", "reverse", "display", "profile"],
        configure: directories::configure,
        doc: directories::Doc::openapi,
    },
    Group {
        name: "default_json",
        services: &["favorites", "profile"],
        configure: favorites::configure,
        doc: favorites::Doc::openapi,
    },
    Group {
        name: "personal_view",
        services: &["personal"],
        configure: personal::configure,
        doc: personal::Doc::openapi,
    },
    Group {
        name: "phonebook_view",
        services: &["phonebook"],
        configure: phonebooks::configure,
        doc: phonebooks::Doc::openapi,
    },
    Group {
        name: "phonebook_deprecated_view",
        services: &["phonebook"],
        configure: phonebooks_deprecated::configure,
        doc: phonebooks_deprecated::Doc::openapi,
    },
    Group {
        name: "phonebook_backend",
        services: &["phonebook", "source"],
        configure: phonebook_backend::configure,
        doc: phonebook_backend::Doc::openapi,
    },
    Group {
        name: "wazo_backend",
        services: &["source"],
        configure: wazo_contacts::configure,
        doc: wazo_contacts::Doc::openapi,
    },
    Group {
        name: "conference_view",
        services: &["source"],
        configure: conference_contacts::configure,
        doc: conference_contacts::Doc::openapi,
    },
    Group {
        name: "graphql_view",
        services: &["reverse", "profile"],
        configure: graphql::configure,
        doc: graphql::Doc::openapi,
    },
    Group {
        name: "profile_sources_view",
        services: &["profile", "source"],
        configure: profile_sources::configure,
        doc: profile_sources::Doc::openapi,
    },
    Group {
        name: "sources_view",
        services: &["source"],
        configure: sources::configure,
        doc: sources::Doc::openapi,
    },
    Group {
        name: "displays_view",
        services: &["display"],
        configure: displays::configure,
        doc: displays::Doc::openapi,
    },
    Group {
        name: "profiles_view",
        services: &["profile"],
        configure: profiles::configure,
        doc: profiles::Doc::openapi,
    },
    Group {
        name: "backends_view",
        services: &[],
        configure: backends::configure,
        doc: backends::Doc::openapi,
    },
];

fn enabled(enabled_views: &BTreeMap<String, bool>, name: &str) -> bool {
    enabled_views.get(name).copied().unwrap_or(false)
}

/// Registers the route groups that are enabled and whose services are enabled.
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
    for group in GROUPS.iter().filter(served) {
        (group.configure)(cfg);
    }
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
