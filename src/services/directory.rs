//! The directory services: lookup, reverse lookup and headers of a profile, by scatter-gather over
//! the profile's source actors, and the formatting of results by the profile's display.
//!
//! These services hold no state of their own (profiles, displays and source actors belong to their
//! resources), so they are shared plain async services: every request runs concurrently, nothing
//! queues behind a mailbox. Deadlines: each source gets its own `timeout` (else the service's
//! default from YAML), and the profile service's `options.timeout` bounds the whole request.

use super::source_actor::{SourceRequest, SourceResponse, SourceResult};
use crate::backends::Context;
use crate::resources::declared::Declared;
use crate::resources::displays::model::Display;
use crate::resources::displays::service::DisplayService;
use crate::resources::profiles::model::Profile;
use crate::resources::profiles::service::ProfileService;
use crate::resources::sources::service::SourceService;
use crate::resources::ResourceError;
use crate::storage::Storage;
use actors::{first_match, gather, CallError};
use serde_json::{json, Value};
use std::collections::HashSet;
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

/// A profile with its display, resolved for one request.
#[derive(Debug, Clone)]
pub struct ResolvedProfile {
    pub profile: Arc<Profile>,
    pub display: Option<Arc<Display>>,
}

/// The directory: profiles resolved by name, queries fanned out to sources.
#[derive(Debug)]
pub struct Directory {
    pub sources: Arc<SourceService>,
    pub displays: Arc<DisplayService>,
    pub profiles: Arc<ProfileService>,
    pub timeouts: ServiceTimeouts,
}

impl Directory {
    /// The profile named `name` in `tenant_uuid`, with its display.
    pub fn profile(&self, tenant_uuid: &str, name: &str) -> Option<ResolvedProfile> {
        let profile = self.profiles.get_by_name(tenant_uuid, name)?;
        let display = profile
            .display
            .as_deref()
            .and_then(|uuid| self.displays.get_any(uuid));
        Some(ResolvedProfile { profile, display })
    }

    /// Replaces the sources, displays and profiles declared in the configuration (start-up, SIGHUP).
    pub fn set_declared(&self, declared: Declared) {
        tracing::info!(
            sources = declared.sources.len(),
            displays = declared.displays.len(),
            profiles = declared.profiles.len(),
            "declared resources applied"
        );
        self.sources.set_declared(declared.sources);
        self.displays.set_declared(declared.displays);
        self.profiles.set_declared(declared.profiles);
    }

    /// Re-reads the stored sources, displays and profiles (after a write, or when the database
    /// comes back). A deleted source or display changes profiles too, so all three are read.
    pub async fn reload_stored(&self) -> Result<(), ResourceError> {
        self.sources.reload_stored().await?;
        self.displays.reload_stored().await?;
        self.profiles.reload_stored().await
    }

    /// Reloads the stored resources each time the database becomes available.
    pub fn spawn_reload_on_database_ready(self: &Arc<Self>, storage: &Storage) {
        let Some(mut ready) = storage.subscribe_ready() else {
            return;
        };
        let directory = Arc::clone(self);
        tokio::spawn(async move {
            // The database may have become available before this subscription.
            if *ready.borrow_and_update() > 0 {
                if let Err(error) = directory.reload_stored().await {
                    tracing::error!(%error, "cannot load the stored sources, displays and profiles");
                }
            }
            while ready.changed().await.is_ok() {
                match directory.reload_stored().await {
                    Ok(()) => tracing::info!("stored sources, displays and profiles loaded"),
                    Err(error) => {
                        tracing::error!(%error, "cannot load the stored sources, displays and profiles")
                    }
                }
            }
        });
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
        match self.sources.address(&uuid) {
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
    /// completion order (no dedup, no sort, as wazo-dird).
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
        gathered
            .results
            .into_iter()
            .flat_map(|(_, response)| match response {
                SourceResponse::Contacts(contacts) => contacts,
                _ => Vec::new(),
            })
            .collect()
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
}

/// `column_headers` and `column_types` of a display (empty without one).
pub fn headers(display: Option<&Display>) -> Value {
    let columns = display.map(|d| d.columns.as_slice()).unwrap_or_default();
    json!({
        "column_headers": columns.iter().map(|c| c.title.clone()).collect::<Vec<_>>(),
        "column_types": columns.iter().map(|c| c.kind.clone()).collect::<Vec<_>>(),
    })
}

/// Formats results with the display: `column_values` follow the columns (`field`, else `default`),
/// a `favorite` column is true for the user's favorites, a `personal` column for personal contacts.
pub fn format_results(
    display: Option<&Display>,
    results: Vec<SourceResult>,
    is_favorite: impl Fn(&SourceResult) -> bool,
) -> Value {
    let columns = display.map(|d| d.columns.as_slice()).unwrap_or_default();
    let formatted: Vec<Value> = results
        .into_iter()
        .map(|mut result| {
            let favorite = is_favorite(&result);
            for column in columns {
                let Some(field) = &column.field else { continue };
                match column.kind.as_deref() {
                    Some("favorite") => {
                        result.fields.insert(field.clone(), json!(favorite));
                    }
                    Some("personal") => {
                        result
                            .fields
                            .insert(field.clone(), json!(result.is_personal));
                    }
                    _ => {}
                }
            }
            let values: Vec<Value> = columns
                .iter()
                .map(|column| {
                    column
                        .field
                        .as_ref()
                        .and_then(|field| result.fields.get(field).cloned())
                        .unwrap_or_else(|| {
                            column.default.clone().map_or(Value::Null, Value::String)
                        })
                })
                .collect();
            json!({
                "column_values": values,
                "relations": result.relations,
                "source": result.source,
                "backend": result.backend,
            })
        })
        .collect();
    let mut body = headers(display);
    body["results"] = Value::Array(formatted);
    body
}

/// The reverse lookup answer: always a body, `null`s when nothing matched.
pub fn reverse_body(exten: &str, found: Option<SourceResult>) -> Value {
    match found {
        Some(result) => json!({
            "display": result.fields.get("reverse").cloned().unwrap_or(Value::Null),
            "exten": exten,
            "fields": result.fields,
            "source": result.source,
        }),
        None => json!({"display": null, "exten": exten, "fields": {}, "source": null}),
    }
}

impl crate::resources::profiles::service::References for Directory {
    /// A stored display of `tenant` (the database links stored profiles to stored displays only).
    fn display_in(&self, uuid: &str, tenant: &str) -> bool {
        self.displays.get(uuid, &[tenant.to_owned()]).is_some() && !self.displays.is_declared(uuid)
    }

    /// A stored source of `tenant`.
    fn source_in(&self, uuid: &str, tenant: &str) -> bool {
        self.sources.get(uuid, &[tenant.to_owned()]).is_some() && !self.sources.is_declared(uuid)
    }
}
