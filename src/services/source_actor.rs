//! The source actors: each source is a supervised actor around its backend (see `actors`), held in
//! a registry keyed by source uuid and reconciled by diff when sources change.

use crate::backends::{self, Backend, Context, NumberHits, RawContact, Relations, SourceSpec};
use crate::numbers::{Caller, Tiers};
use crate::text::python as format;
use actors::{Factory, Failure, Registry, SupervisorConfig, Worker};
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;

/// A request to a source.
#[derive(Debug, Clone)]
pub enum SourceRequest {
    Search {
        term: String,
        context: Context,
    },
    /// For each number, the contacts holding it, by tier ([`Backend::match_numbers`]).
    Numbers {
        numbers: Arc<[Caller]>,
        context: Context,
    },
    List {
        ids: Vec<String>,
        context: Context,
    },
    /// Answers `One(None)` once the backend is warm ([`Backend::warm_up`]).
    WarmUp,
}

/// A source's answer.
#[derive(Debug, Clone)]
pub enum SourceResponse {
    Contacts(Vec<SourceResult>),
    One(Option<Box<SourceResult>>),
    /// For each number asked, in order.
    Tiered(Vec<Tiers<SourceResult>>),
}

/// `relations` of a result: the backend's relations plus `source_entry_id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResultRelations {
    #[serde(flatten)]
    pub links: Relations,
    pub source_entry_id: Option<String>,
}

/// A contact as a source returns it: raw fields plus its format columns, and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceResult {
    pub source: String,
    pub backend: String,
    pub fields: backends::Fields,
    pub relations: ResultRelations,
    pub is_personal: bool,
}

/// Serves one source: runs the backend and formats what it returns.
#[derive(Debug)]
pub struct SourceWorker {
    spec: Arc<SourceSpec>,
    backend: Arc<dyn Backend>,
}

impl std::fmt::Debug for dyn Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Backend")
    }
}

impl SourceWorker {
    /// Applies `format_columns` (each may use the previous ones, as in wazo-dird) and the unique column.
    fn result(&self, contact: RawContact) -> SourceResult {
        let RawContact {
            mut fields,
            relations,
        } = contact;
        let source_entry_id = self
            .backend
            .unique_column()
            .and_then(|column| fields.get(column))
            .filter(|value| !value.is_null())
            .map(format::python_str);
        format::apply_columns(&self.spec.format_columns, &mut fields);
        SourceResult {
            source: self.spec.name.clone(),
            backend: self.spec.backend.clone(),
            fields,
            relations: ResultRelations {
                links: relations,
                source_entry_id,
            },
            is_personal: self.spec.is::<backends::personal::Personal>(),
        }
    }

    /// For each of `numbers`, what the backend found, by tier: compared here on the first-matched
    /// columns when the backend answered with the contacts it found for the numbers' forms.
    fn tiers(&self, numbers: &[Caller], hits: NumberHits) -> Vec<Tiers<SourceResult>> {
        let tiers = match hits {
            NumberHits::Tiered(tiers) => tiers,
            NumberHits::Found(found) => {
                backends::tiers_of_found(&self.spec.first_matched_columns, numbers, found)
            }
        };
        tiers
            .into_iter()
            .map(|tiers| tiers.map(|c| self.result(c)))
            .collect()
    }
}

impl Worker for SourceWorker {
    type Request = SourceRequest;
    type Response = SourceResponse;

    async fn handle(self: Arc<Self>, request: SourceRequest) -> Result<SourceResponse, Failure> {
        {
            let backend = Arc::clone(&self.backend);
            Ok(match request {
                SourceRequest::Search { term, context } => {
                    let found = backend.search(term, context).await?;
                    SourceResponse::Contacts(found.into_iter().map(|c| self.result(c)).collect())
                }
                SourceRequest::Numbers { numbers, context } => {
                    let hits = backend.match_numbers(Arc::clone(&numbers), context).await?;
                    SourceResponse::Tiered(self.tiers(&numbers, hits))
                }
                SourceRequest::List { ids, context } => {
                    let found = backend.list(ids, context).await?;
                    SourceResponse::Contacts(found.into_iter().map(|c| self.result(c)).collect())
                }
                SourceRequest::WarmUp => {
                    backend.warm_up().await;
                    SourceResponse::One(None)
                }
            })
        }
    }

    /// A reverse lookup of a number nobody has: it reaches the remote directory (an LDAP search,
    /// a web service call) without finding anything.
    fn probe(
        self: Arc<Self>,
    ) -> impl std::future::Future<Output = Result<(), Failure>> + Send + 'static {
        let context = backends::Context {
            token: None,
            user_uuid: None,
            tenant_uuid: self.spec.tenant_uuid.clone(),
        };
        let probe = Arc::clone(&self.backend).first_match(PROBE_EXTEN.to_owned(), context);
        async move { probe.await.map(|_| ()) }
    }
}

/// The number a rebuilt source is probed with.
const PROBE_EXTEN: &str = "0000000000-wazo-dird-probe";

/// Builds a source's backend (and rebuilds it after a failure).
#[derive(Debug)]
pub struct SourceFactory {
    spec: Arc<SourceSpec>,
    deps: backends::Deps,
}

impl Factory for SourceFactory {
    type Worker = SourceWorker;

    fn build(&self) -> impl Future<Output = Result<Arc<SourceWorker>, String>> + Send {
        let spec = Arc::clone(&self.spec);
        let deps = self.deps.clone();
        async move {
            let kind = backends::kind(&spec.backend)
                .ok_or_else(|| format!("backend {} is not installed", spec.backend))?;
            let backend = kind.build(Arc::clone(&spec), deps).await?;
            Ok(Arc::new(SourceWorker { spec, backend }))
        }
    }
}

/// Every running source actor, keyed by source uuid.
pub type SourceRegistry = Registry<String, Arc<SourceSpec>, SourceFactory>;

/// A registry whose actors are built from their source spec.
pub fn registry(config: SupervisorConfig, deps: backends::Deps) -> SourceRegistry {
    Registry::new(
        move |_uuid: &String, spec: &Arc<SourceSpec>| SourceFactory {
            spec: Arc::clone(spec),
            deps: deps.clone(),
        },
        config,
    )
}
