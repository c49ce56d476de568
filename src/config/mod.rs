//! Typed settings of the daemon.
//!
//! The defaults live in one place, `config/config.yml` (embedded at build time), which is also the
//! file packaged as `/etc/wazo-dird/config.yml`. [`load()`] merges the command line, the `conf.d`
//! files, the main file and the defaults, then [`Config::from_tree`] validates the result and reports
//! every error at once, each with its key and the file it came from.

mod cli;
mod load;
mod reader;
mod tree;

pub use cli::Cli;
pub use load::{load, LoadError, Loaded};
pub use reader::ConfigError;
pub use tree::Tree;

use reader::Reader;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The built-in defaults: every key wazo-dird knows, with its default value.
pub const DEFAULTS_YAML: &str = include_str!("../../config/config.yml");

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The main configuration file that was read.
    pub config_file: PathBuf,
    /// The folder of `.yml` files that override the main file (first file in alphabetical order wins).
    pub extra_config_files: PathBuf,
    /// PostgreSQL connection URI; `None` runs without a database (routes that need one answer 503).
    pub db_uri: Option<String>,
    /// Seconds a statement may run before PostgreSQL cancels it.
    pub db_statement_timeout: f64,
    /// Most connections this instance opens to PostgreSQL (`None`: from `rest_api.max_threads`,
    /// at most 64).
    pub db_pool_size: Option<u64>,
    /// Seconds a request that needs the database waits, at start, for the first connection and
    /// migration to end, instead of answering 503 while the schema is being made.
    pub db_startup_wait: f64,
    /// The HTTP server.
    pub rest_api: RestApi,
    /// Token checks and the service identity.
    pub auth: Auth,
    /// The wazo-confd client used by the Wazo backends.
    pub confd: HttpService,
    /// The RabbitMQ connection.
    pub bus: Bus,
    /// Which backends, services and route groups are switched on.
    pub enabled_plugins: EnabledPlugins,
    /// Log level name: `critical`, `error`, `warning`, `info` or `debug`.
    pub log_level: String,
    /// The log file; `None` logs to stderr only.
    pub log_filename: Option<PathBuf>,
    /// Forces the `debug` log level.
    pub debug: bool,
    /// The system user to become after binding the port (required when started as root).
    pub user: Option<String>,
    /// Settings of the three scatter-gather services.
    pub lookup_service: ServicePool,
    pub reverse_service: ServicePool,
    pub favorites_service: ServicePool,
    /// Supervision of the source actors.
    pub source_actors: SourceActors,
    /// The Prometheus `/metrics` route.
    pub metrics: Metrics,
    /// `contact_cache.enabled`: lookups in phonebooks, personal contacts, wazo-confd users and
    /// conference rooms read an in-memory copy.
    pub contact_cache: bool,
    /// `contact_cache.max_contacts`: most phonebook and personal contacts held in memory.
    pub contact_cache_max_contacts: u64,
    /// `contact_cache.resync_interval`: seconds between two full reloads of a wazo-confd copy
    /// (the safety net behind wazo-confd's bus events).
    pub confd_resync_interval: f64,
    /// `cloud_contacts`: the users' Google and Microsoft 365 address books.
    pub cloud_contacts: CloudContacts,
    /// The Consul agent used for service discovery.
    pub consul: Consul,
    /// Registration in Consul.
    pub service_discovery: ServiceDiscovery,
    /// This Wazo stack's uuid, from the `XIVO_UUID` environment variable.
    pub uuid: Option<String>,
}

/// `rest_api` section.
#[derive(Debug, Clone)]
pub struct RestApi {
    /// Address to listen on.
    pub listen: String,
    /// Port to listen on.
    pub port: u16,
    /// PEM certificate chain; with `private_key`, serves HTTPS (rustls).
    pub certificate: Option<PathBuf>,
    /// PEM private key matching `certificate`.
    pub private_key: Option<PathBuf>,
    /// Cross-origin resource sharing.
    pub cors: Cors,
    /// Lower bound of worker threads (wazo-dird's elastic pool); here the minimum of HTTP workers.
    pub min_threads: u64,
    /// Upper bound of worker threads; here it caps HTTP workers.
    pub max_threads: u64,
    /// Largest JSON request body, in bytes.
    pub max_body_size: u64,
    /// Largest CSV import body, in bytes.
    pub max_import_size: u64,
    /// Seconds a stop (SIGTERM) waits for in-flight requests, then for the bus backlog.
    pub shutdown_timeout: f64,
}

/// `rest_api.cors` section.
#[derive(Debug, Clone)]
pub struct Cors {
    /// Answer CORS preflights and add CORS headers.
    pub enabled: bool,
    /// Request headers a browser may send.
    pub allow_headers: Vec<String>,
}

/// `auth` section.
#[derive(Debug, Clone)]
pub struct Auth {
    /// `wazo-auth` (check every token with wazo-auth) or `static` (tokens from `static_tokens_file`).
    pub backend: AuthBackend,
    /// The wazo-auth server.
    pub server: HttpService,
    /// YAML file with `service_id` and `service_key`, the daemon's own credentials.
    pub key_file: Option<PathBuf>,
    /// The daemon's wazo-auth username (from `key_file` when set there).
    pub username: Option<String>,
    /// The daemon's wazo-auth password (from `key_file` when set there). Never logged nor returned.
    pub password: Option<String>,
    /// The master tenant; when unset it is the tenant of the daemon's own token.
    pub master_tenant_uuid: Option<String>,
    /// Seconds a token check is remembered (0 disables the cache).
    pub cache_ttl: f64,
    /// For `backend: static`: the YAML file of tokens and tenants.
    pub static_tokens_file: Option<PathBuf>,
}

/// How tokens are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthBackend {
    /// Every check goes to wazo-auth (cached for `cache_ttl`).
    WazoAuth,
    /// Tokens, ACLs and tenants come from a local file; ACLs are matched by the daemon itself.
    Static,
}

/// Connection settings of a Wazo HTTP service (wazo-auth, wazo-confd).
#[derive(Debug, Clone)]
pub struct HttpService {
    pub host: String,
    pub port: u16,
    /// Path prefix, e.g. `/api/auth` behind nginx.
    pub prefix: Option<String>,
    pub https: bool,
    /// Check the server's certificate.
    pub verify_certificate: bool,
    /// Seconds before a request is abandoned.
    pub timeout: f64,
}

impl HttpService {
    /// The base URL of the service, without a trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let prefix = self.prefix.as_deref().unwrap_or("").trim_end_matches('/');
        format!("{scheme}://{}:{}{prefix}", self.host, self.port)
    }
}

/// `bus` section.
#[derive(Debug, Clone)]
pub struct Bus {
    pub enabled: bool,
    pub username: String,
    /// Never logged nor returned.
    pub password: String,
    pub host: String,
    pub port: u16,
    pub exchange_name: String,
    pub exchange_type: String,
    /// Events kept while the broker is away (the oldest are dropped beyond this, and logged).
    pub backlog_size: usize,
    /// The durable queue the instances of a cluster share to consume other services' events.
    pub queue_name: String,
    /// Attempts of a consumed event whose handler fails, before it goes to the dead-letter queue.
    pub handler_attempts: u32,
    /// Seconds the broker has to confirm a published event (or to accept a connection).
    pub confirm_timeout: f64,
}

/// `enabled_plugins` section: name → on/off. Unknown names are tolerated, as in wazo-dird.
#[derive(Debug, Clone, Default)]
pub struct EnabledPlugins {
    pub backends: BTreeMap<String, bool>,
    pub services: BTreeMap<String, bool>,
    pub views: BTreeMap<String, bool>,
}

impl EnabledPlugins {
    /// Whether the backend kind `name` is switched on.
    pub fn backend(&self, name: &str) -> bool {
        self.backends.get(name).copied().unwrap_or(false)
    }
}

/// `lookup_service`, `reverse_service`, `favorites_service` sections.
#[derive(Debug, Clone)]
pub struct ServicePool {
    /// wazo-dird's thread-pool size; kept for compatibility (requests here are async, not pooled).
    pub executor_workers: Option<u64>,
    /// Seconds a request may take when its profile sets no `options.timeout`.
    pub timeout: f64,
}

/// `metrics` section (not in wazo-dird): Prometheus metrics.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Serve `GET /metrics` (on the API with ACL `dird.metrics.read`).
    pub enabled: bool,
    /// Address of the listener of its own (no token), when `port` is set.
    pub listen: String,
    /// Port of a listener serving only `/metrics`, without a token.
    pub port: Option<u16>,
}

/// `source_actors` section: supervision of the source actors.
#[derive(Debug, Clone)]
pub struct SourceActors {
    /// Seconds before the first restart of a broken source.
    pub restart_backoff_min: f64,
    /// Longest wait between restarts.
    pub restart_backoff_max: f64,
    /// Requests one source serves at once.
    pub max_concurrency: u64,
    /// Timeouts or failed requests in a row that open a source's breaker (0: off).
    pub breaker_threshold: u64,
    /// Seconds the probe of a rebuilt source may take before its breaker closes.
    pub probe_timeout: f64,
    /// Threads of the runtime the source actors run on (0: one per core).
    pub threads: u64,
}

/// `cloud_contacts`.
#[derive(Debug, Clone)]
pub struct CloudContacts {
    /// Seconds a user's Google or Microsoft 365 address book is kept before it is read again in
    /// the background (the kept one answering meanwhile).
    pub cache_ttl: f64,
    /// Seconds each request to Google, Microsoft Graph or wazo-auth may take.
    pub timeout: f64,
    /// Google's People API (a stand-in's address in tests).
    pub google_url: String,
    /// Microsoft Graph's address.
    pub microsoft_url: String,
}

/// `consul` section.
#[derive(Debug, Clone)]
pub struct Consul {
    /// `http` or `https`.
    pub scheme: String,
    /// The consul agent (`None`: no registration).
    pub host: Option<String>,
    pub port: u16,
    /// Never logged nor returned.
    pub token: Option<String>,
}

/// `service_discovery` section.
#[derive(Debug, Clone)]
pub struct ServiceDiscovery {
    /// Registers the daemon with consul as `wazo-dird`.
    pub enabled: bool,
    /// The address announced (`auto`: the address of `advertise_address_interface`).
    pub advertise_address: String,
    pub advertise_port: u16,
    /// The interface whose address is announced when `advertise_address` is `auto`.
    pub advertise_address_interface: String,
    /// Seconds between TTL check passes.
    pub refresh_interval: f64,
    /// Seconds before a failed registration is tried again.
    pub retry_interval: f64,
    /// Seconds the check stays passing without a refresh.
    pub ttl_interval: f64,
    /// Tags added to the stack uuid and `wazo-dird`.
    pub extra_tags: Vec<String>,
}

/// Keys present in the files that the daemon does not know, with their origin: `(key, file)`.
pub type UnknownKeys = Vec<(String, String)>;

/// Log level names accepted by `log_level` and `-l`.
pub const LOG_LEVELS: &[&str] = &["critical", "error", "warning", "info", "debug"];

/// Keys that hold secrets: masked by `GET /config`, never logged.
pub const SECRET_KEYS: &[&str] = &["auth.password", "bus.password", "consul.token"];

impl Config {
    /// Validates a merged tree. Returns the config and the unknown keys (warnings), or every error.
    // One line per key, read by hand: it goes with the typed sections of the `config` crate
    // (issue 20's remaining part), not split in the meantime.
    #[allow(clippy::too_many_lines)]
    pub fn from_tree(tree: &Tree) -> Result<(Config, UnknownKeys), Vec<ConfigError>> {
        let mut r = Reader::new(tree);
        let config = Config {
            config_file: PathBuf::from(r.string("config_file")),
            extra_config_files: PathBuf::from(r.string("extra_config_files")),
            db_uri: r.opt_string("db_uri"),
            db_statement_timeout: r.positive_seconds("db_statement_timeout"),
            db_startup_wait: r.positive_seconds("db_startup_wait"),
            db_pool_size: r.opt_uint("db_pool_size"),
            rest_api: read_rest_api(&mut r),
            auth: read_auth(&mut r),
            confd: read_http_service(&mut r, "confd"),
            bus: Bus {
                enabled: r.bool("bus.enabled"),
                username: r.string("bus.username"),
                password: r.string("bus.password"),
                host: r.string("bus.host"),
                port: r.port("bus.port"),
                exchange_name: r.string("bus.exchange_name"),
                exchange_type: r.choice(
                    "bus.exchange_type",
                    &["headers", "topic", "direct", "fanout"],
                ),
                backlog_size: usize::try_from(r.uint("bus.backlog_size")).unwrap_or(usize::MAX),
                queue_name: r.string("bus.queue_name"),
                handler_attempts: u32::try_from(r.uint("bus.handler_attempts"))
                    .unwrap_or(u32::MAX)
                    .max(1),
                confirm_timeout: r.positive_seconds("bus.confirm_timeout"),
            },
            enabled_plugins: EnabledPlugins {
                backends: r.bool_map("enabled_plugins.backends"),
                services: r.bool_map("enabled_plugins.services"),
                views: r.bool_map("enabled_plugins.views"),
            },
            log_level: r.choice("log_level", LOG_LEVELS),
            log_filename: r.opt_string("log_filename").map(PathBuf::from),
            debug: r.bool("debug"),
            user: r.opt_string("user"),
            lookup_service: read_service_pool(&mut r, "lookup_service"),
            reverse_service: read_service_pool(&mut r, "reverse_service"),
            favorites_service: read_service_pool(&mut r, "favorites_service"),
            contact_cache: r.bool("contact_cache.enabled"),
            contact_cache_max_contacts: r.uint("contact_cache.max_contacts"),
            confd_resync_interval: r.positive_seconds("contact_cache.resync_interval"),
            metrics: Metrics {
                enabled: r.bool("metrics.enabled"),
                listen: r.string("metrics.listen"),
                port: r.opt_port("metrics.port"),
            },
            source_actors: SourceActors {
                restart_backoff_min: r.positive_seconds("source_actors.restart_backoff_min"),
                restart_backoff_max: r.positive_seconds("source_actors.restart_backoff_max"),
                max_concurrency: r.uint("source_actors.max_concurrency").max(1),
                breaker_threshold: r.uint("source_actors.breaker_threshold"),
                probe_timeout: r.positive_seconds("source_actors.probe_timeout"),
                threads: r.uint("source_actors.threads"),
            },
            cloud_contacts: CloudContacts {
                cache_ttl: r.seconds("cloud_contacts.cache_ttl"),
                timeout: r.positive_seconds("cloud_contacts.timeout"),
                google_url: r.string("cloud_contacts.google_url"),
                microsoft_url: r.string("cloud_contacts.microsoft_url"),
            },
            consul: Consul {
                scheme: r.choice("consul.scheme", &["http", "https"]),
                host: r.opt_string("consul.host"),
                port: r.port("consul.port"),
                token: r.opt_string("consul.token"),
            },
            service_discovery: ServiceDiscovery {
                enabled: r.bool("service_discovery.enabled"),
                advertise_address: r.string("service_discovery.advertise_address"),
                advertise_port: r.port("service_discovery.advertise_port"),
                advertise_address_interface: r
                    .string("service_discovery.advertise_address_interface"),
                refresh_interval: r.seconds("service_discovery.refresh_interval"),
                retry_interval: r.seconds("service_discovery.retry_interval"),
                ttl_interval: r.seconds("service_discovery.ttl_interval"),
                extra_tags: r.string_list("service_discovery.extra_tags"),
            },
            uuid: r.opt_string("uuid"),
        };
        // Keys wazo-dird accepts but that carry free-form or unused data.
        // Free-form keys, and the declared resources (validated by their own validators).
        for free_form in [
            "services",
            "source_config_dir",
            "lookup_timeout",
            "rest_api.cors",
            "sources",
            "displays",
            "profiles",
        ] {
            r.raw(free_form);
        }
        validate_cross_fields(&config, &mut r);
        let unknown = r.unknown_keys();
        r.finish().map(|()| (config, unknown))
    }

    /// The effective log level name (`debug` forces `debug`).
    pub fn effective_log_level(&self) -> &str {
        if self.debug {
            "debug"
        } else {
            &self.log_level
        }
    }
}

fn read_service_pool(r: &mut Reader<'_>, section: &str) -> ServicePool {
    ServicePool {
        executor_workers: r.opt_uint(&format!("{section}.executor_workers")),
        timeout: r.positive_seconds(&format!("{section}.timeout")),
    }
}

fn read_rest_api(r: &mut Reader<'_>) -> RestApi {
    RestApi {
        listen: r.string("rest_api.listen"),
        port: r.port("rest_api.port"),
        certificate: r.opt_string("rest_api.certificate").map(PathBuf::from),
        private_key: r.opt_string("rest_api.private_key").map(PathBuf::from),
        cors: Cors {
            enabled: r.bool("rest_api.cors.enabled"),
            allow_headers: r.string_list("rest_api.cors.allow_headers"),
        },
        min_threads: r.uint("rest_api.min_threads"),
        max_threads: r.uint("rest_api.max_threads"),
        max_body_size: r.uint("rest_api.max_body_size").max(1024),
        max_import_size: r.uint("rest_api.max_import_size").max(1024),
        shutdown_timeout: r.seconds("rest_api.shutdown_timeout"),
    }
}

fn read_http_service(r: &mut Reader<'_>, section: &str) -> HttpService {
    HttpService {
        host: r.string(&format!("{section}.host")),
        port: r.port(&format!("{section}.port")),
        prefix: r.opt_string(&format!("{section}.prefix")),
        https: r.bool(&format!("{section}.https")),
        verify_certificate: r.bool(&format!("{section}.verify_certificate")),
        timeout: r.seconds(&format!("{section}.timeout")),
    }
}

fn read_auth(r: &mut Reader<'_>) -> Auth {
    let backend = match r.choice("auth.backend", &["wazo-auth", "static"]).as_str() {
        "static" => AuthBackend::Static,
        _ => AuthBackend::WazoAuth,
    };
    Auth {
        backend,
        server: read_http_service(r, "auth"),
        key_file: r.opt_string("auth.key_file").map(PathBuf::from),
        username: r.opt_string("auth.username"),
        password: r.opt_string("auth.password"),
        master_tenant_uuid: r.opt_string("auth.master_tenant_uuid"),
        cache_ttl: r.seconds("auth.cache_ttl"),
        static_tokens_file: r.opt_string("auth.static_tokens_file").map(PathBuf::from),
    }
}

fn validate_cross_fields(config: &Config, r: &mut Reader<'_>) {
    let tls = &config.rest_api;
    if tls.certificate.is_some() != tls.private_key.is_some() {
        r.error(
            "rest_api.certificate",
            "`certificate` and `private_key` must be set together",
        );
    }
    if tls.min_threads > tls.max_threads {
        r.error(
            "rest_api.min_threads",
            "must not exceed `rest_api.max_threads`",
        );
    }
    if config.auth.backend == AuthBackend::Static && config.auth.static_tokens_file.is_none() {
        r.error(
            "auth.static_tokens_file",
            "required when `auth.backend` is `static`",
        );
    }
    if let Some(uri) = &config.db_uri {
        if let Err(e) = uri.parse::<tokio_postgres::Config>() {
            r.error("db_uri", format!("not a valid PostgreSQL URI: {e}"));
        }
    }
    if let Some(master) = &config.auth.master_tenant_uuid {
        if uuid::Uuid::parse_str(master).is_err() {
            r.error("auth.master_tenant_uuid", "must be a UUID");
        }
    }
}
