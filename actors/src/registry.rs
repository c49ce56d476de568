//! A keyed set of supervised actors, reconciled against the desired configuration: only the actors
//! whose configuration changed are restarted, new ones are started, removed ones are stopped.

use crate::supervisor::{spawn, Address, Factory, SupervisorConfig};
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::RwLock;
use tokio::runtime::Handle;

/// What a reconciliation did.
#[derive(Debug, PartialEq, Eq)]
pub struct Diff<K> {
    pub started: Vec<K>,
    pub restarted: Vec<K>,
    pub stopped: Vec<K>,
}

struct Entry<C, F: Factory> {
    config: C,
    address: Address<F::Worker>,
}

type Make<K, C, F> = Box<dyn Fn(&K, &C) -> F + Send + Sync>;

/// Actors keyed by `K`, each built from a configuration `C` by `make`.
pub struct Registry<K, C, F: Factory> {
    actors: RwLock<HashMap<K, Entry<C, F>>>,
    make: Make<K, C, F>,
    config: SupervisorConfig,
    runtime: Handle,
}

impl<K, C, F: Factory> fmt::Debug for Registry<K, C, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.actors.read().map(|a| a.len()).unwrap_or_default();
        f.debug_struct("Registry")
            .field("actors", &count)
            .finish_non_exhaustive()
    }
}

impl<K, C, F> Registry<K, C, F>
where
    K: Eq + Hash + Clone + fmt::Display,
    C: PartialEq + Clone,
    F: Factory,
{
    /// A registry whose actors run on the current tokio runtime.
    pub fn new(
        make: impl Fn(&K, &C) -> F + Send + Sync + 'static,
        config: SupervisorConfig,
    ) -> Self {
        Registry {
            actors: RwLock::new(HashMap::new()),
            make: Box::new(make),
            config,
            runtime: Handle::current(),
        }
    }

    fn start(&self, key: &K, config: &C) -> Address<F::Worker> {
        let _runtime = self.runtime.enter();
        spawn(
            key.to_string(),
            (self.make)(key, config),
            self.config.clone(),
        )
    }

    /// Starts `key` if new, restarts it if its configuration changed, leaves it alone otherwise.
    /// Returns whether an actor was (re)started.
    pub fn upsert(&self, key: K, config: C) -> bool {
        let mut actors = self
            .actors
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if actors.get(&key).is_some_and(|entry| entry.config == config) {
            return false;
        }
        let address = self.start(&key, &config);
        if let Some(old) = actors.insert(key, Entry { config, address }) {
            old.address.stop();
        }
        true
    }

    /// Stops and forgets `key`. Returns whether it existed.
    pub fn remove(&self, key: &K) -> bool {
        let mut actors = self
            .actors
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        actors
            .remove(key)
            .map(|entry| entry.address.stop())
            .is_some()
    }

    /// Makes the registry hold exactly `desired`, touching only what differs.
    pub fn apply(&self, desired: HashMap<K, C>) -> Diff<K> {
        let mut diff = Diff {
            started: Vec::new(),
            restarted: Vec::new(),
            stopped: Vec::new(),
        };
        let existing: Vec<K> = self.keys();
        for key in existing
            .into_iter()
            .filter(|key| !desired.contains_key(key))
        {
            self.remove(&key);
            diff.stopped.push(key);
        }
        for (key, config) in desired {
            let existed = self.get(&key).is_some();
            if self.upsert(key.clone(), config) {
                if existed {
                    diff.restarted.push(key);
                } else {
                    diff.started.push(key);
                }
            }
        }
        diff
    }

    /// The address of `key`'s actor.
    pub fn get(&self, key: &K) -> Option<Address<F::Worker>> {
        let actors = self
            .actors
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        actors.get(key).map(|entry| entry.address.clone())
    }

    /// The keys of every actor.
    pub fn keys(&self) -> Vec<K> {
        let actors = self
            .actors
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        actors.keys().cloned().collect()
    }
}
