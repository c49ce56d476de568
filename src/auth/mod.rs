//! Authentication and tenancy: who is calling, may they do this, and in which tenant.
//!
//! Tokens are checked here (wazo-auth's `HEAD /0.1/token/{t}?scope=&tenant=` or the static file),
//! with answers of auth's own (`CheckOutcome`, `Unreachable`) that know nothing of HTTP: the
//! `Authorized` extractor of `http::authorized` renders each route's ACL, asks, maps the answers to
//! wazo-dird's error bodies and resolves the tenant (`Wazo-Tenant` when the token may see it, else
//! the token's own). Answers are cached for `auth.cache_ttl` seconds, so a warm request costs no
//! round trip to wazo-auth.

pub mod acl;
mod cache;
mod service_token;
mod static_tokens;
mod wazo_auth;

use crate::config::{Auth as AuthConfig, AuthBackend};
use cache::TtlCache;
use serde_json::Value;
use static_tokens::StaticTokens;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use wazo_auth::WazoAuthClient;

/// The answer to a token check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    Valid,
    /// Unknown or expired token.
    NotFound,
    /// Known token without the ACL, or a tenant it cannot see.
    Forbidden,
}

/// wazo-auth could not answer (down, timed out, or answered nonsense).
#[derive(Debug, Clone)]
pub struct Unreachable {
    pub host: String,
    pub port: u16,
    pub original_error: String,
}

impl Unreachable {
    /// Logs the failure and answers wazo-dird's `details` of `authentication-server-unreachable`.
    pub fn details(&self) -> Value {
        tracing::warn!(host = %self.host, port = self.port, error = %self.original_error, "wazo-auth unreachable");
        serde_json::json!({
            "auth_server_host": self.host,
            "auth_server_port": self.port,
            "original_error": self.original_error,
        })
    }
}

/// What a token says about its owner.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub token: String,
    /// `metadata.uuid`: the user, absent for service tokens without a user.
    pub user_uuid: Option<String>,
    /// `metadata.tenant_uuid`.
    pub tenant_uuid: Option<String>,
    pub acl: Vec<String>,
}

impl TokenInfo {
    fn from_wazo_auth(token: &str, data: &Value) -> Self {
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        TokenInfo {
            token: token.to_owned(),
            user_uuid: text(&data["metadata"]["uuid"]),
            tenant_uuid: text(&data["metadata"]["tenant_uuid"]),
            acl: data["acl"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// A tenant as wazo-auth lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub uuid: String,
    pub name: String,
    pub parent_uuid: Option<String>,
}

impl Tenant {
    fn from_json(item: &Value) -> Option<Tenant> {
        Some(Tenant {
            uuid: item["uuid"].as_str()?.to_owned(),
            name: item["name"].as_str().unwrap_or_default().to_owned(),
            parent_uuid: item["parent_uuid"].as_str().map(str::to_owned),
        })
    }
}

#[derive(Debug)]
enum Verifier {
    WazoAuth(WazoAuthClient),
    Static(StaticTokens),
}

/// The authentication service shared by every request.
#[derive(Debug)]
pub struct AuthService {
    verifier: Verifier,
    checks: TtlCache<(String, String, Option<String>), CheckOutcome, Unreachable>,
    infos: TtlCache<String, Option<TokenInfo>, Unreachable>,
    tenants: TtlCache<(String, String), Option<Vec<Tenant>>, Unreachable>,
    master_tenant: RwLock<Option<String>>,
    service_token: RwLock<Option<String>>,
    settings: AuthConfig,
}

impl AuthService {
    /// Builds the service from the `auth` section. Fails when the static tokens file is unusable.
    pub fn new(settings: &AuthConfig) -> Result<Arc<Self>, String> {
        let verifier = match settings.backend {
            AuthBackend::WazoAuth => Verifier::WazoAuth(WazoAuthClient::new(&settings.server())?),
            AuthBackend::Static => {
                let path = settings
                    .static_tokens_file
                    .as_deref()
                    .ok_or("auth.static_tokens_file is required")?;
                Verifier::Static(StaticTokens::load(path)?)
            }
        };
        let master = settings
            .master_tenant_uuid
            .clone()
            .or_else(|| match &verifier {
                Verifier::Static(tokens) => tokens.top_tenant(),
                Verifier::WazoAuth(_) => None,
            });
        let ttl = Duration::from_secs_f64(settings.cache_ttl);
        Ok(Arc::new(AuthService {
            verifier,
            checks: TtlCache::new(ttl),
            infos: TtlCache::new(ttl),
            tenants: TtlCache::new(ttl),
            master_tenant: RwLock::new(master),
            service_token: RwLock::new(None),
            settings: settings.clone(),
        }))
    }

    /// Whether tokens are checked by the daemon itself from a local file.
    pub fn is_standalone(&self) -> bool {
        matches!(self.verifier, Verifier::Static(_))
    }

    /// Starts renewing the daemon's own token when it talks to wazo-auth (it also sets the master tenant).
    pub fn spawn_service_token_renewal(self: &Arc<Self>) {
        if let Verifier::WazoAuth(client) = &self.verifier {
            service_token::spawn(Arc::clone(self), client.clone());
        }
    }

    /// Checks that `token` grants `acl` in `tenant` (when given).
    pub async fn check(
        &self,
        token: &str,
        acl: &str,
        tenant: Option<&str>,
    ) -> Result<CheckOutcome, Unreachable> {
        match &self.verifier {
            Verifier::Static(tokens) => Ok(tokens.check(token, acl, tenant)),
            Verifier::WazoAuth(client) => {
                let key = (token.to_owned(), acl.to_owned(), tenant.map(str::to_owned));
                let ask = key.clone();
                self.checks
                    .get_or_load(key, || {
                        let (client, (token, acl, tenant)) = (client.clone(), ask.clone());
                        async move { client.check(&token, &acl, tenant.as_deref()).await }
                    })
                    .await
            }
        }
    }

    /// The token's user and tenant; `None` for an unknown token.
    pub async fn token_info(&self, token: &str) -> Result<Option<TokenInfo>, Unreachable> {
        match &self.verifier {
            Verifier::Static(tokens) => Ok(tokens.token_info(token)),
            Verifier::WazoAuth(client) => {
                self.infos
                    .get_or_load(token.to_owned(), || {
                        let (client, token) = (client.clone(), token.to_owned());
                        async move { client.token_info(&token).await }
                    })
                    .await
            }
        }
    }

    /// A wazo-auth session ended (`auth_session_deleted`): its tokens must stop working at once.
    /// The cached checks do not say which session a token belongs to, so all of them are dropped:
    /// each token in use costs one more check.
    pub fn session_deleted(&self) {
        self.checks.clear();
        self.infos.clear();
        self.tenants.clear();
    }

    /// wazo-auth added or deleted a tenant (`auth_tenant_added`, `auth_tenant_deleted`): the cached
    /// trees of sub-tenants are stale, so they are dropped (the token checks stay).
    pub fn tenants_changed(&self) {
        self.tenants.clear();
    }

    /// The tenants `token` sees from `tenant` down (for `recurse=true`). A token that may not list
    /// tenants sees only `tenant`, as in wazo-dird.
    pub async fn visible_tenants(
        &self,
        token: &str,
        tenant: &str,
    ) -> Result<Vec<String>, Unreachable> {
        let mut uuids: Vec<String> = self
            .listed_tenants(token, tenant)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.uuid)
            .collect();
        if !uuids.iter().any(|u| u == tenant) {
            uuids.insert(0, tenant.to_owned());
        }
        Ok(uuids)
    }

    /// The tenant named `name` among those `token` sees from `tenant` down (wazo-auth
    /// `GET /tenants?name=` in the scope of `tenant`), as the deprecated phonebook routes name it.
    pub async fn tenant_named(
        &self,
        token: &str,
        tenant: &str,
        name: &str,
    ) -> Result<Option<Tenant>, Unreachable> {
        Ok(self
            .listed_tenants(token, tenant)
            .await?
            .unwrap_or_default()
            .into_iter()
            .find(|t| t.name == name))
    }

    /// The tenants `token` may list from `tenant` down (cached); `None` when it may not list them.
    async fn listed_tenants(
        &self,
        token: &str,
        tenant: &str,
    ) -> Result<Option<Vec<Tenant>>, Unreachable> {
        match &self.verifier {
            Verifier::Static(tokens) => Ok(tokens.visible_tenants(token, tenant)),
            Verifier::WazoAuth(client) => {
                self.tenants
                    .get_or_load((token.to_owned(), tenant.to_owned()), || {
                        let (client, token, tenant) =
                            (client.clone(), token.to_owned(), tenant.to_owned());
                        async move { client.tenants(&token, &tenant).await }
                    })
                    .await
            }
        }
    }

    /// The master tenant, once known (configured, or the tenant of the daemon's own token).
    pub fn master_tenant(&self) -> Option<String> {
        self.master_tenant.read().ok().and_then(|m| m.clone())
    }

    /// The daemon's own token, once logged in to wazo-auth.
    pub fn service_token(&self) -> Option<String> {
        self.service_token.read().ok().and_then(|t| t.clone())
    }

    fn set_service_token(&self, info: &TokenInfo) {
        if let Ok(mut token) = self.service_token.write() {
            *token = Some(info.token.clone());
        }
        if let Ok(mut master) = self.master_tenant.write() {
            if master.is_none() {
                if let Some(tenant) = &info.tenant_uuid {
                    tracing::info!(master_tenant = %tenant, "master tenant set from the service token");
                    *master = Some(tenant.clone());
                }
            }
        }
    }
}
