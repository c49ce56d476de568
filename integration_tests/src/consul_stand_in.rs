//! A consul agent stand-in: the agent routes wazo-dird calls (`/v1/agent/service/register`,
//! `/v1/agent/check/pass/{id}`, `/v1/agent/check/deregister/{id}`,
//! `/v1/agent/service/deregister/{id}`), answered as the agent does (200, or 404 for a check or
//! service it does not know), each call recorded with its token header and body. Services and
//! checks can be forgotten, as an agent that restarted would.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// One call the agent received.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    pub token: Option<String>,
    pub body: Value,
}

#[derive(Debug, Default)]
struct State {
    calls: Vec<Call>,
    /// Registered services by id, with their registration body.
    services: BTreeMap<String, Value>,
    /// TTL checks by id.
    checks: BTreeSet<String>,
}

/// The running stand-in.
#[derive(Debug)]
pub struct ConsulStandIn {
    pub port: u16,
    state: Mutex<State>,
}

impl ConsulStandIn {
    pub fn start() -> Arc<Self> {
        let port = crate::free_port();
        let stand_in = Arc::new(ConsulStandIn {
            port,
            state: Mutex::new(State::default()),
        });
        crate::server::start(port, None, web::Data::from(Arc::clone(&stand_in)), |cfg| {
            cfg.route("/v1/agent/{what}/{action}", web::put().to(agent))
                .route("/v1/agent/{what}/{action}/{id}", web::put().to(agent));
        });
        stand_in
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// The registered services, by id.
    pub fn services(&self) -> BTreeMap<String, Value> {
        self.state().services.clone()
    }

    /// Forgets every service and check (an agent that restarted).
    pub fn forget_all(&self) {
        let mut state = self.state();
        state.services.clear();
        state.checks.clear();
    }
}

async fn agent(
    request: HttpRequest,
    stand_in: web::Data<ConsulStandIn>,
    path: web::Path<Vec<String>>,
    body: web::Bytes,
) -> HttpResponse {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let token = request
        .headers()
        .get("X-Consul-Token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut state = stand_in.state();
    state.calls.push(Call {
        path: request.path().to_owned(),
        token,
        body: body.clone(),
    });
    let known = |found: bool| {
        if found {
            HttpResponse::Ok().finish()
        } else {
            HttpResponse::NotFound().body("unknown")
        }
    };
    match path
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["service", "register"] => {
            let Some(id) = body["ID"].as_str().map(str::to_owned) else {
                return HttpResponse::BadRequest().body("missing ID");
            };
            if body["Check"]["TTL"].as_str().is_some() {
                state.checks.insert(format!("service:{id}"));
            }
            state.services.insert(id, body);
            HttpResponse::Ok().finish()
        }
        ["check", "pass", id] => {
            let found = state.checks.contains(*id);
            known(found)
        }
        ["check", "deregister", id] => {
            let found = state.checks.remove(*id);
            known(found)
        }
        ["service", "deregister", id] => {
            let found = state.services.remove(*id).is_some();
            known(found)
        }
        _ => HttpResponse::NotFound().body("no such agent route"),
    }
}
