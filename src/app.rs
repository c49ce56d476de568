//! The composition root: builds every part of the daemon in start-up order and wires them
//! together (configuration, logging, the root check, authentication, storage, the bus, the engine
//! and the directory actor, the bus consumers, SIGHUP, then the HTTP API, which binds, drops
//! privileges and serves). Nothing else in the crate builds parts of another layer.

use crate::{
    auth, backends, bus, config, discovery, http, logging, numbers, privileges, resources,
    services, storage,
};
use actix_web::web;
use config::{AuthBackend, Cli};
use http::state::AppState;
use resources::catalog::CatalogReload;
use resources::displays::service::DisplayService;
use resources::profiles::service::ProfileService;
use resources::sources::service::SourceService;
use services::directory::Directory;
use services::directory_actor::DirectoryActor;
use std::sync::{Arc, RwLock};

/// Runs the daemon until it is asked to stop.
pub async fn run(cli: Cli) -> Result<(), String> {
    let loaded = config::load(&cli, std::env::var("XIVO_UUID").ok()).map_err(|e| e.to_string())?;
    let config = Arc::new(loaded.config);
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
    // Decoded before the listener opens: no reverse lookup waits for libphonenumber's metadata
    // (0.1 s in a release build, about a second in a debug one).
    tokio::task::spawn_blocking(numbers::load_metadata)
        .await
        .map_err(|e| format!("cannot load the numbering plans: {e}"))?;

    let auth = auth::AuthService::new(&config.auth)?;
    if config.auth.backend == AuthBackend::Static {
        tracing::warn!(
            "standalone mode: tokens come from auth.static_tokens_file, wazo-auth is not consulted"
        );
    }
    auth.spawn_service_token_renewal();
    let storage = storage(&config)?;
    let bus = bus(&config);
    let parts = Parts::build(&config, &loaded.tree, &auth, storage, bus).await?;
    let directory = Arc::clone(&parts.directory);
    spawn_reload_on_sighup(cli, directory, Arc::clone(&auth), logging.clone())?;
    let bus_at_stop = parts.bus.clone();
    let registration = discovery::Registration::start(
        &config.consul,
        &config.service_discovery,
        bus_at_stop.origin_uuid(),
        bus_at_stop.clone(),
    )?;
    let state = parts.state(&config, loaded.tree, &auth, Some(logging));
    let served = http::serve(web::Data::new(state), web::Data::from(auth)).await;
    if let Some(registration) = registration {
        registration.stop().await;
    }
    let deadline = std::time::Duration::from_secs_f64(config.rest_api.shutdown_timeout);
    bus_at_stop.flush(deadline).await;
    served?;
    tracing::info!("wazo-dird stopped");
    Ok(())
}

/// The state `run` serves, built from the configuration `cli` names as `run` builds it, but without
/// logging, a listener, consul or SIGHUP: for the in-process view tests (`http::views::tests`).
#[cfg(test)]
pub(crate) async fn state_for_tests(
    cli: &Cli,
) -> Result<(AppState, Arc<auth::AuthService>), String> {
    let loaded = config::load(cli, None).map_err(|e| e.to_string())?;
    let config = Arc::new(loaded.config);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let auth = auth::AuthService::new(&config.auth)?;
    let storage = storage(&config)?;
    let bus = bus(&config);
    let parts = Parts::build(&config, &loaded.tree, &auth, storage, bus).await?;
    Ok((parts.state(&config, loaded.tree, &auth, None), auth))
}

/// The database pool (`db_pool_size`, else `rest_api.max_threads` at most 64), monitored.
fn storage(config: &config::Config) -> Result<storage::Storage, String> {
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
            .enabled
            .then(|| usize::try_from(config.contact_cache.max_contacts).unwrap_or(usize::MAX)),
        std::time::Duration::from_secs_f64(config.db_statement_timeout),
        std::time::Duration::from_secs_f64(config.db_startup_wait),
    )?;
    if config.db_uri.is_none() {
        tracing::warn!("no database (db_uri is null): routes that need one answer 503");
    }
    storage.spawn_monitor();
    Ok(storage)
}

/// The bus: `origin_uuid` is the stack's (XIVO_UUID), as in wazo-dird; the instances of a cluster
/// tell each other apart by `instance_uuid`.
fn bus(config: &config::Config) -> bus::Bus {
    let instance_uuid = uuid::Uuid::new_v4().to_string();
    let origin = bus::Origin {
        origin_uuid: config.uuid.clone().unwrap_or_else(|| instance_uuid.clone()),
        instance_uuid,
    };
    bus::Bus::start(&config.bus, origin)
}

/// The daemon's parts below HTTP, wired together and started.
struct Parts {
    storage: storage::Storage,
    bus: bus::Bus,
    directory: Arc<Directory>,
    catalog: Catalog,
    favorites: Arc<resources::favorites::service::FavoriteService>,
    backend_contacts: services::backend_contacts::BackendContacts,
}

/// The services of the catalog (each write awaits the directory actor's reload of it).
struct Catalog {
    sources: Arc<SourceService>,
    displays: Arc<DisplayService>,
    profiles: Arc<ProfileService>,
    phonebooks: resources::phonebooks::service::PhonebookService,
}

impl Catalog {
    /// The catalog's services over `published`, each write awaiting `reload`.
    fn new(
        config: &config::Config,
        storage: &storage::Storage,
        bus: &bus::Bus,
        published: resources::catalog::Published,
        reload: Arc<dyn CatalogReload>,
    ) -> Self {
        let enabled = backends::enabled(&config.enabled_plugins.backends);
        let (storage, bus) = (storage.clone(), bus.clone());
        Catalog {
            sources: Arc::new(SourceService::new(
                storage.clone(),
                bus.clone(),
                published.clone(),
                Arc::clone(&reload),
                enabled,
            )),
            displays: Arc::new(DisplayService::new(
                storage.clone(),
                bus.clone(),
                published.clone(),
                Arc::clone(&reload),
            )),
            profiles: Arc::new(ProfileService::new(
                storage.clone(),
                bus.clone(),
                published,
                Arc::clone(&reload),
            )),
            phonebooks: resources::phonebooks::service::PhonebookService::new(storage, bus, reload),
        }
    }
}

impl Parts {
    /// The directory, warming up in the background; the favorites; the bus consumers.
    async fn build(
        config: &config::Config,
        tree: &config::Tree,
        auth: &Arc<auth::AuthService>,
        storage: storage::Storage,
        bus: bus::Bus,
    ) -> Result<Self, String> {
        let published = resources::catalog::Published::default();
        let (actor, inbox) = DirectoryActor::new(published.clone());
        let catalog = Catalog::new(config, &storage, &bus, published, Arc::new(actor.clone()));
        let deps = deps(config, auth, &storage);
        let engine = Arc::new(services::engine::Engine::new(
            Arc::clone(&catalog.sources),
            catalog.sources.enabled().to_vec(),
            supervision(config)?,
            deps.clone(),
            services::engine::ServiceTimeouts {
                lookup: config.lookup_service.timeout,
                reverse: config.reverse_service.timeout,
                favorites: config.favorites_service.timeout,
            },
        ));
        let runtime = engine_runtime(config.source_actors.threads)?;
        inbox.spawn(storage.clone(), Arc::clone(&engine), &runtime);
        let directory = Arc::new(Directory::new(services::directory::Parts {
            sources: Arc::clone(&catalog.sources),
            displays: Arc::clone(&catalog.displays),
            profiles: Arc::clone(&catalog.profiles),
            engine,
            actor,
            runtime,
        }));
        directory
            .set_declared(declared_from_tree(tree, auth.master_tenant().as_deref())?)
            .await;
        tokio::spawn(services::readiness::warm_up(
            Arc::clone(&directory),
            storage.health() != storage::Health::Disabled,
            bus.is_enabled().then(|| bus.clone()),
        ));
        let favorites = Arc::new(resources::favorites::service::FavoriteService::new(
            storage.clone(),
            bus.clone(),
            config.uuid.clone().unwrap_or_default(),
            Arc::clone(&catalog.sources),
        ));
        let backend_contacts =
            services::backend_contacts::BackendContacts::new(Arc::clone(&catalog.sources), deps);
        let parts = Parts {
            storage,
            bus,
            directory,
            catalog,
            favorites,
            backend_contacts,
        };
        parts.consume(config, auth);
        Ok(parts)
    }

    /// The bus consumers: the instance's own queue (peers' changes, sessions, tenants) and the
    /// shared one (wazo-confd's and wazo-auth's events, handled once per cluster).
    fn consume(&self, config: &config::Config, auth: &Arc<auth::AuthService>) {
        self.bus.consume(
            &config.bus,
            bus::Queue::Own,
            services::reactions::own_queue_events(),
            services::reactions::peer_handler(
                Arc::clone(&self.directory),
                self.storage.clone(),
                Arc::clone(&self.favorites),
                Arc::clone(auth),
                self.bus.instance_uuid().to_owned(),
            ),
        );
        self.bus.consume(
            &config.bus,
            bus::Queue::Shared,
            services::reactions::EVENTS.to_vec(),
            services::reactions::handler(
                Arc::clone(&self.directory),
                resources::tenants::service::TenantService::new(self.storage.clone()),
            ),
        );
    }

    /// What every view shares.
    fn state(
        self,
        config: &Arc<config::Config>,
        tree: config::Tree,
        auth: &Arc<auth::AuthService>,
        logging: Option<logging::LogControl>,
    ) -> AppState {
        let backends = self.catalog.sources.enabled().to_vec();
        AppState {
            graphql: services::graphql::schema(Arc::clone(&self.directory), Arc::clone(auth)),
            personal: resources::personal::service::PersonalService::new(
                self.storage.clone(),
                self.bus.clone(),
            ),
            phonebooks: self.catalog.phonebooks,
            sources: self.catalog.sources,
            displays: self.catalog.displays,
            profiles: self.catalog.profiles,
            favorites: self.favorites,
            directory: self.directory,
            backend_contacts: self.backend_contacts,
            http_metrics: Arc::default(),
            backends,
            config: Arc::clone(config),
            live_config: RwLock::new(tree),
            auth: Arc::clone(auth),
            storage: self.storage,
            bus: self.bus,
            logging,
        }
    }
}

/// How the source actors are supervised (`source_actors`).
fn supervision(config: &config::Config) -> Result<actors::SupervisorConfig, String> {
    let settings = &config.source_actors;
    Ok(settings.supervision(Some(engine_runtime(settings.threads)?)))
}

/// What the backends share: the database, the wazo-confd copies, the cloud address books.
fn deps(
    config: &config::Config,
    auth: &Arc<auth::AuthService>,
    storage: &storage::Storage,
) -> backends::Deps {
    let confd = backends::confd::ConfdHub::new(
        config
            .contact_cache
            .enabled
            .then(|| std::time::Duration::from_secs_f64(config.contact_cache.resync_interval)),
    );
    let cloud = backends::cloud::CloudSettings {
        cache_ttl: std::time::Duration::from_secs_f64(config.cloud_contacts.cache_ttl),
        timeout: std::time::Duration::from_secs_f64(config.cloud_contacts.timeout),
        google_url: config.cloud_contacts.google_url.clone(),
        microsoft_url: config.cloud_contacts.microsoft_url.clone(),
    };
    backends::Deps {
        storage: storage.clone(),
        confd: Arc::new(confd),
        cloud: Arc::new(backends::cloud::CloudHub::new(
            cloud,
            (!auth.is_standalone()).then(|| Arc::clone(auth)),
        )),
        countries: Arc::new(numbers::Countries::new(config.number_matching.settings())),
    }
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
    directory: Arc<Directory>,
    auth: Arc<auth::AuthService>,
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
