//! What the `wazo` and `conference` backends share: their `auth`/`confd` fields, one wazo-auth
//! token per set of credentials, a wazo-confd client per source, and the in-memory copies of
//! wazo-confd's users and conference rooms that wazo-confd's bus events keep fresh.

pub mod client;
pub mod config;
pub mod copy;
pub mod listing;
mod token;

use config::{ConfdSettings, Credentials};
use copy::{CopyKind, Reloadable};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
pub use token::TokenSource;

/// The events of wazo-confd after which a tenant's users may read differently in the directory
/// (names, numbers, lines, extensions, agents, voicemails).
pub const USER_EVENTS: &[&str] = &[
    "user_created",
    "user_edited",
    "user_deleted",
    "user_line_associated",
    "user_line_dissociated",
    "line_edited",
    "line_deleted",
    "line_extension_associated",
    "line_extension_dissociated",
    "extension_edited",
    "extension_deleted",
    "user_agent_associated",
    "user_agent_dissociated",
    "user_voicemail_associated",
    "user_voicemail_dissociated",
    "user_voicemail_edited",
];

/// The events of wazo-confd after which a tenant's conference rooms may read differently.
pub const CONFERENCE_EVENTS: &[&str] = &[
    "conference_created",
    "conference_edited",
    "conference_deleted",
    "conference_extension_associated",
    "conference_extension_dissociated",
    "incall_deleted",
    "incall_extension_associated",
    "incall_extension_dissociated",
    "extension_edited",
    "extension_deleted",
];

/// Shared by every source that reads wazo-confd.
#[derive(Debug)]
pub struct ConfdHub {
    /// `None`: no copies (`contact_cache.enabled: false`), every lookup asks wazo-confd.
    pub resync_interval: Option<Duration>,
    tokens: Mutex<HashMap<(String, Credentials), Weak<TokenSource>>>,
    copies: Mutex<Vec<Weak<dyn Reloadable>>>,
}

impl ConfdHub {
    pub fn new(resync_interval: Option<Duration>) -> Self {
        ConfdHub {
            resync_interval,
            tokens: Mutex::new(HashMap::new()),
            copies: Mutex::new(Vec::new()),
        }
    }

    /// The token of these credentials on this wazo-auth, shared by the sources that use them.
    pub fn token(&self, settings: &ConfdSettings) -> Arc<TokenSource> {
        self.token_for(&settings.auth, &settings.credentials)
    }

    /// The token of `credentials` on the wazo-auth `auth`, shared by the sources that use them.
    pub fn token_for(
        &self,
        auth: &config::Endpoint,
        credentials: &Credentials,
    ) -> Arc<TokenSource> {
        let key = (auth.base_url(), credentials.clone());
        let mut tokens = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tokens.retain(|_, token| token.strong_count() > 0);
        if let Some(token) = tokens.get(&key).and_then(Weak::upgrade) {
            return token;
        }
        let token = Arc::new(TokenSource::new(auth.clone(), credentials.clone()));
        tokens.insert(key, Arc::downgrade(&token));
        token
    }

    /// Starts a copy of `kind` for a source of `tenant_uuid`, reachable by wazo-confd's events for
    /// as long as it lives; `None` when copies are off.
    pub fn start_copy<S: Send + Sync + std::fmt::Debug + 'static>(
        &self,
        kind: CopyKind,
        tenant_uuid: &str,
        loader: copy::Loader<S>,
    ) -> Option<Arc<copy::Copy<S>>> {
        let interval = self.resync_interval?;
        let started = copy::Copy::start(kind, tenant_uuid.to_owned(), interval, loader);
        let reachable: Arc<dyn Reloadable> = started.clone();
        let mut copies = self
            .copies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        copies.retain(|copy| copy.strong_count() > 0);
        copies.push(Arc::downgrade(&reachable));
        Some(started)
    }

    /// The copies still in use.
    fn live(&self) -> Vec<Arc<dyn Reloadable>> {
        self.copies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }

    /// Changes of wazo-confd may have been missed: every copy reloads.
    pub fn resync_all(&self) {
        for copy in self.live() {
            copy.reload();
        }
    }

    /// wazo-confd announced `event` in `tenant_uuid`: the copies it may change reload. A copy
    /// covers its source's tenant (and the users of sub-tenants, for `wazo`); an event of a tenant
    /// no copy belongs to may concern a sub-tenant, so every copy of that kind reloads then.
    pub fn changed(&self, event: &str, tenant_uuid: Option<&str>) {
        let kinds: Vec<CopyKind> = [
            (USER_EVENTS, CopyKind::Users),
            (CONFERENCE_EVENTS, CopyKind::Conferences),
        ]
        .iter()
        .filter(|(events, _)| events.contains(&event))
        .map(|(_, kind)| *kind)
        .collect();
        let live: Vec<Arc<dyn Reloadable>> = self
            .live()
            .into_iter()
            .filter(|copy| kinds.contains(&copy.kind()))
            .collect();
        let own: Vec<&Arc<dyn Reloadable>> = live
            .iter()
            .filter(|copy| Some(copy.tenant_uuid()) == tenant_uuid)
            .collect();
        let targets = if own.is_empty() {
            live.iter().collect()
        } else {
            own
        };
        for copy in targets {
            copy.reload();
        }
    }
}
