//! The sources the daemon serves (declared and stored), and their actors: a change of the set
//! restarts only the actors of the sources that changed.

use super::model::{keep_secrets, Source};
use super::{dao, notifier, validator};
use crate::backends;
use crate::bus::Bus;
use crate::resources::catalog::{Catalog, Index, Published};
use crate::resources::notifier::Change;
use crate::resources::ResourceError;
use crate::services::source_actor::{self, SourceRegistry, SourceWorker};
use crate::storage::Storage;
use actors::{Address, SupervisorConfig};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Sources by uuid, with one supervised actor per source of an enabled backend.
#[derive(Debug)]
pub struct SourceService {
    catalog: Catalog<Source>,
    registry: SourceRegistry,
    enabled_backends: Vec<String>,
    storage: Storage,
    bus: Bus,
    /// Tokens and copies of the sources that read wazo-confd.
    confd: Arc<crate::backends::confd::ConfdHub>,
}

impl SourceService {
    /// Must be called inside the tokio runtime the actors will run on.
    pub fn new(
        enabled_backends: Vec<String>,
        supervision: SupervisorConfig,
        storage: Storage,
        bus: Bus,
        confd: Arc<crate::backends::confd::ConfdHub>,
        published: Published,
    ) -> Self {
        SourceService {
            catalog: Catalog::new(published, |snapshot| &snapshot.sources),
            registry: source_actor::registry(
                supervision,
                crate::backends::Deps {
                    storage: storage.clone(),
                    confd: Arc::clone(&confd),
                },
            ),
            confd,
            enabled_backends,
            storage,
            bus,
        }
    }

    /// Starts, restarts or stops actors so that they match `sources` (the catalog actor calls
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

    pub fn get(&self, uuid: &str, tenants: &[String]) -> Option<Arc<Source>> {
        self.catalog.index().get(uuid, tenants).cloned()
    }

    /// A source whatever its tenant (for the engine, which has checked the profile's tenant).
    pub fn get_any(&self, uuid: &str) -> Option<Arc<Source>> {
        self.catalog.index().get_any(uuid).cloned()
    }

    /// Every source of the given tenants.
    pub fn list(&self, tenants: &[String]) -> Vec<Arc<Source>> {
        self.catalog.index().in_tenants(tenants)
    }

    /// Whether `uuid` is declared in the configuration.
    pub fn is_declared(&self, uuid: &str) -> bool {
        self.catalog.index().is_declared(uuid)
    }

    /// What the sources that read wazo-confd share (their copies follow wazo-confd's events).
    pub fn confd(&self) -> &Arc<crate::backends::confd::ConfdHub> {
        &self.confd
    }

    /// What a backend may use, for the views that query a source outside its actor.
    pub fn deps(&self) -> crate::backends::Deps {
        crate::backends::Deps {
            storage: self.storage.clone(),
            confd: Arc::clone(&self.confd),
        }
    }

    /// Each running source with its actor's address (for `/0.1/status` and `/metrics`).
    pub fn running(&self) -> Vec<(Arc<Source>, Address<SourceWorker>)> {
        let sources = self.catalog.index();
        self.registry
            .keys()
            .into_iter()
            .filter_map(|uuid| {
                Some((
                    Arc::clone(sources.get_any(&uuid)?),
                    self.registry.get(&uuid)?,
                ))
            })
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
                        "latency": {"count": latency.count, "sum": latency.sum, "buckets": buckets},
                    }),
                )
            })
            .collect()
    }

    /// The actor of a source, when its backend is enabled.
    pub fn address(&self, uuid: &str) -> Option<Address<SourceWorker>> {
        self.registry.get(&uuid.to_owned())
    }

    fn kind(name: &str) -> Result<&'static backends::Kind, ResourceError> {
        backends::kind(name).ok_or(ResourceError::NotFound {
            resource: "sources",
            uuid: name.to_owned(),
        })
    }

    /// Creates a source of `backend` in `tenant_uuid`.
    pub async fn create(
        &self,
        backend: &str,
        body: &Value,
        tenant_uuid: &str,
    ) -> Result<Source, ResourceError> {
        let kind = Self::kind(backend)?;
        let source = validator::validate(
            kind,
            body,
            uuid::Uuid::new_v4().to_string(),
            tenant_uuid.to_owned(),
            validator::UnknownKeys::Drop,
        )
        .map_err(ResourceError::Invalid)?;
        if !kind.virtual_name
            && self
                .catalog
                .index()
                .name_taken(tenant_uuid, &source.name, None)
        {
            return Err(ResourceError::Duplicate {
                resource: "sources",
                name: source.name,
            });
        }
        let client = self.storage.client().await?;
        dao::create(&client, &source).await?;
        let source = Self::stored(&client, source).await?;
        self.bus
            .publish(notifier::changed(Change::Created, &source));
        Ok(source)
    }

    /// Stores a source as it is given, without validation or defaults (wazo-dird stores the
    /// sources it creates for a new tenant so). The tenant's source of that name, if there is one
    /// already, is answered instead: provisioning twice changes nothing.
    pub async fn provision(&self, source: Source) -> Result<Arc<Source>, ResourceError> {
        if let Some(existing) = self
            .catalog
            .index()
            .by_name(&source.tenant_uuid, &source.name)
        {
            return Ok(Arc::clone(existing));
        }
        let client = self.storage.client().await?;
        dao::create(&client, &source).await?;
        self.bus
            .publish(notifier::changed(Change::Created, &source));
        Ok(Arc::new(source))
    }

    /// The source `uuid` of `backend` among `tenants`, refused when declared in the configuration.
    fn writable(
        &self,
        backend: &str,
        uuid: &str,
        tenants: &[String],
    ) -> Result<Arc<Source>, ResourceError> {
        self.catalog
            .index()
            .writable("sources", uuid, tenants, |source| source.backend == backend)
    }

    /// Replaces a source. Secrets the body does not repeat are kept.
    pub async fn update(
        &self,
        backend: &str,
        uuid: &str,
        tenants: &[String],
        body: &Value,
    ) -> Result<(), ResourceError> {
        let existing = self.writable(backend, uuid, tenants)?;
        let kind = Self::kind(backend)?;
        let mut body = body.clone();
        if let Value::Object(map) = &mut body {
            keep_secrets(map, &existing.extra_fields);
        }
        let source = validator::validate(
            kind,
            &body,
            existing.uuid.clone(),
            existing.tenant_uuid.clone(),
            validator::UnknownKeys::Drop,
        )
        .map_err(ResourceError::Invalid)?;
        if !kind.virtual_name
            && self
                .catalog
                .index()
                .name_taken(&source.tenant_uuid, &source.name, Some(uuid))
        {
            return Err(ResourceError::Duplicate {
                resource: "sources",
                name: source.name,
            });
        }
        let client = self.storage.client().await?;
        if !dao::update(&client, &source).await? {
            return Err(ResourceError::NotFound {
                resource: "sources",
                uuid: uuid.to_owned(),
            });
        }
        let source = Self::stored(&client, source).await?;
        self.bus.publish(notifier::changed(Change::Edited, &source));
        Ok(())
    }

    /// The source as stored: with the name and fields its phonebook gives it, if any.
    async fn stored(
        client: &deadpool_postgres::Object,
        source: Source,
    ) -> Result<Source, ResourceError> {
        if !source.extra_fields.contains_key("phonebook_uuid") {
            return Ok(source);
        }
        Ok(dao::get(client, &source.uuid).await?.unwrap_or(source))
    }

    /// Deletes a source (with its profile links and favorites).
    pub async fn delete(
        &self,
        backend: &str,
        uuid: &str,
        tenants: &[String],
    ) -> Result<(), ResourceError> {
        let existing = self.writable(backend, uuid, tenants)?;
        let client = self.storage.client().await?;
        if !dao::delete(&client, uuid).await? {
            return Err(ResourceError::NotFound {
                resource: "sources",
                uuid: uuid.to_owned(),
            });
        }
        self.bus
            .publish(notifier::changed(Change::Deleted, &existing));
        Ok(())
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
