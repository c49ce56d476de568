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
    /// A dial-pad search: the names `digits` spell ([`Backend::search_t9`]) and the ordinary
    /// lookup of the same digits, each contact once, ranked.
    Dial {
        digits: String,
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
    /// A dial-pad search's contacts, each with its [`Rank`].
    Ranked(Vec<(Rank, SourceResult)>),
}

/// How a contact answers a dial-pad search, best first: its number is the digits, its name
/// spells them within a word, across words, by its initials, or the ordinary lookup found it
/// otherwise (a number holding the digits, a text holding them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    Number,
    Name(crate::text::t9::NameMatch),
    Lookup,
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
    /// The searched columns a dial-pad search spells ([`backends::name_columns`]).
    name_columns: Vec<String>,
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

impl SourceWorker {
    /// A dial-pad search's contacts, each once: those whose name columns spell `digits`
    /// (checked here: the backend gave its index's candidates), then those the ordinary lookup
    /// found, each with its best [`Rank`], in that order.
    fn ranked(
        &self,
        digits: &str,
        found: Vec<RawContact>,
        spelled: Vec<RawContact>,
    ) -> Vec<(Rank, SourceResult)> {
        let spelled = spelled.into_iter().filter_map(|contact| {
            let name = backends::t9_name(&self.name_columns, &contact.fields).matches(digits)?;
            Some((Rank::Name(name), contact))
        });
        let found = found.into_iter().map(|contact| {
            let number = self.is_number(&contact, digits);
            (if number { Rank::Number } else { Rank::Lookup }, contact)
        });
        let mut ranked: Vec<(Rank, RawContact)> = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (rank, contact) in spelled.chain(found) {
            let key = self.identity(&contact);
            match seen.get(&key) {
                Some(&at) => ranked[at].0 = ranked[at].0.min(rank),
                None => {
                    seen.insert(key, ranked.len());
                    ranked.push((rank, contact));
                }
            }
        }
        ranked
            .into_iter()
            .map(|(rank, contact)| (rank, self.result(contact)))
            .collect()
    }

    /// What tells two contacts of this source apart: the unique column, else every field.
    fn identity(&self, contact: &RawContact) -> String {
        let id = self
            .backend
            .unique_column()
            .and_then(|c| contact.fields.get(c));
        match id.filter(|id| !id.is_null()) {
            Some(id) => format::python_str(id),
            None => serde_json::Value::Object(contact.fields.clone()).to_string(),
        }
    }

    /// Whether a searched or first-matched value of `contact` is the number `digits`.
    fn is_number(&self, contact: &RawContact, digits: &str) -> bool {
        let spec = &self.spec;
        let columns = spec
            .searched_columns
            .iter()
            .chain(&spec.first_matched_columns);
        columns
            .filter_map(|column| {
                contact
                    .fields
                    .get(column)
                    .and_then(serde_json::Value::as_str)
            })
            .any(|value| {
                value == digits || crate::numbers::number_digits(value).as_deref() == Some(digits)
            })
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
                SourceRequest::Dial { digits, context } => {
                    let (found, spelled) = futures_util::join!(
                        Arc::clone(&backend).search(digits.clone(), context.clone()),
                        backend.search_t9(digits.clone(), context)
                    );
                    SourceResponse::Ranked(self.ranked(&digits, found?, spelled?))
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
            let name_columns = backends::name_columns(&spec);
            Ok(Arc::new(SourceWorker {
                spec,
                backend,
                name_columns,
            }))
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
