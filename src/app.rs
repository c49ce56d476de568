//! The composition root: builds every part of the daemon in start-up order and wires them
//! together (configuration, logging, the root check, authentication, storage, the bus, the engine
//! and the directory actor, the bus consumers, SIGHUP, then the HTTP API, which binds, drops
//! privileges and serves). Nothing else in the crate builds parts of another layer.

use crate::{
    auth, backends, bus, config, discovery, http, logging, privileges, resources, services, storage,
};
use actix_web::web;
use config::{AuthBackend, Cli};
use http::state::AppState;
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

    let pool_size = match config.db_pool_size {
        Some(size) => usize::try_from(size).unwrap_or(usize::MAX).max(2),
        None => usize::try_from(config.rest_api.max_threads)
            .unwrap_or(100)
            .clamp(2, 64),
    };
    let storage = storage::Storage::new(
        config.db_uri.as_deref(),
        pool_size,
        config
            .contact_cache
            .then(|| usize::try_from(config.contact_cache_max_contacts).unwrap_or(usize::MAX)),
        std::time::Duration::from_secs_f64(config.db_statement_timeout),
        std::time::Duration::from_secs_f64(config.db_startup_wait),
    )?;
    if config.db_uri.is_none() {
        tracing::warn!("no database (db_uri is null): routes that need one answer 503");
    }
    storage.spawn_monitor();

    // `origin_uuid` is the stack's (XIVO_UUID), as in wazo-dird; the instances of a cluster tell
    // each other apart by `instance_uuid`.
    let instance_uuid = uuid::Uuid::new_v4().to_string();
    let origin = bus::Origin {
        origin_uuid: config.uuid.clone().unwrap_or_else(|| instance_uuid.clone()),
        instance_uuid,
    };
    let registration_uuid = origin.origin_uuid.clone();
    let bus = bus::Bus::start(&config.bus, origin);

    let directory = std::sync::Arc::new(
        build_directory(&config, &loaded.tree, &auth, storage.clone(), bus.clone()).await?,
    );
    tokio::spawn(services::readiness::warm_up(
        std::sync::Arc::clone(&directory),
        storage.health() != storage::Health::Disabled,
        bus.is_enabled().then(|| std::sync::Arc::clone(&bus.status)),
    ));
    let favorites = std::sync::Arc::new(resources::favorites::service::FavoriteService::new(
        storage.clone(),
        bus.clone(),
        config.uuid.clone().unwrap_or_default(),
        std::sync::Arc::clone(&directory.sources),
    ));
    bus.consume(
        &config.bus,
        bus::Queue::Own,
        services::reactions::own_queue_events(),
        services::reactions::peer_handler(
            std::sync::Arc::clone(&directory),
            storage.clone(),
            std::sync::Arc::clone(&favorites),
            std::sync::Arc::clone(&auth),
            bus.instance_uuid().to_owned(),
        ),
    );
    bus.consume(
        &config.bus,
        bus::Queue::Shared,
        services::reactions::EVENTS.to_vec(),
        services::reactions::handler(
            std::sync::Arc::clone(&directory),
            resources::tenants::service::TenantService::new(storage.clone()),
        ),
    );
    spawn_reload_on_sighup(
        cli,
        std::sync::Arc::clone(&directory),
        std::sync::Arc::clone(&auth),
        logging.clone(),
    )?;
    let personal = resources::personal::service::PersonalService::new(storage.clone(), bus.clone());
    let phonebooks =
        resources::phonebooks::service::PhonebookService::new(storage.clone(), bus.clone());
    let graphql = services::graphql::schema(
        std::sync::Arc::clone(&directory),
        std::sync::Arc::clone(&auth),
    );
    let bus_at_stop = bus.clone();
    let state = web::Data::new(AppState {
        graphql,
        phonebooks,
        personal,
        favorites,
        directory,
        http_metrics: std::sync::Arc::default(),
        backends: backends::enabled(&config.enabled_plugins.backends),
        config: std::sync::Arc::clone(&config),
        live_config: RwLock::new(loaded.tree),
        auth: std::sync::Arc::clone(&auth),
        storage,
        bus,
        logging: Some(logging.clone()),
    });
    let auth_data = web::Data::from(auth);
    let registration = discovery::Registration::start(
        &config.consul,
        &config.service_discovery,
        &registration_uuid,
        bus_at_stop.clone(),
    )?;
    let served = http::serve(state, auth_data).await;
    if let Some(registration) = registration {
        registration.stop().await;
    }
    let deadline = std::time::Duration::from_secs_f64(config.rest_api.shutdown_timeout);
    bus_at_stop.flush(deadline).await;
    served?;
    tracing::info!("wazo-dird stopped");
    Ok(())
}

/// The directory: source actors, displays and profiles, with the ones declared in the configuration.
async fn build_directory(
    config: &config::Config,
    tree: &config::Tree,
    auth: &std::sync::Arc<auth::AuthService>,
    storage: storage::Storage,
    bus: bus::Bus,
) -> Result<services::directory::Directory, String> {
    let master_tenant = auth.master_tenant();
    let master_tenant = master_tenant.as_deref();
    use resources::{
        displays::service::DisplayService, profiles::service::ProfileService,
        sources::service::SourceService,
    };
    let declared = declared_from_tree(tree, master_tenant)?;
    let supervision = actors::SupervisorConfig {
        min_backoff: std::time::Duration::from_secs_f64(config.source_actors.restart_backoff_min),
        max_backoff: std::time::Duration::from_secs_f64(config.source_actors.restart_backoff_max),
        max_concurrency: usize::try_from(config.source_actors.max_concurrency)
            .unwrap_or(usize::MAX),
        breaker_threshold: u32::try_from(config.source_actors.breaker_threshold)
            .unwrap_or(u32::MAX),
        probe_timeout: std::time::Duration::from_secs_f64(config.source_actors.probe_timeout),
        runtime: Some(engine_runtime(config.source_actors.threads)?),
        ..actors::SupervisorConfig::default()
    };
    let confd = backends::confd::ConfdHub::new(
        config
            .contact_cache
            .then(|| std::time::Duration::from_secs_f64(config.confd_resync_interval)),
    );
    let published = resources::catalog::Published::default();
    let sources = std::sync::Arc::new(SourceService::new(
        storage.clone(),
        bus.clone(),
        published.clone(),
    ));
    let engine = std::sync::Arc::new(services::engine::Engine::new(
        std::sync::Arc::clone(&sources),
        backends::enabled(&config.enabled_plugins.backends),
        supervision,
        backends::Deps {
            storage: storage.clone(),
            confd: std::sync::Arc::new(confd),
            cloud: std::sync::Arc::new(backends::cloud::CloudHub::new(
                backends::cloud::CloudSettings {
                    cache_ttl: std::time::Duration::from_secs_f64(config.cloud_contacts.cache_ttl),
                    timeout: std::time::Duration::from_secs_f64(config.cloud_contacts.timeout),
                    google_url: config.cloud_contacts.google_url.clone(),
                    microsoft_url: config.cloud_contacts.microsoft_url.clone(),
                },
                (!auth.is_standalone()).then(|| std::sync::Arc::clone(auth)),
            )),
        },
        services::engine::ServiceTimeouts {
            lookup: config.lookup_service.timeout,
            reverse: config.reverse_service.timeout,
            favorites: config.favorites_service.timeout,
        },
    ));
    let actor = services::directory_actor::DirectoryActor::spawn(
        published.clone(),
        storage.clone(),
        std::sync::Arc::clone(&engine),
        &engine_runtime(config.source_actors.threads)?,
    );
    let directory = services::directory::Directory {
        sources,
        displays: std::sync::Arc::new(DisplayService::new(
            storage.clone(),
            bus.clone(),
            published.clone(),
        )),
        profiles: std::sync::Arc::new(ProfileService::new(storage, bus, published)),
        engine,
        actor,
        readiness: services::readiness::Readiness::starting(),
    };
    directory.set_declared(declared).await;
    Ok(directory)
}

/// The sources, displays and profiles declared in a merged configuration.
fn declared_from_tree(
    tree: &config::Tree,
    master_tenant: Option<&str>,
) -> Result<resources::declared::Declared, String> {
    let value = |key: &str| tree.get(key).cloned().unwrap_or(serde_json::Value::Null);
    resources::declared::load(
        &value("sources"),
        &value("displays"),
        &value("profiles"),
        master_tenant,
    )
    .map_err(|errors| format!("invalid declared resources:\n  - {}", errors.join("\n  - ")))
}

/// On SIGHUP, re-reads the configuration files and applies the declared sources, displays and
/// profiles by diff (only changed sources restart). An invalid configuration is logged and ignored.
/// Other keys need a restart.
fn spawn_reload_on_sighup(
    cli: Cli,
    directory: std::sync::Arc<services::directory::Directory>,
    auth: std::sync::Arc<auth::AuthService>,
    logging: logging::LogControl,
) -> Result<(), String> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups =
        signal(SignalKind::hangup()).map_err(|e| format!("cannot handle SIGHUP: {e}"))?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            logging.reopen();
            tracing::info!("SIGHUP: reloading the declared sources, displays and profiles");
            let reloaded = config::load(&cli, std::env::var("XIVO_UUID").ok())
                .map_err(|e| e.to_string())
                .and_then(|loaded| {
                    declared_from_tree(&loaded.tree, auth.master_tenant().as_deref())
                });
            match reloaded {
                Ok(declared) => {
                    directory.set_declared(declared).await;
                    tracing::info!("reload done");
                }
                Err(error) => {
                    tracing::error!("reload refused, the running configuration stays: {error}")
                }
            }
        }
    });
    Ok(())
}

/// The multi-thread runtime the source actors run on, built once (one thread per core unless
/// `source_actors.threads` says otherwise) and kept for the life of the process: every source's
/// searches use every core, beside the HTTP workers, instead of sharing `main`'s one thread.
fn engine_runtime(threads: u64) -> Result<tokio::runtime::Handle, String> {
    static ENGINE: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    if let Some(engine) = ENGINE.get() {
        return Ok(engine.handle().clone());
    }
    let threads = match usize::try_from(threads) {
        Ok(0) | Err(_) => std::thread::available_parallelism().map_or(2, usize::from),
        Ok(threads) => threads,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("dird-sources")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the source runtime: {e}"))?;
    Ok(ENGINE.get_or_init(|| runtime).handle().clone())
}
