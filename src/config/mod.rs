//! Typed settings of the daemon.
//!
//! Each section is a serde struct below, spelled once with its doc comments; the checks a type
//! does not make are named on the field (`values`). The defaults live in one place,
//! `config/config.yml` (embedded at build time), which is also the file packaged as
//! `/etc/wazo-dird/config.yml`. [`load()`] layers the defaults, the main file, the `conf.d` files,
//! the key file's credentials and the command line with the `config` crate (`layers`), then
//! `typed` reads the merged tree into [`Config`] and reports every error at once, each with its key
//! and the file it came from (decision 0005 says why serde reads the tree rather than `config`).

mod cli;
mod layers;
mod load;
mod tree;
mod typed;
mod values;

pub use cli::Cli;
pub use load::{load, LoadError, Loaded};
pub use tree::Tree;
pub use typed::ConfigError;

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The built-in defaults: every key wazo-dird knows, with its default value.
pub const DEFAULTS_YAML: &str = include_str!("../../config/config.yml");

/// The whole validated configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// The main configuration file that was read.
    pub config_file: PathBuf,
    /// The folder of `.yml` files that override the main file (first file in alphabetical order wins).
    pub extra_config_files: PathBuf,
    /// PostgreSQL connection URI; `None` runs without a database (routes that need one answer 503).
    #[serde(deserialize_with = "values::opt_string")]
    pub db_uri: Option<String>,
    /// Seconds a statement may run before PostgreSQL cancels it.
    #[serde(deserialize_with = "values::positive_seconds")]
    pub db_statement_timeout: f64,
    /// Most connections this instance opens to PostgreSQL (`None`: from `rest_api.max_threads`,
    /// at most 64).
    pub db_pool_size: Option<u64>,
    /// Seconds a request that needs the database waits, at start, for the first connection and
    /// migration to end, instead of answering 503 while the schema is being made.
    #[serde(deserialize_with = "values::positive_seconds")]
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
    #[serde(deserialize_with = "values::log_level")]
    pub log_level: String,
    /// The log file; `None` logs to stderr only.
    #[serde(deserialize_with = "values::opt_path")]
    pub log_filename: Option<PathBuf>,
    /// Forces the `debug` log level.
    pub debug: bool,
    /// The system user to become after binding the port (required when started as root).
    #[serde(deserialize_with = "values::opt_string")]
    pub user: Option<String>,
    /// Settings of the three scatter-gather services.
    pub lookup_service: ServicePool,
    pub reverse_service: ServicePool,
    pub favorites_service: ServicePool,
    /// Supervision of the source actors.
    pub source_actors: SourceActors,
    /// The Prometheus `/metrics` route.
    pub metrics: Metrics,
    /// The in-memory copies of contacts.
    pub contact_cache: ContactCache,
    /// How reverse lookups compare numbers written differently.
    pub number_matching: NumberMatching,
    /// `cloud_contacts`: the users' Google and Microsoft 365 address books.
    pub cloud_contacts: CloudContacts,
    /// The Consul agent used for service discovery.
    pub consul: Consul,
    /// Registration in Consul.
    pub service_discovery: ServiceDiscovery,
    /// This Wazo stack's uuid, from the `XIVO_UUID` environment variable (in no file).
    #[serde(default, deserialize_with = "values::opt_string")]
    pub uuid: Option<String>,
}

/// `rest_api` section.
#[derive(Debug, Clone, Deserialize)]
pub struct RestApi {
    /// Address to listen on.
    pub listen: String,
    /// Port to listen on.
    #[serde(deserialize_with = "values::port")]
    pub port: u16,
    /// PEM certificate chain; with `private_key`, serves HTTPS (rustls).
    #[serde(deserialize_with = "values::opt_path")]
    pub certificate: Option<PathBuf>,
    /// PEM private key matching `certificate`.
    #[serde(deserialize_with = "values::opt_path")]
    pub private_key: Option<PathBuf>,
    /// Cross-origin resource sharing.
    pub cors: Cors,
    /// Lower bound of worker threads (wazo-dird's elastic pool); here the minimum of HTTP workers.
    pub min_threads: u64,
    /// Upper bound of worker threads; here it caps HTTP workers.
    pub max_threads: u64,
    /// Largest JSON request body, in bytes.
    #[serde(deserialize_with = "values::body_size")]
    pub max_body_size: u64,
    /// Largest CSV import body, in bytes.
    #[serde(deserialize_with = "values::body_size")]
    pub max_import_size: u64,
    /// Seconds a stop (SIGTERM) waits for in-flight requests, then for the bus backlog.
    #[serde(deserialize_with = "values::seconds")]
    pub shutdown_timeout: f64,
}

/// `rest_api.cors` section.
#[derive(Debug, Clone, Deserialize)]
pub struct Cors {
    /// Answer CORS preflights and add CORS headers.
    pub enabled: bool,
    /// Request headers a browser may send.
    pub allow_headers: Vec<String>,
}

/// `auth` section.
#[derive(Debug, Clone, Deserialize)]
pub struct Auth {
    /// `wazo-auth` (check every token with wazo-auth) or `static` (tokens from `static_tokens_file`).
    #[serde(deserialize_with = "values::auth_backend")]
    pub backend: AuthBackend,
    /// The wazo-auth server's address, port, prefix (e.g. `/api/auth` behind nginx), scheme,
    /// certificate check and timeout: the keys of [`HttpService`], which sit in `auth` itself
    /// (read one by one, since serde's `flatten` would lose the key of a wrong value).
    pub host: String,
    #[serde(deserialize_with = "values::port")]
    pub port: u16,
    #[serde(deserialize_with = "values::opt_string")]
    pub prefix: Option<String>,
    pub https: bool,
    pub verify_certificate: bool,
    #[serde(deserialize_with = "values::seconds")]
    pub timeout: f64,
    /// YAML file with `service_id` and `service_key`, the daemon's own credentials.
    #[serde(deserialize_with = "values::opt_path")]
    pub key_file: Option<PathBuf>,
    /// The daemon's wazo-auth username (from `key_file` when set there).
    #[serde(deserialize_with = "values::opt_string")]
    pub username: Option<String>,
    /// The daemon's wazo-auth password (from `key_file` when set there). Never logged nor returned.
    #[serde(deserialize_with = "values::opt_string")]
    pub password: Option<String>,
    /// The master tenant; when unset it is the tenant of the daemon's own token.
    #[serde(deserialize_with = "values::opt_string")]
    pub master_tenant_uuid: Option<String>,
    /// Seconds a token check is remembered (0 disables the cache).
    #[serde(deserialize_with = "values::seconds")]
    pub cache_ttl: f64,
    /// For `backend: static`: the YAML file of tokens and tenants.
    #[serde(deserialize_with = "values::opt_path")]
    pub static_tokens_file: Option<PathBuf>,
}

impl Auth {
    /// The wazo-auth server.
    pub fn server(&self) -> HttpService {
        HttpService {
            host: self.host.clone(),
            port: self.port,
            prefix: self.prefix.clone(),
            https: self.https,
            verify_certificate: self.verify_certificate,
            timeout: self.timeout,
        }
    }
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
#[derive(Debug, Clone, Deserialize)]
pub struct HttpService {
    pub host: String,
    #[serde(deserialize_with = "values::port")]
    pub port: u16,
    /// Path prefix, e.g. `/api/auth` behind nginx.
    #[serde(deserialize_with = "values::opt_string")]
    pub prefix: Option<String>,
    pub https: bool,
    /// Check the server's certificate.
    pub verify_certificate: bool,
    /// Seconds before a request is abandoned.
    #[serde(deserialize_with = "values::seconds")]
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
#[derive(Debug, Clone, Deserialize)]
pub struct Bus {
    pub enabled: bool,
    pub username: String,
    /// Never logged nor returned.
    pub password: String,
    pub host: String,
    #[serde(deserialize_with = "values::port")]
    pub port: u16,
    pub exchange_name: String,
    #[serde(deserialize_with = "values::exchange_type")]
    pub exchange_type: String,
    /// Events kept while the broker is away (the oldest are dropped beyond this, and logged).
    #[serde(deserialize_with = "values::at_least_one")]
    pub backlog_size: usize,
    /// The durable queue the instances of a cluster share to consume other services' events.
    pub queue_name: String,
    /// Attempts of a consumed event whose handler fails, before it goes to the dead-letter queue.
    #[serde(deserialize_with = "values::at_least_one")]
    pub handler_attempts: u32,
    /// Seconds the broker has to confirm a published event (or to accept a connection).
    #[serde(deserialize_with = "values::positive_seconds")]
    pub confirm_timeout: f64,
}

/// `enabled_plugins` section: name → on/off. Unknown names are tolerated, as in wazo-dird.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EnabledPlugins {
    #[serde(deserialize_with = "values::switches")]
    pub backends: BTreeMap<String, bool>,
    #[serde(deserialize_with = "values::switches")]
    pub services: BTreeMap<String, bool>,
    #[serde(deserialize_with = "values::switches")]
    pub views: BTreeMap<String, bool>,
}

/// `lookup_service`, `reverse_service`, `favorites_service` sections.
#[derive(Debug, Clone, Deserialize)]
pub struct ServicePool {
    /// wazo-dird's thread-pool size; kept for compatibility (requests here are async, not pooled).
    pub executor_workers: Option<u64>,
    /// Seconds a request may take when its profile sets no `options.timeout`.
    #[serde(deserialize_with = "values::positive_seconds")]
    pub timeout: f64,
}

/// `contact_cache` section.
#[derive(Debug, Clone, Deserialize)]
pub struct ContactCache {
    /// Lookups in phonebooks, personal contacts, wazo-confd users and conference rooms read an
    /// in-memory copy.
    pub enabled: bool,
    /// Most phonebook and personal contacts held in memory.
    pub max_contacts: u64,
    /// Seconds between two full reloads of a wazo-confd copy (the safety net behind
    /// wazo-confd's bus events).
    #[serde(deserialize_with = "values::positive_seconds")]
    pub resync_interval: f64,
}

/// `number_matching` section (not in wazo-dird): the rule of reverse lookups (docs/plugins.md).
#[derive(Debug, Clone, Deserialize)]
pub struct NumberMatching {
    /// The country of a tenant that has none (ISO 3166 alpha-2), else numbers without a country
    /// code are compared by their last digits only.
    #[serde(deserialize_with = "values::opt_country")]
    pub default_country: Option<String>,
    /// Numbers of at most this many digits (extensions, feature codes, emergency numbers) match
    /// their exact string only.
    pub short_number_max_digits: usize,
    /// How many last digits must be equal for a match by suffix.
    #[serde(deserialize_with = "values::at_least_one")]
    pub suffix_min_digits: usize,
}

impl NumberMatching {
    pub fn settings(&self) -> crate::numbers::Settings {
        crate::numbers::Settings {
            default_country: self
                .default_country
                .as_deref()
                .and_then(crate::numbers::country),
            short_number_max_digits: self.short_number_max_digits,
            suffix_min_digits: self.suffix_min_digits,
        }
    }
}

/// `metrics` section (not in wazo-dird): Prometheus metrics.
#[derive(Debug, Clone, Deserialize)]
pub struct Metrics {
    /// Serve `GET /metrics` (on the API with ACL `dird.metrics.read`).
    pub enabled: bool,
    /// Address of the listener of its own (no token), when `port` is set.
    pub listen: String,
    /// Port of a listener serving only `/metrics`, without a token.
    #[serde(deserialize_with = "values::opt_port")]
    pub port: Option<u16>,
}

/// `source_actors` section: supervision of the source actors.
#[derive(Debug, Clone, Deserialize)]
pub struct SourceActors {
    /// Seconds before the first restart of a broken source.
    #[serde(deserialize_with = "values::positive_seconds")]
    pub restart_backoff_min: f64,
    /// Longest wait between restarts.
    #[serde(deserialize_with = "values::positive_seconds")]
    pub restart_backoff_max: f64,
    /// Requests one source serves at once.
    #[serde(deserialize_with = "values::at_least_one")]
    pub max_concurrency: usize,
    /// Requests waiting for a source beyond `max_concurrency` before callers are refused.
    #[serde(deserialize_with = "values::at_least_one")]
    pub mailbox: usize,
    /// Timeouts or failed requests in a row that open a source's breaker (0: off).
    pub breaker_threshold: u32,
    /// Seconds the probe of a rebuilt source may take before its breaker closes.
    #[serde(deserialize_with = "values::positive_seconds")]
    pub probe_timeout: f64,
    /// Threads of the runtime the source actors run on (0: one per core).
    pub threads: u64,
}

impl SourceActors {
    /// The supervision of each source actor, on `runtime` (`None`: the caller's).
    pub fn supervision(&self, runtime: Option<tokio::runtime::Handle>) -> actors::SupervisorConfig {
        use std::time::Duration;
        actors::SupervisorConfig {
            min_backoff: Duration::from_secs_f64(self.restart_backoff_min),
            max_backoff: Duration::from_secs_f64(self.restart_backoff_max),
            max_concurrency: self.max_concurrency,
            mailbox: self.mailbox,
            breaker_threshold: self.breaker_threshold,
            probe_timeout: Duration::from_secs_f64(self.probe_timeout),
            runtime,
        }
    }
}

/// `cloud_contacts`.
#[derive(Debug, Clone, Deserialize)]
pub struct CloudContacts {
    /// Seconds a user's Google or Microsoft 365 address book is kept before it is read again in
    /// the background (the kept one answering meanwhile).
    #[serde(deserialize_with = "values::seconds")]
    pub cache_ttl: f64,
    /// Seconds each request to Google, Microsoft Graph or wazo-auth may take.
    #[serde(deserialize_with = "values::positive_seconds")]
    pub timeout: f64,
    /// Google's People API (a stand-in's address in tests).
    pub google_url: String,
    /// Microsoft Graph's address.
    pub microsoft_url: String,
}

/// `consul` section.
#[derive(Debug, Clone, Deserialize)]
pub struct Consul {
    /// `http` or `https`.
    #[serde(deserialize_with = "values::scheme")]
    pub scheme: String,
    /// The consul agent (`None`: no registration).
    #[serde(deserialize_with = "values::opt_string")]
    pub host: Option<String>,
    #[serde(deserialize_with = "values::port")]
    pub port: u16,
    /// Never logged nor returned.
    #[serde(deserialize_with = "values::opt_string")]
    pub token: Option<String>,
}

/// `service_discovery` section.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceDiscovery {
    /// Registers the daemon with consul as `wazo-dird`.
    pub enabled: bool,
    /// The address announced (`auto`: the address of `advertise_address_interface`).
    pub advertise_address: String,
    #[serde(deserialize_with = "values::port")]
    pub advertise_port: u16,
    /// The interface whose address is announced when `advertise_address` is `auto`.
    pub advertise_address_interface: String,
    /// Seconds between TTL check passes.
    #[serde(deserialize_with = "values::seconds")]
    pub refresh_interval: f64,
    /// Seconds before a failed registration is tried again.
    #[serde(deserialize_with = "values::seconds")]
    pub retry_interval: f64,
    /// Seconds the check stays passing without a refresh.
    #[serde(deserialize_with = "values::seconds")]
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
    /// The built-in defaults alone, read as the daemon reads them.
    #[cfg(test)]
    pub fn builtin() -> Config {
        load::builtin()
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

/// What no single value says: keys that go together, and values parsed by another crate.
fn check_together(config: &Config, tree: &Tree) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let mut error = |key: &str, message: String| errors.push(ConfigError::at(tree, key, message));
    let rest = &config.rest_api;
    if rest.certificate.is_some() != rest.private_key.is_some() {
        error(
            "rest_api.certificate",
            "`certificate` and `private_key` must be set together".into(),
        );
    }
    if rest.min_threads > rest.max_threads {
        error(
            "rest_api.min_threads",
            "must not exceed `rest_api.max_threads`".into(),
        );
    }
    if config.auth.backend == AuthBackend::Static && config.auth.static_tokens_file.is_none() {
        error(
            "auth.static_tokens_file",
            "required when `auth.backend` is `static`".into(),
        );
    }
    if let Some(uri) = &config.db_uri {
        if let Err(e) = uri.parse::<tokio_postgres::Config>() {
            error("db_uri", format!("not a valid PostgreSQL URI: {e}"));
        }
    }
    if let Some(master) = &config.auth.master_tenant_uuid {
        if uuid::Uuid::parse_str(master).is_err() {
            error("auth.master_tenant_uuid", "must be a UUID".into());
        }
    }
    errors
}
