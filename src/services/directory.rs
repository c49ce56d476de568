//! The directory as views see it: profiles resolved by name from the catalog's current snapshot
//! (no lock, no message), and queries (lookup, reverse, favorites, GraphQL's batched reverse, the
//! personal view) sent to the directory actor, which answers each with a scatter-gather task of its
//! own (`super::engine`); results are formatted by `super::results`.

pub use super::directory_actor::ResolvedProfile;
use super::directory_actor::{resolve, DirectoryActor, Query, ReloadError};
use super::engine::Engine;
use super::readiness::{NotReady, Readiness};
use super::source_actor::SourceResult;
use crate::backends::Context;
use crate::resources::declared::Declared;
use crate::resources::displays::service::DisplayService;
use crate::resources::profiles::model::Profile;
use crate::resources::profiles::service::ProfileService;
use crate::resources::sources::service::SourceService;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The directory: profiles resolved by name, queries fanned out to sources.
#[derive(Debug)]
pub struct Directory {
    pub sources: Arc<SourceService>,
    pub displays: Arc<DisplayService>,
    pub profiles: Arc<ProfileService>,
    /// The source actors and their counters.
    pub engine: Arc<Engine>,
    /// The actor that applies every change of the catalog, in order, and answers the queries.
    pub actor: DirectoryActor,
    /// Whether directory requests may be answered yet (after a start: catalog read, sources warm).
    pub readiness: Readiness,
}

impl Directory {
    /// The profile named `name` in `tenant_uuid`, with its display, from the current snapshot;
    /// refused while the instance is not ready (its catalog may not hold the profile yet).
    pub fn profile(
        &self,
        tenant_uuid: &str,
        name: &str,
    ) -> Result<Option<ResolvedProfile>, NotReady> {
        self.readiness.check()?;
        Ok(resolve(&self.actor.snapshot(), tenant_uuid, name))
    }

    /// The same, asked of the directory actor (the headers of a lookup).
    pub async fn headers(&self, tenant_uuid: &str, name: &str) -> Option<ResolvedProfile> {
        self.ask(|reply| Query::Headers {
            tenant_uuid: tenant_uuid.to_owned(),
            name: name.to_owned(),
            reply,
        })
        .await
    }

    /// Replaces the sources, displays and profiles declared in the configuration (start-up,
    /// SIGHUP); answers once they are in the catalog.
    pub async fn set_declared(&self, declared: Declared) {
        self.actor.set_declared(declared).await;
    }

    /// Reads the stored sources, displays and profiles again (a peer's change, a tenant's
    /// provisioning). A deleted source or display changes profiles too, so all three are read.
    pub async fn reload_stored(&self) -> Result<(), ReloadError> {
        self.actor.reload().await.map(|_| ())
    }

    /// After a committed API write: waits until the catalog holds it, so that the caller's next
    /// request sees it. A failed read does not fail the write, which is committed: the catalog
    /// actor retries until it holds the database's state.
    pub async fn committed(&self) {
        if let Err(error) = self.actor.reload().await {
            tracing::warn!(%error, "change committed; the catalog will catch up when it can read it");
        }
    }

    /// Sends the query `make` builds around its reply, and waits for the answer (empty if the
    /// actor has stopped, which only happens at shutdown).
    async fn ask<T: Default>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Query) -> T {
        let (reply, answer) = oneshot::channel();
        if self.actor.ask(make(reply)).is_none() {
            return T::default();
        }
        answer.await.unwrap_or_default()
    }

    /// Every source of the profile's `lookup` service searched for `term`, results concatenated in
    /// completion order (no dedup, no sort, as wazo-dird).
    pub async fn lookup(
        &self,
        profile: &Arc<Profile>,
        term: &str,
        context: &Context,
    ) -> Vec<SourceResult> {
        self.ask(|reply| Query::Lookup {
            profile: Arc::clone(profile),
            term: term.to_owned(),
            context: context.clone(),
            reply,
        })
        .await
    }

    /// The first source of the `reverse` service to find `exten` wins (fastest, not profile order).
    pub async fn reverse(
        &self,
        profile: &Arc<Profile>,
        exten: &str,
        context: &Context,
    ) -> Option<SourceResult> {
        self.ask(|reply| Query::Reverse {
            profile: Arc::clone(profile),
            exten: exten.to_owned(),
            context: context.clone(),
            reply,
        })
        .await
    }

    /// For many numbers at once (bulk caller ID), one contact per number from the profile's reverse
    /// sources, each asked once.
    pub async fn reverse_many(
        &self,
        profile: &Arc<Profile>,
        extens: &[String],
        context: &Context,
    ) -> HashMap<String, SourceResult> {
        self.ask(|reply| Query::ReverseMany {
            profile: Arc::clone(profile),
            extens: extens.to_vec(),
            context: context.clone(),
            reply,
        })
        .await
    }

    /// The contacts of the profile's `favorites` sources whose ids are given, by source name.
    pub async fn list(
        &self,
        profile: &Arc<Profile>,
        ids_by_source: &HashMap<String, Vec<String>>,
        context: &Context,
    ) -> Vec<SourceResult> {
        self.ask(|reply| Query::Favorites {
            profile: Arc::clone(profile),
            ids_by_source: ids_by_source.clone(),
            context: context.clone(),
            reply,
        })
        .await
    }

    /// The contacts of one source whose ids are given (the personal contacts view).
    pub async fn list_source(
        &self,
        source_uuid: &str,
        ids: Vec<String>,
        context: &Context,
    ) -> Vec<SourceResult> {
        self.ask(|reply| Query::ListSource {
            source_uuid: source_uuid.to_owned(),
            ids,
            context: context.clone(),
            reply,
        })
        .await
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

    async fn directory(dir: &std::path::Path) -> (Directory, Arc<Profile>) {
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
            std::time::Duration::ZERO,
        )
        .expect("no storage");
        let bus = crate::bus::Bus::disabled();
        let published = Published::default();
        let sources = Arc::new(SourceService::new(
            storage.clone(),
            bus.clone(),
            published.clone(),
        ));
        let engine = Arc::new(crate::services::engine::for_tests(
            Arc::clone(&sources),
            vec!["csv".into()],
            storage.clone(),
        ));
        let actor = DirectoryActor::spawn(
            published.clone(),
            storage.clone(),
            Arc::clone(&engine),
            &tokio::runtime::Handle::current(),
        );
        actor
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
            engine,
            actor,
            readiness: Readiness::ready(),
        };
        (directory, Arc::new(profile))
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
