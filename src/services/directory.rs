//! The directory as views see it: profiles resolved by name from the catalog's current snapshot
//! (no lock, no message), and queries (lookup, reverse, favorites, GraphQL's batched reverse, the
//! personal view) run by the engine (`super::engine`) as tasks of their own on the engine runtime,
//! beside the source actors (started there by one task, [`Queries`]), so that no request waits for
//! another and the HTTP workers only wait;
//! results are formatted by `super::results`. Catalog changes go to the directory actor.

pub use super::directory_actor::ResolvedProfile;
use super::directory_actor::{resolve, DirectoryActor, ReloadError};
use super::engine::{Engine, SourceHealth};
use super::readiness::{NotReady, Readiness};
use super::source_actor::SourceResult;
use crate::context::Context;
use crate::resources::declared::Declared;
use crate::resources::displays::service::DisplayService;
use crate::resources::profiles::model::Profile;
use crate::resources::profiles::service::ProfileService;
use crate::resources::sources::service::SourceService;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The directory: profiles resolved by name, queries fanned out to sources.
#[derive(Debug)]
pub struct Directory {
    pub(super) sources: Arc<SourceService>,
    pub(super) displays: Arc<DisplayService>,
    pub(super) profiles: Arc<ProfileService>,
    /// The source actors and their counters.
    pub(super) engine: Arc<Engine>,
    /// The actor that applies every change of the catalog, in order.
    pub(super) actor: DirectoryActor,
    /// Whether directory requests may be answered yet (after a start: catalog read, sources warm).
    pub(super) readiness: Readiness,
    /// Where the queries are started: a task on the engine runtime of the source actors.
    pub(super) queries: Queries,
}

/// A query's work, to run on the engine runtime.
type Job = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The task that starts every query on the engine runtime. Queries come from the HTTP workers'
/// threads; spawning each from there wakes an engine thread per query, where this task, woken
/// once for a burst, spawns them all from inside the runtime. Measured (docs/performance.md, "One
/// scatter-gather"): 15,262 and 15,742 lookups/s at 64 connections spawning from the HTTP threads,
/// 20,012 through this task, 21,419 and 21,475 through the directory actor's inbox before.
#[derive(Debug, Clone)]
pub struct Queries(mpsc::UnboundedSender<Job>);

impl Queries {
    /// Starts the task on `runtime`; it ends with the last sender.
    pub fn start(runtime: &tokio::runtime::Handle) -> Self {
        let (sender, mut inbox) = mpsc::unbounded_channel::<Job>();
        runtime.spawn(async move {
            while let Some(job) = inbox.recv().await {
                tokio::spawn(job);
            }
        });
        Queries(sender)
    }

    /// Starts `job`; dropped (its caller answered empty) if the runtime has stopped.
    fn send(&self, job: Job) {
        let _ = self.0.send(job);
    }
}

/// What a directory is made of: the catalog's services, the actor that keeps the catalog, the
/// engine of the source actors and the runtime they run on.
#[derive(Debug)]
pub struct Parts {
    pub sources: Arc<SourceService>,
    pub displays: Arc<DisplayService>,
    pub profiles: Arc<ProfileService>,
    pub engine: Arc<Engine>,
    pub actor: DirectoryActor,
    pub runtime: tokio::runtime::Handle,
}

impl Directory {
    /// A directory that is starting: it answers directory requests once
    /// [`super::readiness::warm_up`] has made it ready.
    pub fn new(parts: Parts) -> Self {
        Directory {
            sources: parts.sources,
            displays: parts.displays,
            profiles: parts.profiles,
            engine: parts.engine,
            actor: parts.actor,
            readiness: Readiness::starting(),
            queries: Queries::start(&parts.runtime),
        }
    }

    /// Whether directory requests are answered yet, and why not (`/0.1/status`, GraphQL).
    pub fn readiness(&self) -> Result<(), NotReady> {
        self.readiness.check()
    }

    /// Each running source's state and counters, by uuid (`/0.1/status`, `/metrics`).
    pub fn source_health(&self) -> std::collections::BTreeMap<String, SourceHealth> {
        self.engine.health()
    }

    /// The numbers reverse lookups named, by tier (`/metrics`).
    pub fn tier_hits(&self) -> [(&'static str, u64); 4] {
        self.engine.tier_hits().snapshot()
    }

    /// The tenants' countries, by which numbers are compared.
    pub fn countries(&self) -> &Arc<crate::numbers::Countries> {
        self.engine.countries()
    }

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

    /// Runs a query of the engine on the engine runtime and waits for its answer (empty if the
    /// runtime is shutting down).
    async fn run<T, F>(&self, query: impl FnOnce(Arc<Engine>) -> F) -> T
    where
        T: Default + Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let work = query(Arc::clone(&self.engine));
        let (reply, answer) = oneshot::channel();
        self.queries.send(Box::pin(async move {
            let _ = reply.send(work.await);
        }));
        answer.await.unwrap_or_default()
    }

    /// Every source of the profile's `lookup` service searched for `term` ([`Engine::lookup`]).
    pub async fn lookup(
        &self,
        profile: &Arc<Profile>,
        term: &str,
        context: &Context,
    ) -> Vec<SourceResult> {
        let (profile, term, context) = (Arc::clone(profile), term.to_owned(), context.clone());
        self.run(|engine| async move { engine.lookup(&profile, &term, &context).await })
            .await
    }

    /// A dial-pad search of `digits` in the profile's `lookup` sources ([`Engine::dial`]).
    pub async fn dial(
        &self,
        profile: &Arc<Profile>,
        digits: &str,
        context: &Context,
    ) -> Vec<SourceResult> {
        let (profile, digits, context) = (Arc::clone(profile), digits.to_owned(), context.clone());
        self.run(|engine| async move { engine.dial(&profile, &digits, &context).await })
            .await
    }

    /// The first source of the `reverse` service to find `exten` ([`Engine::reverse`]).
    pub async fn reverse(
        &self,
        profile: &Arc<Profile>,
        exten: &str,
        context: &Context,
    ) -> Option<SourceResult> {
        let (profile, exten, context) = (Arc::clone(profile), exten.to_owned(), context.clone());
        self.run(|engine| async move { engine.reverse(&profile, &exten, &context).await })
            .await
    }

    /// One contact per number from the profile's reverse sources ([`Engine::reverse_many`]).
    pub async fn reverse_many(
        &self,
        profile: &Arc<Profile>,
        extens: &[String],
        context: &Context,
    ) -> HashMap<String, SourceResult> {
        let (profile, extens, context) = (Arc::clone(profile), extens.to_vec(), context.clone());
        self.run(|engine| async move { engine.reverse_many(&profile, &extens, &context).await })
            .await
    }

    /// The contacts of the profile's `favorites` sources whose ids are given, by source name.
    pub async fn favorites(
        &self,
        profile: &Arc<Profile>,
        ids_by_source: &HashMap<String, Vec<String>>,
        context: &Context,
    ) -> Vec<SourceResult> {
        let (profile, ids, context) = (Arc::clone(profile), ids_by_source.clone(), context.clone());
        self.run(|engine| async move { engine.favorites(&profile, &ids, &context).await })
            .await
    }

    /// The contacts of one source whose ids are given (the personal contacts view).
    pub async fn contacts_of(
        &self,
        source_uuid: &str,
        ids: Vec<String>,
        context: &Context,
    ) -> Vec<SourceResult> {
        let (uuid, context) = (source_uuid.to_owned(), context.clone());
        self.run(|engine| async move { engine.contacts_of(&uuid, ids, &context).await })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::SourceSpec;
    use crate::resources::catalog::{CatalogReload, Published};
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
        let (actor, inbox) = DirectoryActor::new(published.clone());
        let reload: Arc<dyn CatalogReload> = Arc::new(actor.clone());
        let sources = Arc::new(SourceService::new(
            storage.clone(),
            bus.clone(),
            published.clone(),
            Arc::clone(&reload),
            vec!["csv".into()],
        ));
        let engine = Arc::new(crate::services::engine::for_tests(
            Arc::clone(&sources),
            vec!["csv".into()],
            storage.clone(),
        ));
        inbox.spawn(
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
                Arc::clone(&reload),
            )),
            profiles: Arc::new(ProfileService::new(storage, bus, published, reload)),
            engine,
            actor,
            readiness: Readiness::ready(),
            queries: Queries::start(&tokio::runtime::Handle::current()),
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
    async fn favorites_are_the_contacts_of_the_given_ids_per_source() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (directory, profile) = directory(dir.path()).await;
        let ids = HashMap::from([
            ("a".to_owned(), vec!["2".to_owned(), "42".to_owned()]),
            ("b".to_owned(), vec!["7".to_owned()]),
        ]);
        let mut names: Vec<String> = directory
            .favorites(&profile, &ids, &Context::default())
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
