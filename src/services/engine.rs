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
use actors::{first_match, gather, Address, CallError, SupervisorConfig};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

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

    /// What a backend may use, for the views that query a source outside its actor.
    pub fn deps(&self) -> Deps {
        self.deps.clone()
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
    pub fn health(&self) -> serde_json::Map<String, serde_json::Value> {
        let count = |counter: &std::sync::atomic::AtomicU64| {
            counter.load(std::sync::atomic::Ordering::Relaxed)
        };
        self.running()
            .into_iter()
            .map(|(source, address)| {
                let stats = address.stats();
                let latency = stats.latency.snapshot();
                let buckets: serde_json::Map<String, serde_json::Value> = latency
                    .buckets
                    .iter()
                    .map(|(bound, count)| (bucket_name(*bound), serde_json::json!(count)))
                    .collect();
                (
                    source.uuid.clone(),
                    serde_json::json!({
                        "name": source.name, "backend": source.backend, "tenant_uuid": source.tenant_uuid,
                        "state": stats.state_name(), "requests": count(&stats.requests),
                        "failures": count(&stats.failures), "timeouts": count(&stats.timeouts),
                        "restarts": count(&stats.restarts), "breaker_opens": count(&stats.breaker_opens),
                        "shed": count(&stats.shed),
                        "latency": {"count": latency.count, "sum": latency.sum, "buckets": buckets},
                        "reason": (!stats.is_up()).then(|| stats.last_error()).flatten(),
                    }),
                )
            })
            .collect()
    }

    /// The actor of a source, when its backend is enabled.
    fn address(&self, uuid: &str) -> Option<Address<SourceWorker>> {
        self.registry.get(&uuid.to_owned())
    }

    /// The deadline of one source: its own `timeout`, if it has one, within the request's budget.
    fn deadline(&self, source_uuid: &str, budget: Instant) -> Instant {
        match self.sources.get_any(source_uuid).and_then(|s| s.timeout) {
            Some(own) => (Instant::now() + Duration::from_secs_f64(own)).min(budget),
            None => budget,
        }
    }

    /// The request's budget: the profile service's `options.timeout`, else the service default.
    fn budget(profile: &Profile, service: &str, default: f64) -> Instant {
        let timeout = profile
            .services
            .get(service)
            .and_then(|s| s.options.timeout)
            .unwrap_or(default);
        Instant::now() + Duration::from_secs_f64(timeout)
    }

    fn source_uuids(profile: &Profile, service: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        profile
            .services
            .get(service)
            .map(|s| {
                s.sources
                    .iter()
                    .filter(|uuid| seen.insert((*uuid).clone()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sends `request` to a source; a source whose backend is disabled or unknown is unavailable.
    async fn call(
        &self,
        uuid: String,
        request: SourceRequest,
        deadline: Instant,
    ) -> Result<SourceResponse, CallError> {
        match self.address(&uuid) {
            Some(address) => address.call(request, deadline).await,
            None => Err(CallError::Unavailable),
        }
    }

    fn log_failures(service: &str, failures: &[(String, CallError)]) {
        for (uuid, error) in failures {
            tracing::info!(service, source = %uuid, %error, "source skipped");
        }
    }

    /// Every source of the profile's `lookup` service searched for `term`, results concatenated in
    /// the profile's source order, each source's in its own order, whichever source answered
    /// first (no dedup; wazo-dird concatenates in completion order, so instances disagreed).
    pub async fn lookup(
        &self,
        profile: &Profile,
        term: &str,
        context: &Context,
    ) -> Vec<SourceResult> {
        let budget = Self::budget(profile, "lookup", self.timeouts.lookup);
        let calls = Self::source_uuids(profile, "lookup")
            .into_iter()
            .map(|uuid| {
                let deadline = self.deadline(&uuid, budget);
                let request = SourceRequest::Search {
                    term: term.to_owned(),
                    context: context.clone(),
                };
                (uuid.clone(), self.call(uuid, request, deadline))
            });
        let gathered = gather(calls).await;
        Self::log_failures("lookup", &gathered.failures);
        contacts(gathered.results, &Self::source_uuids(profile, "lookup"))
    }

    /// The first source of the `reverse` service to find `exten` wins (fastest, not profile order).
    pub async fn reverse(
        &self,
        profile: &Profile,
        exten: &str,
        context: &Context,
    ) -> Option<SourceResult> {
        let budget = Self::budget(profile, "reverse", self.timeouts.reverse);
        let calls = Self::source_uuids(profile, "reverse")
            .into_iter()
            .map(|uuid| {
                let deadline = self.deadline(&uuid, budget);
                let request = SourceRequest::FirstMatch {
                    exten: exten.to_owned(),
                    context: context.clone(),
                };
                let call = self.call(uuid.clone(), request, deadline);
                (uuid, async move {
                    call.await.map(|response| match response {
                        SourceResponse::One(found) => found.map(|boxed| *boxed),
                        _ => None,
                    })
                })
            });
        let (found, failures) = first_match(calls).await;
        Self::log_failures("reverse", &failures);
        found.map(|(_, result)| result)
    }
    /// For many numbers at once (bulk caller ID), one contact per number from the profile's reverse
    /// sources, each asked once (`match_all`). When several sources know a number, the first to
    /// answer wins, as in a single reverse lookup (wazo-dird's fix of `reverse_many`, PR #259), so
    /// that GraphQL and REST name a caller alike.
    pub async fn reverse_many(
        &self,
        profile: &Profile,
        extens: &[String],
        context: &Context,
    ) -> HashMap<String, SourceResult> {
        let budget = Self::budget(profile, "reverse", self.timeouts.reverse);
        let calls = Self::source_uuids(profile, "reverse")
            .into_iter()
            .map(|uuid| {
                let deadline = self.deadline(&uuid, budget);
                let request = SourceRequest::MatchAll {
                    extens: extens.to_vec(),
                    context: context.clone(),
                };
                (uuid.clone(), self.call(uuid, request, deadline))
            });
        let gathered = gather(calls).await;
        Self::log_failures("reverse", &gathered.failures);
        let mut found = HashMap::new();
        for (_, response) in gathered.results {
            if let SourceResponse::ByExten(matches) = response {
                for (exten, result) in matches {
                    found.entry(exten).or_insert(result);
                }
            }
        }
        found
    }

    /// The contacts of one source whose ids are given (the personal contacts view).
    pub async fn list_source(
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
        match self.call(source_uuid.to_owned(), request, deadline).await {
            Ok(SourceResponse::Contacts(contacts)) => contacts,
            Ok(_) => Vec::new(),
            Err(error) => {
                Self::log_failures("personal", &[(source_uuid.to_owned(), error)]);
                Vec::new()
            }
        }
    }

    /// The contacts of the profile's `favorites` sources whose ids are given, by source name.
    pub async fn list(
        &self,
        profile: &Profile,
        ids_by_source: &HashMap<String, Vec<String>>,
        context: &Context,
    ) -> Vec<SourceResult> {
        let budget = Self::budget(profile, "favorites", self.timeouts.favorites);
        let calls = Self::source_uuids(profile, "favorites")
            .into_iter()
            .filter_map(|uuid| {
                let source = self.sources.get_any(&uuid)?;
                let ids = ids_by_source
                    .get(&source.name)
                    .filter(|ids| !ids.is_empty())?
                    .clone();
                let deadline = self.deadline(&uuid, budget);
                Some((
                    uuid.clone(),
                    self.call(
                        uuid,
                        SourceRequest::List {
                            ids,
                            context: context.clone(),
                        },
                        deadline,
                    ),
                ))
            });
        let gathered = gather(calls).await;
        Self::log_failures("favorites", &gathered.failures);
        contacts(gathered.results, &Self::source_uuids(profile, "favorites"))
    }
}

/// The contacts of every `Contacts` answer, in the order of `sources` (each answer keeps its own
/// order), whatever the order the answers came in.
fn contacts(mut answers: Vec<(String, SourceResponse)>, sources: &[String]) -> Vec<SourceResult> {
    answers.sort_by_key(|(uuid, _)| sources.iter().position(|source| source == uuid));
    answers
        .into_iter()
        .flat_map(|(_, response)| match response {
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
        SupervisorConfig::default(),
        Deps {
            storage,
            confd: Arc::new(crate::backends::confd::ConfdHub::new(None)),
            cloud: std::sync::Arc::default(),
        },
        ServiceTimeouts {
            lookup: 1.0,
            reverse: 1.0,
            favorites: 1.0,
        },
    )
}

/// A bucket's upper bound as Prometheus writes it (`0.005`, `1`, `+Inf`).
pub fn bucket_name(bound: f64) -> String {
    if bound.is_infinite() {
        "+Inf".to_owned()
    } else {
        bound.to_string()
    }
}
