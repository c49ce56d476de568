//! The sources the daemon serves, and their actors: a change of the set restarts only the actors of
//! the sources that changed.

use super::model::Source;
use crate::services::source_actor::{self, SourceRegistry, SourceWorker};
use actors::{Address, SupervisorConfig};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Sources by uuid, with one supervised actor per source of an enabled backend.
#[derive(Debug)]
pub struct SourceService {
    sources: RwLock<Arc<Vec<Arc<Source>>>>,
    registry: SourceRegistry,
    enabled_backends: Vec<String>,
}

impl SourceService {
    /// Must be called inside the tokio runtime the actors will run on.
    pub fn new(enabled_backends: Vec<String>, supervision: SupervisorConfig) -> Self {
        SourceService {
            sources: RwLock::new(Arc::new(Vec::new())),
            registry: source_actor::registry(supervision),
            enabled_backends,
        }
    }

    /// Replaces the whole set of sources; only the actors of changed sources are (re)started.
    pub fn replace(&self, sources: Vec<Source>) {
        let sources: Vec<Arc<Source>> = sources.into_iter().map(Arc::new).collect();
        let desired: HashMap<String, Arc<Source>> = sources
            .iter()
            .filter(|source| self.enabled_backends.contains(&source.backend))
            .map(|source| (source.uuid.clone(), Arc::clone(source)))
            .collect();
        let diff = self.registry.apply(desired);
        if !(diff.started.is_empty() && diff.restarted.is_empty() && diff.stopped.is_empty()) {
            tracing::info!(started = ?diff.started, restarted = ?diff.restarted, stopped = ?diff.stopped, "sources reconciled");
        }
        if let Ok(mut current) = self.sources.write() {
            *current = Arc::new(sources);
        }
    }

    fn snapshot(&self) -> Arc<Vec<Arc<Source>>> {
        self.sources
            .read()
            .map(|s| Arc::clone(&s))
            .unwrap_or_default()
    }

    pub fn get(&self, uuid: &str) -> Option<Arc<Source>> {
        self.snapshot()
            .iter()
            .find(|source| source.uuid == uuid)
            .cloned()
    }

    /// Every source of the given tenants.
    pub fn list(&self, tenants: &[String]) -> Vec<Arc<Source>> {
        self.snapshot()
            .iter()
            .filter(|source| tenants.contains(&source.tenant_uuid))
            .cloned()
            .collect()
    }

    /// The actor of a source, when its backend is enabled.
    pub fn address(&self, uuid: &str) -> Option<Address<SourceWorker>> {
        self.registry.get(&uuid.to_owned())
    }
}
