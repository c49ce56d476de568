//! Backends: where contacts come from. Each kind is one folder (`csv/`, …) implementing
//! [`BackendKind`]: its name, its typed source fields, their check, and how to build a [`Backend`]
//! from a source (see [`mod@kind`]). Adding a kind is a folder plus one line in [`KINDS`] and one in
//! `config/config.yml` (`enabled_plugins.backends.<kind>: true`, or the kind is not served).
//!
//! The contract of [`Backend`] is in `docs/plugins.md`.

pub mod cloud;
pub mod confd;
pub mod conference;
pub mod csv;
pub mod csv_ws;
pub mod http;
pub mod kind;
pub mod ldap;
pub mod lenient;
pub mod personal;
pub mod phonebook;
mod stored;
pub mod wazo;

use actors::Failure;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The raw fields of a contact, as its backend found them.
pub type Fields = Map<String, Value>;

/// Links of a contact to other Wazo objects (filled by the Wazo backends).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Relations {
    pub xivo_id: Option<Value>,
    pub agent_id: Option<Value>,
    pub user_id: Option<Value>,
    pub user_uuid: Option<Value>,
    pub endpoint_id: Option<Value>,
}

/// A contact found by a backend, before the source's `format_columns` apply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawContact {
    pub fields: Fields,
    pub relations: Relations,
}

impl RawContact {
    pub fn from_fields(fields: Fields) -> Self {
        RawContact {
            fields,
            relations: Relations::default(),
        }
    }
}

/// Who is asking: some backends query on the caller's behalf.
pub use crate::context::Context;

/// What every source has, whatever its backend (the fields wazo-dird stores in `dird_source`).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    pub uuid: String,
    pub tenant_uuid: String,
    pub name: String,
    pub backend: String,
    pub searched_columns: Vec<String>,
    pub first_matched_columns: Vec<String>,
    pub format_columns: BTreeMap<String, String>,
    /// The backend's own fields, validated by its [`Kind`].
    pub extra_fields: Map<String, Value>,
    /// Seconds this source may take per request (`None`: the service's default).
    pub timeout: Option<f64>,
}

impl SourceSpec {
    /// Whether the source is of the kind `K` (kinds are compared here, by their type).
    pub fn is<K: BackendKind>(&self) -> bool {
        self.backend == K::NAME
    }

    /// A source `s` of tenant `t` for unit tests, named after its backend, with these columns.
    #[cfg(test)]
    pub(crate) fn for_tests(backend: &str, searched: &[&str], first_matched: &[&str]) -> Self {
        let names = |columns: &[&str]| columns.iter().map(|c| (*c).to_owned()).collect();
        SourceSpec {
            uuid: "s".into(),
            tenant_uuid: "t".into(),
            name: backend.into(),
            backend: backend.into(),
            searched_columns: names(searched),
            first_matched_columns: names(first_matched),
            format_columns: BTreeMap::new(),
            extra_fields: Map::new(),
            timeout: None,
        }
    }
}

/// What a backend's request answers, later (the `Failure` of a request or of the backend).
pub type Answer<T> = BoxFuture<'static, Result<T, Failure>>;

/// For each exten found, its contact (what `match_all` answers).
pub type ByExten = HashMap<String, RawContact>;

pub use crate::numbers::{Caller, Tiers};

/// What [`Backend::match_numbers`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberHits {
    /// For each number asked, in order, its contacts by tier (a copy that indexes its numbers).
    Tiered(Vec<Tiers<RawContact>>),
    /// For each of the numbers' forms found, its contact (what `match_all` answers): the one
    /// found for a number as given is its exact match; the others the source's actor compares by
    /// tier on its first-matched columns (a remote source).
    Found(ByExten),
}

/// For each of `callers`, `contacts` compared by tier on the values of their `columns` (the first
/// of each tier in the order given).
pub fn tiers_on(
    columns: &[String],
    callers: &[Caller],
    contacts: &[RawContact],
) -> Vec<Tiers<RawContact>> {
    // A column holds a number, or a list of them (the conference rooms' extensions).
    let values = |contact: &RawContact| -> Vec<String> {
        columns
            .iter()
            .filter_map(|column| contact.fields.get(column))
            .flat_map(|value| match value {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect::<Vec<_>>(),
            })
            .map(str::to_owned)
            .collect()
    };
    callers
        .iter()
        .map(|caller| {
            let candidates = contacts.iter().map(|c| (c, values(c)));
            crate::numbers::tiers_among(caller, candidates).map(RawContact::clone)
        })
        .collect()
}

/// For each of `callers`, what `match_all` found for their forms (`found`), by tier: the contact
/// found for the number as given is its exact match (the backend compared it its own way), the
/// others are compared on `columns`.
pub fn tiers_of_found(
    columns: &[String],
    callers: &[Caller],
    mut found: ByExten,
) -> Vec<Tiers<RawContact>> {
    let mut contacts: Vec<RawContact> = Vec::new();
    for contact in forms_of(callers).iter().filter_map(|form| found.get(form)) {
        if !contacts.contains(contact) {
            contacts.push(contact.clone());
        }
    }
    let mut tiers = tiers_on(columns, callers, &contacts);
    for (tiers, caller) in tiers.iter_mut().zip(callers) {
        if let Some(exact) = found.remove(&caller.raw) {
            tiers.exact = Some(exact);
        }
    }
    tiers
}

/// Each number's forms once, in order ([`Caller::forms`]).
pub fn forms_of(numbers: &[Caller]) -> Vec<String> {
    let mut forms: Vec<String> = Vec::new();
    for form in numbers.iter().flat_map(Caller::forms) {
        if !forms.contains(form) {
            forms.push(form.clone());
        }
    }
    forms
}

/// What [`Backend::match_numbers`] answers by default: the contacts `match_all` finds for the
/// numbers' forms (a remote source, or a copy still cold).
pub async fn by_forms<B: Backend + ?Sized>(
    backend: Arc<B>,
    numbers: Arc<[Caller]>,
    context: Context,
) -> Result<NumberHits, Failure> {
    let found = backend.match_all(forms_of(&numbers), context).await?;
    Ok(NumberHits::Found(found))
}

/// The searched columns of `spec` that hold names a dial-pad search spells, in order.
pub fn name_columns(spec: &SourceSpec) -> Vec<String> {
    let columns = spec.searched_columns.iter();
    columns
        .filter(|column| crate::text::t9::is_name_column(column))
        .cloned()
        .collect()
}

/// The name of a contact as a dial-pad search spells it: its `columns`' texts, in order.
pub fn t9_name(columns: &[String], fields: &Fields) -> crate::text::t9::Name {
    crate::text::t9::Name::new(
        columns
            .iter()
            .filter_map(|column| fields.get(column).and_then(Value::as_str)),
    )
}

/// A contact store. Every method runs in a task of its own under a deadline; an `Err` costs the
/// request this source's results only. Return [`Failure::Broken`] when the backend cannot serve any
/// more (its actor is then rebuilt with backoff), [`Failure::Request`] for a failure of one request.
pub trait Backend: Send + Sync + 'static {
    /// Contacts matching `term` in the searched columns.
    fn search(self: Arc<Self>, term: String, context: Context) -> Answer<Vec<RawContact>>;

    /// One contact whose first-matched columns equal `exten`, if any.
    fn first_match(self: Arc<Self>, exten: String, context: Context) -> Answer<Option<RawContact>>;

    /// For each of `extens`, one matching contact. By default one `first_match` per exten.
    fn match_all(self: Arc<Self>, extens: Vec<String>, context: Context) -> Answer<ByExten> {
        Box::pin(async move {
            let mut found = HashMap::new();
            for exten in extens {
                if let Some(contact) = Arc::clone(&self)
                    .first_match(exten.clone(), context.clone())
                    .await?
                {
                    found.insert(exten, contact);
                }
            }
            Ok(found)
        })
    }

    /// For each of `numbers`, the contacts whose first-matched columns hold it by the number
    /// matching rule (docs/plugins.md, "Number matching"). By default one `match_all` of the
    /// numbers' forms (as given, E.164, national, digits), whose contacts are then compared.
    fn match_numbers(
        self: Arc<Self>,
        numbers: Arc<[Caller]>,
        context: Context,
    ) -> Answer<NumberHits> {
        Box::pin(by_forms(self, numbers, context))
    }

    /// Contacts whose name columns ([`name_columns`]) may spell `digits` on a phone's keypad
    /// ([`crate::text::t9`]): the candidates of the copy's dial-pad index, which the source's actor
    /// checks. By default none: a source without a copy answers a dial-pad search with its
    /// ordinary lookup only.
    fn search_t9(self: Arc<Self>, digits: String, context: Context) -> Answer<Vec<RawContact>> {
        let _ = (digits, context);
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The contacts whose unique column is one of `ids` (favorites).
    fn list(self: Arc<Self>, ids: Vec<String>, context: Context) -> Answer<Vec<RawContact>>;

    /// The field whose value identifies a contact in this source (`source_entry_id`).
    fn unique_column(&self) -> Option<&str>;

    /// Answers once the backend's in-memory copy, if it keeps one, is loaded or its first load
    /// has failed (and been logged). An instance starts answering directory requests only once
    /// every source is warm (`services::readiness`). By default: at once.
    fn warm_up(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

/// A failure of one request (the backend stays up), from any error.
pub fn request_failed(error: impl std::fmt::Display) -> actors::Failure {
    actors::Failure::Request(error.to_string())
}

/// For each of `extens`, the first of `contacts` whose `columns` hold it (a batched `match_all`).
pub fn by_exten(
    columns: &[String],
    extens: &[String],
    contacts: Vec<RawContact>,
) -> HashMap<String, RawContact> {
    let mut found = HashMap::new();
    for contact in contacts {
        for exten in columns
            .iter()
            .filter_map(|column| contact.fields.get(column).and_then(Value::as_str))
            .filter(|value| extens.iter().any(|e| e == value))
        {
            found
                .entry(exten.to_owned())
                .or_insert_with(|| contact.clone());
        }
    }
    found
}

pub use crate::validation::FieldErrors;
pub use kind::{BackendKind, Kind, Origin};

/// What backends may use besides their source: the daemon's own database (personal, phonebook),
/// the tokens and copies of the backends that read wazo-confd (wazo, conference), the users'
/// address books of the backends that read Google and Microsoft 365 (google, office365), the
/// tenants' countries by which numbers compare (every backend).
#[derive(Debug, Clone)]
pub struct Deps {
    pub storage: crate::storage::Storage,
    pub confd: Arc<confd::ConfdHub>,
    pub cloud: Arc<cloud::CloudHub>,
    pub countries: Arc<crate::numbers::Countries>,
}

/// Every backend kind built into the daemon.
pub static KINDS: &[&dyn Kind] = &[
    &kind::Typed::<csv::Csv>::new(),
    &kind::Typed::<csv_ws::CsvWs>::new(),
    &kind::Typed::<ldap::Ldap>::new(),
    &kind::Typed::<personal::Personal>::new(),
    &kind::Typed::<phonebook::Phonebook>::new(),
    &kind::Typed::<wazo::Wazo>::new(),
    &kind::Typed::<conference::Conference>::new(),
    &kind::Typed::<cloud::google::Google>::new(),
    &kind::Typed::<cloud::office365::Office365>::new(),
];

/// The kind named `name`, if it is installed.
pub fn kind(name: &str) -> Option<&'static dyn Kind> {
    KINDS.iter().copied().find(|kind| kind.name() == name)
}

/// The installed kinds the configuration does not turn off (`enabled_plugins.backends.<kind>:
/// false`), sorted by name: a kind is served once it is in [`KINDS`].
pub fn enabled(enabled_backends: &BTreeMap<String, bool>) -> Vec<String> {
    let mut kinds: Vec<String> = KINDS
        .iter()
        .filter(|kind| enabled_backends.get(kind.name()).copied().unwrap_or(true))
        .map(|kind| kind.name().to_owned())
        .collect();
    kinds.sort();
    kinds
}
