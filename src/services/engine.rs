//! The engine of the directory actor: scatter-gather over a profile's source actors, with a
//! deadline per source and per request. Each query runs as its own task (the directory actor spawns
//! it), so no request waits for another. Deadlines: each source gets its own `timeout` (else the
//! service's default from YAML), and the profile service's `options.timeout` bounds the request.

use super::source_actor::{
    self, SourceRegistry, SourceRequest, SourceResponse, SourceResult, SourceWorker,
};
use crate::backends::{Context, Deps};
use crate::resources::catalog::Index;
use crate::resources::profiles::model::Profile;
use crate::resources::sources::model::Source;
use crate::resources::sources::service::SourceService;
use actors::{gather, Address, CallError, HistogramSnapshot, SupervisorConfig};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

mod reverse;
pub use reverse::TierHits;

/// Default per-source timeouts of each service, in seconds (`*_service.timeout`).
#[derive(Debug, Clone, Copy)]
pub struct ServiceTimeouts {
    pub lookup: f64,
    pub reverse: f64,
    pub favorites: f64,
}

/// The source actors (one supervised actor per source of an enabled backend, in a registry the
/// directory actor reconciles with the catalog), what their backends share, and the default
/// timeouts of the queries.
#[derive(Debug)]
pub struct Engine {
    sources: Arc<SourceService>,
    registry: SourceRegistry,
    enabled_backends: Vec<String>,
    deps: Deps,
    timeouts: ServiceTimeouts,
    tier_hits: TierHits,
}

impl Engine {
    /// Must be called inside a tokio runtime (the actors run on `supervision.runtime`, else on it).
    pub fn new(
        sources: Arc<SourceService>,
        enabled_backends: Vec<String>,
        supervision: SupervisorConfig,
        deps: Deps,
        timeouts: ServiceTimeouts,
    ) -> Self {
        Engine {
            sources,
            registry: source_actor::registry(supervision, deps.clone()),
            enabled_backends,
            deps,
            timeouts,
            tier_hits: TierHits::default(),
        }
    }

    /// Starts, restarts or stops actors so that they match `sources` (the directory actor calls
    /// this after each change it applies).
    pub(crate) fn reconcile(&self, sources: &Index<Source>) {
        let desired: HashMap<String, Arc<Source>> = sources
            .all()
            .iter()
            .filter(|source| self.enabled_backends.contains(&source.backend))
            .map(|source| (source.uuid.clone(), Arc::clone(source)))
            .collect();
        let diff = self.registry.apply(desired);
        if !(diff.started.is_empty() && diff.restarted.is_empty() && diff.stopped.is_empty()) {
            tracing::info!(started = ?diff.started, restarted = ?diff.restarted, stopped = ?diff.stopped, "source actors reconciled");
        }
    }

    /// What the sources that read wazo-confd share (their copies follow wazo-confd's events).
    pub fn confd(&self) -> &Arc<crate::backends::confd::ConfdHub> {
        &self.deps.confd
    }

    /// The numbers reverse lookups named, by tier.
    pub fn tier_hits(&self) -> &TierHits {
        &self.tier_hits
    }

    /// The tenants' countries, by which numbers are compared.
    pub fn countries(&self) -> &Arc<crate::numbers::Countries> {
        &self.deps.countries
    }

    /// Each running source with its actor's address (for `/0.1/status` and `/metrics`).
    pub fn running(&self) -> Vec<(Arc<Source>, Address<SourceWorker>)> {
        self.registry
            .keys()
            .into_iter()
            .filter_map(|uuid| Some((self.sources.get_any(&uuid)?, self.registry.get(&uuid)?)))
            .collect()
    }

    /// Warms every running source (built, its copy loaded: [`crate::backends::Backend::warm_up`]),
    /// all at once, each until `limit` at most; answers the names of those that are not warm, with
    /// why (their load failed and was logged, the source cannot be built, or it took too long).
    pub async fn warm_up(&self, limit: Duration) -> Vec<(String, String)> {
        let deadline = Instant::now() + limit;
        let calls = self
            .running()
            .into_iter()
            .map(|(source, address)| async move {
                match address.call(SourceRequest::WarmUp, deadline).await {
                    Ok(_) => None,
                    Err(error) => Some((source.name.clone(), error.to_string())),
                }
            });
        futures_util::future::join_all(calls)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Each running source's actor state and counters, by source uuid (for `/0.1/status`).
    pub fn health(&self) -> BTreeMap<String, SourceHealth> {
        self.running()
            .into_iter()
            .map(|(source, address)| {
                (
                    source.uuid.clone(),
                    SourceHealth::of(&source, address.stats()),
                )
            })
            .collect()
    }

    /// The deadline of one source: its own `timeout`, if it has one, within the request's budget.
    fn deadline(source: &Source, budget: Instant) -> Instant {
        match source.timeout {
            Some(own) => (Instant::now() + Duration::from_secs_f64(own)).min(budget),
            None => budget,
        }
    }

    /// The request's budget: the profile service's `options.timeout`, else the service default.
    fn budget(&self, profile: &Profile, service: Service) -> Instant {
        let timeout = profile
            .services
            .get(service.name())
            .and_then(|s| s.options.timeout)
            .unwrap_or(match service {
                Service::Lookup => self.timeouts.lookup,
                Service::Reverse => self.timeouts.reverse,
                Service::Favorites => self.timeouts.favorites,
            });
        Instant::now() + Duration::from_secs_f64(timeout)
    }

    /// Sends `request` to a source; a source whose backend is disabled or unknown is unavailable.
    async fn call(
        &self,
        uuid: &str,
        request: SourceRequest,
        deadline: Instant,
    ) -> Result<SourceResponse, CallError> {
        match self.registry.get(&uuid.to_owned()) {
            Some(address) => address.call(request, deadline).await,
            None => Err(CallError::Unavailable),
        }
    }

    /// The scatter: one call per source of the profile's `service` (each source once, in the
    /// profile's order), with the request `request` builds for it (`None`: the source is not
    /// asked), each under its own deadline within the service's budget.
    fn scatter<'a>(
        &'a self,
        profile: &Profile,
        service: Service,
        mut request: impl FnMut(&Source) -> Option<SourceRequest>,
    ) -> Vec<(
        String,
        impl Future<Output = Result<SourceResponse, CallError>> + 'a,
    )> {
        let budget = self.budget(profile, service);
        profile_sources(profile, service)
            .into_iter()
            .filter_map(|uuid| {
                let source = self.sources.get_any(&uuid)?;
                let request = request(&source)?;
                let deadline = Self::deadline(&source, budget);
                Some((uuid.clone(), async move {
                    self.call(&uuid, request, deadline).await
                }))
            })
            .collect()
    }

    /// The scatter, then every answer gathered by its deadline: the answers in the profile's
    /// source order, whichever came first (so that instances agree); the sources that failed are
    /// logged and skipped.
    async fn scatter_gather(
        &self,
        profile: &Profile,
        service: Service,
        request: impl FnMut(&Source) -> Option<SourceRequest>,
    ) -> Vec<SourceResponse> {
        let calls = self
            .scatter(profile, service, request)
            .into_iter()
            .enumerate();
        let mut gathered =
            gather(calls.map(|(position, (uuid, call))| ((position, uuid), call))).await;
        let failures: Vec<(String, CallError)> = gathered
            .failures
            .into_iter()
            .map(|((_, uuid), error)| (uuid, error))
            .collect();
        log_failures(service.name(), &failures);
        gathered.results.sort_by_key(|((position, _), _)| *position);
        gathered
            .results
            .into_iter()
            .map(|(_, answer)| answer)
            .collect()
    }

    /// Every source of the profile's `lookup` service searched for `term`, results concatenated in
    /// the profile's source order, each source's in its own order (no dedup; wazo-dird
    /// concatenates in completion order, so instances disagreed).
    pub async fn lookup(
        &self,
        profile: &Profile,
        term: &str,
        context: &Context,
    ) -> Vec<SourceResult> {
        let answers = self
            .scatter_gather(profile, Service::Lookup, |_| {
                Some(SourceRequest::Search {
                    term: term.to_owned(),
                    context: context.clone(),
                })
            })
            .await;
        contacts(answers)
    }

    /// A dial-pad search of `digits` ([`crate::text::t9`]) in every source of the profile's
    /// `lookup` service: the names they spell and the ordinary lookup of the digits, ranked
    /// (number, word, across words, initials, the rest), the profile's source order within a
    /// rank. Fewer than [`crate::text::t9::MIN_DIGITS`] digits: the ordinary lookup only.
    pub async fn dial(
        &self,
        profile: &Profile,
        digits: &str,
        context: &Context,
    ) -> Vec<SourceResult> {
        if digits.len() < crate::text::t9::MIN_DIGITS {
            return self.lookup(profile, digits, context).await;
        }
        let answers = self
            .scatter_gather(profile, Service::Lookup, |_| {
                Some(SourceRequest::Dial {
                    digits: digits.to_owned(),
                    context: context.clone(),
                })
            })
            .await;
        let mut ranked: Vec<_> = answers
            .into_iter()
            .flat_map(|answer| match answer {
                SourceResponse::Ranked(ranked) => ranked,
                _ => Vec::new(),
            })
            .collect();
        ranked.sort_by_key(|(rank, _)| *rank);
        ranked.into_iter().map(|(_, result)| result).collect()
    }

    /// The contacts of the profile's `favorites` sources whose ids are given, by source name.
    pub async fn favorites(
        &self,
        profile: &Profile,
        ids_by_source: &HashMap<String, Vec<String>>,
        context: &Context,
    ) -> Vec<SourceResult> {
        let answers = self
            .scatter_gather(profile, Service::Favorites, |source| {
                let ids = ids_by_source
                    .get(&source.name)
                    .filter(|ids| !ids.is_empty())?;
                Some(SourceRequest::List {
                    ids: ids.clone(),
                    context: context.clone(),
                })
            })
            .await;
        contacts(answers)
    }

    /// The contacts of one source whose ids are given (the personal contacts view), under the
    /// favorites' default timeout.
    pub async fn contacts_of(
        &self,
        source_uuid: &str,
        ids: Vec<String>,
        context: &Context,
    ) -> Vec<SourceResult> {
        let deadline = Instant::now() + Duration::from_secs_f64(self.timeouts.favorites);
        let request = SourceRequest::List {
            ids,
            context: context.clone(),
        };
        match self.call(source_uuid, request, deadline).await {
            Ok(answer) => contacts(vec![answer]),
            Err(error) => {
                log_failures("personal", &[(source_uuid.to_owned(), error)]);
                Vec::new()
            }
        }
    }
}

/// A profile's services that ask its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Lookup,
    Reverse,
    Favorites,
}

impl Service {
    /// The service's name in a profile (`services.<name>`) and in the logs.
    pub fn name(self) -> &'static str {
        match self {
            Service::Lookup => "lookup",
            Service::Reverse => "reverse",
            Service::Favorites => "favorites",
        }
    }
}

/// The sources of the profile's `service`, each once, in the profile's order.
fn profile_sources(profile: &Profile, service: Service) -> Vec<String> {
    let mut seen = HashSet::new();
    profile
        .services
        .get(service.name())
        .map(|s| {
            s.sources
                .iter()
                .filter(|uuid| seen.insert((*uuid).clone()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn log_failures(service: &str, failures: &[(String, CallError)]) {
    for (uuid, error) in failures {
        tracing::info!(service, source = %uuid, %error, "source skipped");
    }
}

/// The contacts of every `Contacts` answer, in the answers' order (each keeps its own).
fn contacts(answers: Vec<SourceResponse>) -> Vec<SourceResult> {
    answers
        .into_iter()
        .flat_map(|response| match response {
            SourceResponse::Contacts(contacts) => contacts,
            _ => Vec::new(),
        })
        .collect()
}

/// An engine for unit tests: the given backends enabled, 1 s timeouts, no database.
#[cfg(test)]
pub(crate) fn for_tests(
    sources: Arc<SourceService>,
    enabled_backends: Vec<String>,
    storage: crate::storage::Storage,
) -> Engine {
    Engine::new(
        sources,
        enabled_backends,
        crate::config::Config::builtin()
            .source_actors
            .supervision(None),
        Deps {
            storage,
            confd: Arc::new(crate::backends::confd::ConfdHub::new(None)),
            cloud: std::sync::Arc::default(),
            countries: std::sync::Arc::default(),
        },
        ServiceTimeouts {
            lookup: 1.0,
            reverse: 1.0,
            favorites: 1.0,
        },
    )
}

/// A running source as `/0.1/status` shows it: its actor's state and counters.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceHealth {
    pub name: String,
    pub backend: String,
    pub tenant_uuid: String,
    /// `starting`, `up`, or `down` (its breaker is open: lookups skip it).
    pub state: &'static str,
    pub requests: u64,
    pub failures: u64,
    pub timeouts: u64,
    pub restarts: u64,
    pub breaker_opens: u64,
    /// Requests skipped at once because the source was saturated.
    pub shed: u64,
    #[serde(serialize_with = "latency_json")]
    pub latency: HistogramSnapshot,
    /// Why the source is not up, while it is not.
    pub reason: Option<String>,
}

/// A histogram as `/0.1/status` writes it: `{count, sum, buckets}`, each bucket by its bound
/// (`0.005`, `+Inf`...), in their order.
fn latency_json<S: serde::Serializer>(
    latency: &HistogramSnapshot,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    struct Buckets<'a>(&'a [(f64, u64)]);
    impl serde::Serialize for Buckets<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(
                self.0
                    .iter()
                    .map(|(bound, count)| (bucket_name(*bound), count)),
            )
        }
    }
    let mut map = serializer.serialize_map(Some(3))?;
    map.serialize_entry("count", &latency.count)?;
    map.serialize_entry("sum", &latency.sum)?;
    map.serialize_entry("buckets", &Buckets(&latency.buckets))?;
    map.end()
}

impl SourceHealth {
    fn of(source: &Source, stats: &actors::Stats) -> Self {
        let count = |counter: &std::sync::atomic::AtomicU64| {
            counter.load(std::sync::atomic::Ordering::Relaxed)
        };
        SourceHealth {
            name: source.name.clone(),
            backend: source.backend.clone(),
            tenant_uuid: source.tenant_uuid.clone(),
            state: stats.state_name(),
            requests: count(&stats.requests),
            failures: count(&stats.failures),
            timeouts: count(&stats.timeouts),
            restarts: count(&stats.restarts),
            breaker_opens: count(&stats.breaker_opens),
            shed: count(&stats.shed),
            latency: stats.latency.snapshot(),
            reason: (!stats.is_up()).then(|| stats.last_error()).flatten(),
        }
    }
}

/// A bucket's upper bound as Prometheus writes it (`0.005`, `1`, `+Inf`).
pub fn bucket_name(bound: f64) -> String {
    if bound.is_infinite() {
        "+Inf".to_owned()
    } else {
        bound.to_string()
    }
}
