//! wazo-dird, the Wazo directory daemon, as an actor-model service.
//!
//! Start-up order: configuration (all errors at once), logging, the root check, authentication,
//! storage (connected in the background), then the HTTP API, which binds, drops privileges and serves.

pub mod auth;
pub mod backends;
pub mod config;
pub mod http;
pub mod logging;
mod privileges;
pub mod resources;
pub mod services;
pub mod state;
pub mod storage;

use actix_web::web;
use config::{AuthBackend, Cli};
use state::AppState;
use std::sync::RwLock;

/// Runs the daemon until it is asked to stop.
pub async fn run(cli: Cli) -> Result<(), String> {
    let loaded = config::load(&cli, std::env::var("XIVO_UUID").ok()).map_err(|e| e.to_string())?;
    let config = std::sync::Arc::new(loaded.config);
    privileges::check_start(config.user.as_deref())?;
    let (logging, log_warning) = logging::init(
        &config.log_level,
        config.debug,
        config.log_filename.as_deref(),
    );
    tracing::info!(config_file = %config.config_file.display(), "starting wazo-dird");
    for warning in loaded.warnings.iter().chain(log_warning.iter()) {
        tracing::warn!("{warning}");
    }
    let _ = rustls::crypto::ring::default_provider().install_default();

    let auth = auth::AuthService::new(&config.auth)?;
    if config.auth.backend == AuthBackend::Static {
        tracing::warn!(
            "standalone mode: tokens come from auth.static_tokens_file, wazo-auth is not consulted"
        );
    }
    auth.spawn_service_token_renewal();

    let pool_size = usize::try_from(config.rest_api.max_threads)
        .unwrap_or(100)
        .clamp(2, 64);
    let storage = storage::Storage::new(config.db_uri.as_deref(), pool_size)?;
    if config.db_uri.is_none() {
        tracing::warn!("no database (db_uri is null): routes that need one answer 503");
    }
    storage.spawn_monitor();

    let directory = std::sync::Arc::new(build_directory(
        &config,
        &loaded.tree,
        auth.master_tenant().as_deref(),
        storage.clone(),
    )?);
    directory.spawn_reload_on_database_ready(&storage);
    let state = web::Data::new(AppState {
        directory,
        backends: backends::enabled(&config.enabled_plugins.backends),
        config: std::sync::Arc::clone(&config),
        live_config: RwLock::new(loaded.tree),
        auth: std::sync::Arc::clone(&auth),
        storage,
        logging: Some(logging),
    });
    let auth_data = web::Data::from(auth);
    http::serve(state, auth_data).await?;
    tracing::info!("wazo-dird stopped");
    Ok(())
}

/// The directory: source actors, displays and profiles, with the ones declared in the configuration.
fn build_directory(
    config: &config::Config,
    tree: &config::Tree,
    master_tenant: Option<&str>,
    storage: storage::Storage,
) -> Result<services::directory::Directory, String> {
    use resources::{
        displays::service::DisplayService, profiles::service::ProfileService,
        sources::service::SourceService,
    };
    use serde_json::Value;
    let value = |key: &str| tree.get(key).cloned().unwrap_or(Value::Null);
    let declared = resources::declared::load(
        &value("sources"),
        &value("displays"),
        &value("profiles"),
        master_tenant,
    )
    .map_err(|errors| format!("invalid declared resources:\n  - {}", errors.join("\n  - ")))?;
    let supervision = actors::SupervisorConfig {
        min_backoff: std::time::Duration::from_secs_f64(config.source_actors.restart_backoff_min),
        max_backoff: std::time::Duration::from_secs_f64(config.source_actors.restart_backoff_max),
        max_concurrency: usize::try_from(config.source_actors.max_concurrency)
            .unwrap_or(usize::MAX),
        ..actors::SupervisorConfig::default()
    };
    let sources = SourceService::new(
        backends::enabled(&config.enabled_plugins.backends),
        supervision,
        storage.clone(),
    );
    tracing::info!(
        sources = declared.sources.len(),
        displays = declared.displays.len(),
        profiles = declared.profiles.len(),
        "declared resources loaded"
    );
    sources.set_declared(declared.sources);
    let displays = DisplayService::new(storage.clone());
    displays.set_declared(declared.displays);
    let profiles = ProfileService::new(storage);
    profiles.set_declared(declared.profiles);
    Ok(services::directory::Directory {
        sources: std::sync::Arc::new(sources),
        displays: std::sync::Arc::new(displays),
        profiles: std::sync::Arc::new(profiles),
        timeouts: services::directory::ServiceTimeouts {
            lookup: config.lookup_service.timeout,
            reverse: config.reverse_service.timeout,
            favorites: config.favorites_service.timeout,
        },
    })
}
