//! A wazo-confd stand-in that answers like wazo-confd 1.1: `GET /1.1/users?view=directory`
//! (search over names and numbers, `exten=a,b`-style list filters, exact filters, order, paging,
//! tenants by `Wazo-Tenant` and `recurse`), `GET /1.1/conferences`, `GET /1.1/infos`. It only
//! accepts the tokens it is told about (401 otherwise), counts the calls it receives, and can stop
//! and come back on the same port. The tests change its data and publish wazo-confd's events.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The uuid `/infos` answers (the stack's, wazo-dird's `xivo_id`).
pub const XIVO_UUID: &str = "6fa459ea-ee8a-3ca4-894e-db77e160355e";

#[derive(Debug, Default)]
struct State {
    /// (tenant, user in the directory view)
    users: Vec<(String, Value)>,
    /// (tenant, conference)
    conferences: Vec<(String, Value)>,
    /// Accepted tokens and their tenants.
    tokens: Vec<(String, String)>,
    /// "METHOD /path" → count
    calls: HashMap<String, usize>,
    /// Seconds every answer waits.
    delay: f64,
}

/// The running stand-in.
#[derive(Debug)]
pub struct ConfdStandIn {
    pub port: u16,
    state: Arc<Mutex<State>>,
    server: crate::server::Restartable<Mutex<State>>,
}

/// A user of the directory view, with wazo-confd's thirteen keys.
#[allow(clippy::too_many_arguments)]
pub fn user(
    id: u64,
    uuid: &str,
    firstname: &str,
    lastname: Option<&str>,
    exten: Option<&str>,
    mobile: Option<&str>,
    line_id: Option<u64>,
    agent_id: Option<&str>,
) -> Value {
    json!({
        "id": id, "uuid": uuid, "line_id": line_id, "agent_id": agent_id,
        "firstname": firstname, "lastname": lastname, "email": null, "exten": exten,
        "mobile_phone_number": mobile, "voicemail_number": null, "userfield": null,
        "description": null, "context": exten.map(|_| "default"),
    })
}

/// A conference room with its extensions and incalls.
pub fn conference(id: u64, name: &str, extens: &[&str], incalls: &[&str]) -> Value {
    let extension = |exten: &&str, context: &str| json!({"id": 1, "exten": exten, "context": context, "links": []});
    json!({
        "id": id, "name": name, "max_users": 50, "pin": null, "links": [],
        "extensions": extens.iter().map(|e| extension(e, "inside")).collect::<Vec<_>>(),
        "incalls": incalls.iter().enumerate().map(|(i, e)| json!({"id": i + 10, "links": [], "extensions": [extension(e, "from-extern")]})).collect::<Vec<_>>(),
    })
}

impl ConfdStandIn {
    /// A stand-in that accepts `token`, a token of `tenant`.
    pub fn start(token: &str, tenant: &str) -> Arc<Self> {
        let port = crate::free_port();
        let state = Arc::new(Mutex::new(State::default()));
        let stand_in = Arc::new(ConfdStandIn {
            port,
            server: crate::server::Restartable::start(port, None, Arc::clone(&state), routes),
            state,
        });
        stand_in
            .lock()
            .tokens
            .push((token.to_owned(), tenant.to_owned()));
        stand_in
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds or replaces (by id) a user of `tenant`.
    pub fn put_user(&self, tenant: &str, user: Value) {
        let mut state = self.lock();
        state.users.retain(|(_, u)| u["id"] != user["id"]);
        state.users.push((tenant.to_owned(), user));
    }

    pub fn remove_user(&self, id: u64) {
        self.lock().users.retain(|(_, u)| u["id"] != json!(id));
    }

    /// Adds or replaces (by id) a conference room of `tenant`.
    pub fn put_conference(&self, tenant: &str, room: Value) {
        let mut state = self.lock();
        state.conferences.retain(|(_, c)| c["id"] != room["id"]);
        state.conferences.push((tenant.to_owned(), room));
    }

    pub fn remove_conference(&self, id: u64) {
        self.lock()
            .conferences
            .retain(|(_, c)| c["id"] != json!(id));
    }

    /// Every answer waits this long from now on.
    pub fn set_delay(&self, seconds: f64) {
        self.lock().delay = seconds;
    }

    /// Calls received by `"GET /1.1/users"`-style keys.
    pub fn calls(&self, key: &str) -> usize {
        self.lock().calls.get(key).copied().unwrap_or(0)
    }

    /// The `confd` section of a source that uses this stand-in.
    pub fn config(&self) -> Value {
        json!({"host": "127.0.0.1", "port": self.port, "https": false, "prefix": null, "timeout": 2})
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
    cfg.route("/1.1/users", web::get().to(users))
        .route("/1.1/conferences", web::get().to(conferences))
        .route("/1.1/infos", web::get().to(infos));
}

/// Counts the call and checks the token; the delay to wait and the request's tenant
/// (`Wazo-Tenant`, else the token's), or the refusal.
fn admit(state: &Mutex<State>, request: &HttpRequest) -> Result<(f64, String), Box<HttpResponse>> {
    let mut state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *state
        .calls
        .entry(format!("{} {}", request.method(), request.path()))
        .or_default() += 1;
    let token = request
        .headers()
        .get("X-Auth-Token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some((_, own_tenant)) = state.tokens.iter().find(|(t, _)| t == token) else {
        return Err(Box::new(
            HttpResponse::Unauthorized()
                .json(json!({"reason": ["Unauthorized"], "status_code": 401})),
        ));
    };
    let tenant = request
        .headers()
        .get("Wazo-Tenant")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| own_tenant.clone(), str::to_owned);
    Ok((state.delay, tenant))
}

fn query(request: &HttpRequest) -> HashMap<String, String> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .into_owned()
        .collect()
}

fn fold(text: &str) -> String {
    text.to_lowercase()
        .replace(['é', 'è', 'ê', 'ë'], "e")
        .replace(['à', 'â'], "a")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Sorts, pages and answers `{total, items}` as wazo-confd.
fn page(
    mut items: Vec<Value>,
    params: &HashMap<String, String>,
    default_order: &str,
) -> HttpResponse {
    let order = params.get("order").map_or(default_order, String::as_str);
    items.sort_by_key(|item| {
        let value = text(&item[order]);
        (value.is_empty(), fold(&value))
    });
    if params.get("direction").map(String::as_str) == Some("desc") {
        items.reverse();
    }
    let total = items.len();
    let offset: usize = params
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let limit: usize = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX);
    let items: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    HttpResponse::Ok().json(json!({"total": total, "items": items}))
}

async fn users(state: web::Data<Mutex<State>>, request: HttpRequest) -> HttpResponse {
    let (delay, wanted_tenant) = match admit(&state, &request) {
        Ok(admitted) => admitted,
        Err(refused) => return *refused,
    };
    tokio::time::sleep(std::time::Duration::from_secs_f64(delay)).await;
    let params = query(&request);
    let users: Vec<Value> = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .users
        .iter()
        .filter(|(t, _)| *t == wanted_tenant)
        .map(|(_, u)| u.clone())
        .filter(|user| {
            params.get("search").is_none_or(|term| {
                let needle = fold(term);
                let full = format!("{} {}", text(&user["firstname"]), text(&user["lastname"]));
                [
                    full,
                    text(&user["exten"]),
                    text(&user["mobile_phone_number"]),
                    text(&user["email"]),
                ]
                .iter()
                .any(|v| fold(v).contains(&needle))
            })
        })
        .filter(|user| {
            ["uuid", "exten", "mobile_phone_number"].iter().all(|key| {
                params
                    .get(*key)
                    .is_none_or(|list| list.split(',').any(|v| text(&user[*key]) == v))
            }) && ["firstname", "lastname"]
                .iter()
                .all(|key| params.get(*key).is_none_or(|v| text(&user[*key]) == *v))
        })
        .collect();
    page(users, &params, "lastname")
}

async fn conferences(state: web::Data<Mutex<State>>, request: HttpRequest) -> HttpResponse {
    let (delay, wanted_tenant) = match admit(&state, &request) {
        Ok(admitted) => admitted,
        Err(refused) => return *refused,
    };
    tokio::time::sleep(std::time::Duration::from_secs_f64(delay)).await;
    let params = query(&request);
    let rooms: Vec<Value> = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .conferences
        .iter()
        .filter(|(t, _)| *t == wanted_tenant)
        .map(|(_, c)| c.clone())
        .filter(|room| {
            params
                .get("search")
                .is_none_or(|term| fold(&text(&room["name"])).contains(&fold(term)))
        })
        .filter(|room| params.get("name").is_none_or(|n| text(&room["name"]) == *n))
        .collect();
    page(rooms, &params, "name")
}

async fn infos(state: web::Data<Mutex<State>>, request: HttpRequest) -> HttpResponse {
    match admit(&state, &request) {
        Ok(_) => HttpResponse::Ok().json(json!({"uuid": XIVO_UUID, "wazo_version": "26.08"})),
        Err(refused) => *refused,
    }
}
