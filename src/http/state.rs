//! What every view shares: the configuration, authentication, storage and the live log control.

use crate::auth::AuthService;
use crate::config::{Config, Tree};
use crate::logging::LogControl;
use crate::services::directory::Directory;
use crate::storage::Storage;
use std::sync::{Arc, RwLock};

/// The daemon's shared state, handed to views as `web::Data<AppState>`.
#[derive(Debug)]
pub struct AppState {
    pub config: Arc<Config>,
    /// The merged configuration as served by `GET /0.1/config` (changed live by `PATCH`).
    pub live_config: RwLock<Tree>,
    pub auth: Arc<AuthService>,
    pub storage: Storage,
    /// Events out to RabbitMQ.
    pub bus: crate::bus::Bus,
    /// `None` when no global logger was installed (in-process tests).
    pub logging: Option<LogControl>,
    /// Backend kinds that are both installed and enabled, sorted by name.
    pub backends: Vec<String>,
    /// Profiles resolved by name and the queries over their sources.
    pub directory: Arc<Directory>,
    /// The sources of the catalog and their CRUD (each write awaits the catalog).
    pub sources: Arc<crate::resources::sources::service::SourceService>,
    /// The displays of the catalog and their CRUD.
    pub displays: Arc<crate::resources::displays::service::DisplayService>,
    /// The profiles of the catalog and their CRUD.
    pub profiles: Arc<crate::resources::profiles::service::ProfileService>,
    /// The contacts routes of the wazo, conference, google and office365 sources.
    pub backend_contacts: crate::services::backend_contacts::BackendContacts,
    /// Users' personal contacts.
    pub personal: crate::resources::personal::service::PersonalService,
    /// Company phonebooks.
    pub phonebooks: crate::resources::phonebooks::service::PhonebookService,
    /// The GraphQL schema (`/0.1/graphql`).
    pub graphql: crate::services::graphql::DirdSchema,
    /// Users' favorites.
    pub favorites: Arc<crate::resources::favorites::service::FavoriteService>,
    /// HTTP requests by route, for `/metrics`.
    pub http_metrics: Arc<crate::http::metrics::HttpMetrics>,
}
