//! Stand-ins for Google's People API and Microsoft Graph, answering as they do for a user's
//! contacts: `GET /v1/people/me/connections` (`personFields`, `pageSize`, `pageToken` →
//! `{connections, nextPageToken}`) and `GET /v1.0/me/contacts` (`$top` → `{value,
//! @odata.nextLink}`, the link absolute, as Graph gives it). Each access token has its own address
//! book; an unknown or expired one answers 401 as the real services do. Answers can be slowed
//! down, and the calls are counted.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Default)]
struct State {
    port: u16,
    /// access token → people (Google's shape).
    people: HashMap<String, Vec<Value>>,
    /// access token → contacts (Graph's shape).
    contacts: HashMap<String, Vec<Value>>,
    expired: HashSet<String>,
    delay: Duration,
    /// "METHOD /path" → count
    calls: HashMap<String, usize>,
}

/// The running stand-in (one port for both APIs).
#[derive(Debug)]
pub struct CloudStandIn {
    pub port: u16,
    state: Arc<Mutex<State>>,
    _server: crate::server::Restartable<Mutex<State>>,
}

impl CloudStandIn {
    pub fn start() -> Arc<Self> {
        let port = crate::free_port();
        let state = Arc::new(Mutex::new(State {
            port,
            ..State::default()
        }));
        Arc::new(CloudStandIn {
            port,
            _server: crate::server::Restartable::start(port, None, Arc::clone(&state), routes),
            state,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `http://127.0.0.1:<port>`: the daemon's `cloud_contacts.google_url` and `microsoft_url`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The Google contacts of the owner of `access_token`.
    pub fn set_people(&self, access_token: &str, people: Vec<Value>) {
        self.lock().people.insert(access_token.to_owned(), people);
    }

    /// The Microsoft contacts of the owner of `access_token`.
    pub fn set_contacts(&self, access_token: &str, contacts: Vec<Value>) {
        self.lock()
            .contacts
            .insert(access_token.to_owned(), contacts);
    }

    /// `access_token` has expired: both APIs answer 401 for it.
    pub fn expire(&self, access_token: &str) {
        self.lock().expired.insert(access_token.to_owned());
    }

    /// Every answer comes after `delay` from now on.
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// Calls to `"GET /v1/people/me/connections"` or `"GET /v1.0/me/contacts"`.
    pub fn calls(&self, key: &str) -> usize {
        self.lock().calls.get(key).copied().unwrap_or(0)
    }
}

/// A Google person as the People API gives it.
pub fn person(id: &str, given: &str, family: &str, phones: &[(&str, &str)], email: &str) -> Value {
    let phones: Vec<Value> = phones
        .iter()
        .map(|(kind, value)| json!({"value": value, "type": kind, "formattedType": kind}))
        .collect();
    json!({
        "resourceName": format!("people/c{id}"),
        "etag": "%EgcBAgkLLjc9GgECIgwxOTk5NDg4MzQwMzE=",
        "names": [{"metadata": {"primary": true, "source": {"type": "CONTACT", "id": id}},
                   "displayName": format!("{given} {family}"), "familyName": family, "givenName": given,
                   "displayNameLastFirst": format!("{family}, {given}"), "unstructuredName": format!("{given} {family}")}],
        "phoneNumbers": phones,
        "emailAddresses": [{"value": email, "type": "work", "formattedType": "Work"}],
        "organizations": [{"name": "Mushroom Kingdom", "title": "Plumber"}],
        "biographies": [{"value": "Notes", "contentType": "TEXT_PLAIN"}],
    })
}

/// A contact as Microsoft Graph gives it.
pub fn graph_contact(id: &str, given: &str, surname: &str, business: &str, mobile: &str) -> Value {
    json!({
        "@odata.etag": "W/\"EQAAABYAAAA\"",
        "id": id,
        "displayName": format!("{given} {surname}"),
        "givenName": given,
        "surname": surname,
        "mobilePhone": mobile,
        "businessPhones": [business],
        "homePhones": [],
        "emailAddresses": [{"name": given, "address": format!("{}@example.com", given.to_lowercase())}],
    })
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/people/me/connections", web::get().to(connections))
        .route("/v1.0/me/contacts", web::get().to(graph_contacts));
}

fn query(request: &HttpRequest) -> HashMap<String, String> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// Counts the call, waits the delay, and finds the bearer token: `Err` is the 401 to answer.
async fn enter(state: &Mutex<State>, request: &HttpRequest) -> Result<String, HttpResponse> {
    let delay = {
        let mut state = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *state
            .calls
            .entry(format!("{} {}", request.method(), request.path()))
            .or_default() += 1;
        state.delay
    };
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let token = request
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let known = state.people.contains_key(&token) || state.contacts.contains_key(&token);
    if !known || state.expired.contains(&token) {
        return Err(HttpResponse::Unauthorized().json(json!({"error": {
            "code": 401, "status": "UNAUTHENTICATED",
            "message": "Request had invalid authentication credentials.",
        }})));
    }
    Ok(token)
}

fn page_bounds(
    query: &HashMap<String, String>,
    size_key: &str,
    offset_key: &str,
    max: usize,
) -> (usize, usize) {
    let size = query
        .get(size_key)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100)
        .clamp(1, max);
    let offset = query
        .get(offset_key)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (offset, size)
}

async fn connections(state: web::Data<Mutex<State>>, request: HttpRequest) -> HttpResponse {
    let token = match enter(&state, &request).await {
        Ok(token) => token,
        Err(answer) => return answer,
    };
    let query = query(&request);
    if query.get("personFields").is_none_or(String::is_empty) {
        return HttpResponse::BadRequest()
            .json(json!({"error": {"code": 400, "message": "personFields mask is required"}}));
    }
    let (offset, size) = page_bounds(&query, "pageSize", "pageToken", 1000);
    let state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let people = state.people.get(&token).cloned().unwrap_or_default();
    let page: Vec<Value> = people.iter().skip(offset).take(size).cloned().collect();
    let mut body =
        json!({"connections": page, "totalPeople": people.len(), "totalItems": people.len()});
    if offset + size < people.len() {
        body["nextPageToken"] = json!((offset + size).to_string());
    }
    HttpResponse::Ok().json(body)
}

async fn graph_contacts(state: web::Data<Mutex<State>>, request: HttpRequest) -> HttpResponse {
    let token = match enter(&state, &request).await {
        Ok(token) => token,
        Err(answer) => return answer,
    };
    let query = query(&request);
    let (offset, size) = page_bounds(&query, "$top", "$skip", 1000);
    let state = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let contacts = state.contacts.get(&token).cloned().unwrap_or_default();
    let page: Vec<Value> = contacts.iter().skip(offset).take(size).cloned().collect();
    let mut body = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('me')/contacts", "value": page});
    if offset + size < contacts.len() {
        body["@odata.nextLink"] = json!(format!(
            "http://127.0.0.1:{}/v1.0/me/contacts?%24top={size}&%24skip={}",
            state.port,
            offset + size
        ));
    }
    HttpResponse::Ok().json(body)
}
