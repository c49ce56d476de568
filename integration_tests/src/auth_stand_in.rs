//! A wazo-auth stand-in that answers like wazo-auth: token checks (`HEAD /0.1/token/{t}?scope=&tenant=`,
//! 204/403/404), token details, tenant lists scoped by `Wazo-Tenant`, the service login, and users'
//! external OAuth tokens (`GET /0.1/users/{uuid}/external/{google|microsoft}`). It counts
//! the calls it receives and can be stopped and restarted on the same port ("unreachable").

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A token known to the stand-in.
#[derive(Debug, Clone)]
pub struct Token {
    pub user_uuid: Option<String>,
    pub tenant_uuid: String,
    /// Exact ACLs the token grants; `__accept_all__` grants everything (as wazo-auth-mock).
    pub acl: Vec<String>,
}

/// A tenant of the tree.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub uuid: String,
    pub name: String,
    pub parent_uuid: String,
}

#[derive(Debug, Default)]
struct State {
    tokens: HashMap<String, Token>,
    tenants: Vec<Tenant>,
    /// username → (password, token issued on login)
    credentials: HashMap<String, (String, String)>,
    /// "METHOD /path" (without query) → count
    calls: HashMap<String, usize>,
    /// How long token checks take to answer.
    check_delay: std::time::Duration,
    /// (user uuid, `google`/`microsoft`) → the user's access token there.
    external: HashMap<(String, String), String>,
}

impl State {
    fn subtree(&self, root: &str) -> Vec<Tenant> {
        let mut found: Vec<Tenant> = self
            .tenants
            .iter()
            .filter(|t| t.uuid == root)
            .cloned()
            .collect();
        let mut index = 0;
        while index < found.len() {
            let parent = found[index].uuid.clone();
            for tenant in &self.tenants {
                if tenant.parent_uuid == parent
                    && tenant.uuid != parent
                    && !found.iter().any(|f| f.uuid == tenant.uuid)
                {
                    found.push(tenant.clone());
                }
            }
            index += 1;
        }
        found
    }
}

/// The running stand-in.
#[derive(Debug)]
pub struct AuthStandIn {
    pub port: u16,
    state: Arc<Mutex<State>>,
    server: crate::server::Restartable<Mutex<State>>,
}

pub const MASTER_TENANT: &str = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeee10";
pub const SUB_TENANT: &str = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeee11";
pub const OTHER_TENANT: &str = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeee12";
pub const SERVICE_USERNAME: &str = "dird-service";
pub const SERVICE_PASSWORD: &str = "dird-password";
pub const SERVICE_TOKEN: &str = "valid-token-master-tenant";

impl AuthStandIn {
    /// Starts a stand-in with a master tenant, two sub-tenants and the service credentials.
    pub fn start() -> Arc<Self> {
        Self::start_on(crate::free_port())
    }

    /// Same as [`AuthStandIn::start`], on a chosen port.
    pub fn start_on(port: u16) -> Arc<Self> {
        let state = Arc::new(Mutex::new(State::default()));
        let stand_in = Arc::new(AuthStandIn {
            port,
            server: crate::server::Restartable::start(port, None, Arc::clone(&state), routes),
            state,
        });
        stand_in.add_tenant(MASTER_TENANT, "master", MASTER_TENANT);
        stand_in.add_tenant(SUB_TENANT, "sub", MASTER_TENANT);
        stand_in.add_tenant(OTHER_TENANT, "other", MASTER_TENANT);
        stand_in.add_token(SERVICE_TOKEN, None, MASTER_TENANT, &["__accept_all__"]);
        stand_in.lock().credentials.insert(
            SERVICE_USERNAME.to_owned(),
            (SERVICE_PASSWORD.to_owned(), SERVICE_TOKEN.to_owned()),
        );
        stand_in
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn add_tenant(&self, uuid: &str, name: &str, parent_uuid: &str) {
        self.lock().tenants.push(Tenant {
            uuid: uuid.into(),
            name: name.into(),
            parent_uuid: parent_uuid.into(),
        });
    }

    pub fn remove_tenant(&self, uuid: &str) {
        self.lock().tenants.retain(|tenant| tenant.uuid != uuid);
    }

    pub fn add_token(&self, token: &str, user_uuid: Option<&str>, tenant_uuid: &str, acl: &[&str]) {
        self.lock().tokens.insert(
            token.into(),
            Token {
                user_uuid: user_uuid.map(str::to_owned),
                tenant_uuid: tenant_uuid.into(),
                acl: acl.iter().map(|a| (*a).to_owned()).collect(),
            },
        );
    }

    /// Credentials whose login (`POST /0.1/token`) issues `token`, a token of `tenant_uuid`.
    pub fn add_credentials(&self, username: &str, password: &str, token: &str, tenant_uuid: &str) {
        self.add_token(token, None, tenant_uuid, &["__accept_all__"]);
        self.lock()
            .credentials
            .insert(username.to_owned(), (password.to_owned(), token.to_owned()));
    }

    /// `user_uuid` connected an account of `kind` (`google`, `microsoft`) whose OAuth token is
    /// `access_token`.
    pub fn set_external(&self, user_uuid: &str, kind: &str, access_token: &str) {
        self.lock().external.insert(
            (user_uuid.to_owned(), kind.to_owned()),
            access_token.to_owned(),
        );
    }

    /// `user_uuid` disconnected its account of `kind`.
    pub fn remove_external(&self, user_uuid: &str, kind: &str) {
        self.lock()
            .external
            .remove(&(user_uuid.to_owned(), kind.to_owned()));
    }

    /// Forgets a token (its session ended): it is unknown from now on.
    pub fn remove_token(&self, token: &str) {
        self.lock().tokens.remove(token);
    }

    /// Token checks answer after `delay` from now on.
    pub fn set_check_delay(&self, delay: std::time::Duration) {
        self.lock().check_delay = delay;
    }

    /// How many calls `"HEAD /0.1/token/x"`-style keys received.
    pub fn calls(&self, key: &str) -> usize {
        self.lock().calls.get(key).copied().unwrap_or(0)
    }

    /// Total calls received, all routes together.
    pub fn total_calls(&self) -> usize {
        self.lock().calls.values().sum()
    }

    /// The base URL's host and port, for the daemon's `auth` section.
    pub fn config(&self) -> Value {
        json!({"host": "127.0.0.1", "port": self.port, "https": false, "timeout": 2})
    }

    /// Stops answering: connections are refused.
    pub fn stop(&self) {
        self.server.stop();
    }

    /// Answers again on the same port.
    pub fn resume(&self) {
        self.server.resume();
    }
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/0.1/token", web::post().to(login))
        .route("/0.1/token/{token}", web::head().to(check_token))
        .route("/0.1/token/{token}", web::get().to(get_token))
        .route("/0.1/tenants", web::get().to(list_tenants))
        .route(
            "/0.1/users/{user_uuid}/external/{kind}",
            web::get().to(external_token),
        );
}

/// As wazo-auth: the token needs `auth.users.{uuid}.external.{kind}.read`; 404
/// `unknown-external-auth` when the user has not connected such an account.
async fn external_token(
    state: web::Data<Mutex<State>>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let state = count(&state, &request);
    let (user, kind) = path.into_inner();
    let acl = format!("auth.users.{user}.external.{kind}.read");
    let token = request
        .headers()
        .get("X-Auth-Token")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| state.tokens.get(t));
    match token {
        None => {
            return HttpResponse::Unauthorized()
                .json(json!({"reason": ["Unauthorized"], "status_code": 401}))
        }
        Some(entry) if !entry.acl.iter().any(|a| a == "__accept_all__" || *a == acl) => {
            return HttpResponse::Unauthorized()
                .json(json!({"reason": ["Unauthorized"], "status_code": 401}));
        }
        Some(_) => {}
    }
    match state.external.get(&(user.clone(), kind.clone())) {
        Some(access_token) => HttpResponse::Ok().json(json!({
            "access_token": access_token, "scope": ["contacts"], "token_expiration": 3600,
        })),
        None => HttpResponse::NotFound().json(json!({
            "error_id": "unknown-external-auth",
            "message": format!("No external authentication {kind} for user {user}"),
            "resource": format!("{kind}"),
            "details": {"user_uuid": user, "auth_type": kind},
        })),
    }
}

fn count<'a>(state: &'a Mutex<State>, request: &HttpRequest) -> std::sync::MutexGuard<'a, State> {
    let mut state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *state
        .calls
        .entry(format!("{} {}", request.method(), request.path()))
        .or_default() += 1;
    state
}

fn query(request: &HttpRequest) -> HashMap<String, String> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .into_owned()
        .collect()
}

fn token_body(token: &str, entry: &Token) -> Value {
    json!({"data": {
        "token": token,
        "auth_id": entry.user_uuid.clone().unwrap_or_else(|| "wazo-dird-service".into()),
        "acl": entry.acl,
        "expires_at": "2099-01-01T00:00:00",
        "utc_expires_at": "2099-01-01T00:00:00.000000",
        "metadata": {"uuid": entry.user_uuid, "tenant_uuid": entry.tenant_uuid, "purpose": "user"},
    }})
}

/// Status wazo-auth answers for a token check.
fn verdict(state: &State, token: &str, request: &HttpRequest) -> u16 {
    let Some(entry) = state.tokens.get(token) else {
        return 404;
    };
    let params = query(request);
    if let Some(scope) = params.get("scope") {
        if !entry
            .acl
            .iter()
            .any(|acl| acl == "__accept_all__" || acl == scope)
        {
            return 403;
        }
    }
    if let Some(tenant) = params.get("tenant") {
        if !state
            .subtree(&entry.tenant_uuid)
            .iter()
            .any(|t| &t.uuid == tenant)
        {
            return 403;
        }
    }
    200
}

async fn check_token(
    state: web::Data<Mutex<State>>,
    request: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let delay = count(&state, &request).check_delay;
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match verdict(&state, &token, &request) {
        200 => HttpResponse::NoContent().finish(),
        403 => HttpResponse::Forbidden().finish(),
        _ => HttpResponse::NotFound().finish(),
    }
}

async fn get_token(
    state: web::Data<Mutex<State>>,
    request: HttpRequest,
    token: web::Path<String>,
) -> HttpResponse {
    let state = count(&state, &request);
    match verdict(&state, &token, &request) {
        200 => HttpResponse::Ok().json(token_body(&token, &state.tokens[token.as_str()])),
        403 => {
            HttpResponse::Forbidden().json(json!({"reason": ["Unauthorized"], "status_code": 403}))
        }
        _ => {
            HttpResponse::NotFound().json(json!({"reason": ["No such token"], "status_code": 404}))
        }
    }
}

async fn list_tenants(state: web::Data<Mutex<State>>, request: HttpRequest) -> HttpResponse {
    let state = count(&state, &request);
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let Some(entry) = header("X-Auth-Token").and_then(|t| state.tokens.get(&t).cloned()) else {
        return HttpResponse::Unauthorized().finish();
    };
    let scope = header("Wazo-Tenant").unwrap_or_else(|| entry.tenant_uuid.clone());
    if !state
        .subtree(&entry.tenant_uuid)
        .iter()
        .any(|t| t.uuid == scope)
    {
        return HttpResponse::Unauthorized().finish();
    }
    let items: Vec<Value> = state
        .subtree(&scope)
        .iter()
        .map(|t| json!({"uuid": t.uuid, "name": t.name, "parent_uuid": t.parent_uuid}))
        .collect();
    HttpResponse::Ok().json(json!({"items": items, "total": items.len(), "filtered": items.len()}))
}

async fn login(state: web::Data<Mutex<State>>, request: HttpRequest) -> HttpResponse {
    let state = count(&state, &request);
    let credentials = request
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(decode_basic);
    let issued: Option<String> = credentials.and_then(|(user, password)| {
        let (expected, token) = state.credentials.get(&user)?;
        (*expected == password).then(|| token.clone())
    });
    let body = issued.and_then(|token| {
        state
            .tokens
            .get(&token)
            .map(|entry| token_body(&token, entry))
    });
    match body {
        Some(body) => HttpResponse::Ok().json(body),
        None => HttpResponse::Unauthorized()
            .json(json!({"reason": ["Authentication Failed"], "status_code": 401})),
    }
}

fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let bytes = base64_decode(encoded)?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn base64_decode(input: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut output = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in input.bytes().filter(|b| *b != b'=') {
        let value = u32::try_from(ALPHABET.iter().position(|c| *c == byte)?).ok()?;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            output.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(output)
}
