//! The directory services: lookup, reverse lookup and headers of a profile, by scatter-gather over
//! the profile's source actors (results are formatted by `super::results`).
//!
//! These services hold no state of their own (profiles, displays and source actors belong to their
//! resources), so they are shared plain async services: every request runs concurrently, nothing
//! queues behind a mailbox. Deadlines: each source gets its own `timeout` (else the service's
//! default from YAML), and the profile service's `options.timeout` bounds the whole request.

use super::catalog::{CatalogHandle, ReloadError};
use super::source_actor::{SourceRequest, SourceResponse, SourceResult};
use crate::backends::Context;
use crate::resources::declared::Declared;
use crate::resources::displays::model::Display;
use crate::resources::displays::service::DisplayService;
use crate::resources::profiles::model::Profile;
use crate::resources::profiles::service::ProfileService;
use crate::resources::sources::service::SourceService;
use actors::{first_match, gather, CallError};
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
    /// The actor that applies every change of the catalog, in order.
    pub catalog: CatalogHandle,
    pub timeouts: ServiceTimeouts,
}

impl Directory {
    /// The profile named `name` in `tenant_uuid`, with its display, from one snapshot.
    pub fn profile(&self, tenant_uuid: &str, name: &str) -> Option<ResolvedProfile> {
        let snapshot = self.catalog.snapshot();
        let profile = Arc::clone(snapshot.profiles.by_name(tenant_uuid, name)?);
        let display = profile
            .display
            .as_deref()
            .and_then(|uuid| snapshot.displays.get_any(uuid))
            .cloned();
        Some(ResolvedProfile { profile, display })
    }

    /// Replaces the sources, displays and profiles declared in the configuration (start-up,
    /// SIGHUP); answers once they are in the catalog.
    pub async fn set_declared(&self, declared: Declared) {
        self.catalog.set_declared(declared).await;
    }

    /// Reads the stored sources, displays and profiles again (a peer's change, a tenant's
    /// provisioning). A deleted source or display changes profiles too, so all three are read.
    pub async fn reload_stored(&self) -> Result<(), ReloadError> {
        self.catalog.reload().await.map(|_| ())
    }

    /// After a committed API write: waits until the catalog holds it, so that the caller's next
    /// request sees it. A failed read does not fail the write, which is committed: the catalog
    /// actor retries until it holds the database's state.
    pub async fn committed(&self) {
        if let Err(error) = self.catalog.reload().await {
            tracing::warn!(%error, "change committed; the catalog will catch up when it can read it");
        }
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
        contacts(gathered.results)
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

impl Directory {
    /// For many numbers at once (bulk caller ID), one contact per number from the profile's reverse
    /// sources, each asked once (`match_all`). When several sources know a number, the one that
    /// answered last wins, as in wazo-dird.
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
                found.extend(matches);
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
        contacts(gathered.results)
    }
}

/// The contacts of every `Contacts` answer, in completion order.
fn contacts(answers: Vec<(String, SourceResponse)>) -> Vec<SourceResult> {
    answers
        .into_iter()
        .flat_map(|(_, response)| match response {
            SourceResponse::Contacts(contacts) => contacts,
            _ => Vec::new(),
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::SourceSpec;
    use crate::resources::catalog::Published;
    use crate::resources::profiles::model::{ProfileService as Service, ServiceOptions};
    use std::collections::BTreeMap;

    fn csv_source(name: &str, file: &std::path::Path) -> SourceSpec {
        let extra = serde_json::json!({"file": file, "separator": ",", "unique_column": "id"});
        SourceSpec {
            uuid: format!("uuid-{name}"),
            tenant_uuid: "t".into(),
            name: name.into(),
            backend: "csv".into(),
            searched_columns: vec!["name".into()],
            first_matched_columns: vec!["number".into()],
            format_columns: BTreeMap::from([("reverse".to_owned(), "{name}".to_owned())]),
            extra_fields: extra.as_object().cloned().unwrap_or_default(),
            timeout: None,
        }
    }

    async fn directory(dir: &std::path::Path) -> (Directory, Profile) {
        std::fs::write(
            dir.join("a.csv"),
            "id,name,number\n1,Alice,1001\n2,Bob,1002\n",
        )
        .expect("a");
        std::fs::write(
            dir.join("b.csv"),
            "id,name,number\n7,Carol,1003\n8,Bob B,1002\n",
        )
        .expect("b");
        let storage = crate::storage::Storage::new(
            None,
            2,
            Some(usize::MAX),
            std::time::Duration::from_secs(30),
        )
        .expect("no storage");
        let bus = crate::bus::Bus::disabled();
        let published = Published::default();
        let sources = Arc::new(SourceService::new(
            vec!["csv".into()],
            actors::SupervisorConfig::default(),
            storage.clone(),
            bus.clone(),
            Arc::new(crate::backends::confd::ConfdHub::new(None)),
            published.clone(),
        ));
        let catalog =
            CatalogHandle::spawn(published.clone(), storage.clone(), Arc::clone(&sources));
        catalog
            .set_declared(Declared {
                sources: vec![
                    csv_source("a", &dir.join("a.csv")),
                    csv_source("b", &dir.join("b.csv")),
                ],
                displays: Vec::new(),
                profiles: Vec::new(),
            })
            .await;
        let service = Service {
            sources: vec!["uuid-a".into(), "uuid-b".into()],
            options: ServiceOptions::default(),
        };
        let profile = Profile {
            uuid: "p".into(),
            tenant_uuid: "t".into(),
            name: "default".into(),
            display: None,
            services: BTreeMap::from([
                ("reverse".to_owned(), service.clone()),
                ("favorites".to_owned(), service),
            ]),
        };
        let directory = Directory {
            sources,
            displays: Arc::new(DisplayService::new(
                storage.clone(),
                bus.clone(),
                published.clone(),
            )),
            profiles: Arc::new(ProfileService::new(storage, bus, published)),
            catalog,
            timeouts: ServiceTimeouts {
                lookup: 1.0,
                reverse: 1.0,
                favorites: 1.0,
            },
        };
        (directory, profile)
    }

    #[tokio::test]
    async fn match_all_answers_many_numbers_with_one_call_per_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (directory, profile) = directory(dir.path()).await;
        let extens: Vec<String> = ["1001", "1002", "1003", "9999"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let found = directory
            .reverse_many(&profile, &extens, &Context::default())
            .await;
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found["1001"].fields["reverse"], "Alice");
        assert_eq!(found["1003"].source, "b");
        assert!(
            ["Bob", "Bob B"].contains(&found["1002"].fields["name"].as_str().unwrap_or_default())
        );
        assert!(!found.contains_key("9999"));
    }

    #[tokio::test]
    async fn list_returns_the_contacts_of_the_given_ids_per_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (directory, profile) = directory(dir.path()).await;
        let ids = HashMap::from([
            ("a".to_owned(), vec!["2".to_owned(), "42".to_owned()]),
            ("b".to_owned(), vec!["7".to_owned()]),
        ]);
        let mut names: Vec<String> = directory
            .list(&profile, &ids, &Context::default())
            .await
            .into_iter()
            .map(|r| {
                format!(
                    "{}:{}",
                    r.source,
                    r.relations.source_entry_id.unwrap_or_default()
                )
            })
            .collect();
        names.sort();
        assert_eq!(names, ["a:2", "b:7"]);
    }
}
