//! A CSV web service stand-in for the `csv_ws` backend, answering like wazo-dird's test service:
//! no query parameter lists every row; otherwise the rows whose column (named by a parameter)
//! contains the value, case-insensitively, are returned; nothing matching is a 404 with an empty
//! body. Answers are `text/csv; charset=<charset>`, encoded in that charset. It can be made slow,
//! and stopped.

use actix_web::{web, HttpRequest, HttpResponse};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug)]
struct State {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    separator: char,
    /// `utf-8` or `iso-8859-1`.
    charset: &'static str,
    delay: Duration,
    requests: Vec<String>,
}

/// The running web service.
#[derive(Debug)]
pub struct CsvWebService {
    pub port: u16,
    pub tls_certificate: Option<String>,
    state: Arc<Mutex<State>>,
    server: crate::server::Restartable<Mutex<State>>,
}

impl CsvWebService {
    /// Serves `rows` (first row = header) on `/ws`, over HTTPS with a self-signed certificate when `tls`.
    pub fn start(rows: &[&[&str]], separator: char, charset: &'static str, tls: bool) -> Arc<Self> {
        let port = crate::free_port();
        let state = Arc::new(Mutex::new(State {
            header: rows[0].iter().map(|s| (*s).to_owned()).collect(),
            rows: rows[1..]
                .iter()
                .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
                .collect(),
            separator,
            charset,
            delay: Duration::ZERO,
            requests: Vec::new(),
        }));
        let (tls_config, tls_certificate) = match tls {
            true => {
                let (config, pem) = crate::server::self_signed_tls();
                (Some(config), Some(pem))
            }
            false => (None, None),
        };
        let server =
            crate::server::Restartable::start(port, tls_config, Arc::clone(&state), routes);
        Arc::new(CsvWebService {
            port,
            tls_certificate,
            state,
            server,
        })
    }

    /// The URL of the service.
    pub fn url(&self) -> String {
        let scheme = if self.tls_certificate.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}/ws", self.port)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every answer waits this long first.
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// The query strings received so far.
    pub fn requests(&self) -> Vec<String> {
        self.lock().requests.clone()
    }

    /// Stops answering: connections are refused.
    pub fn stop(&self) {
        self.server.stop();
    }
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws", web::get().to(answer));
}

async fn answer(state: web::Data<Mutex<State>>, request: HttpRequest) -> HttpResponse {
    let (delay, body, charset) = {
        let mut state = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.requests.push(request.query_string().to_owned());
        let params: Vec<(String, String)> =
            url::form_urlencoded::parse(request.query_string().as_bytes())
                .into_owned()
                .collect();
        let wanted: Vec<(usize, String)> = params
            .iter()
            .filter_map(|(name, value)| {
                state
                    .header
                    .iter()
                    .position(|h| h == name)
                    .map(|i| (i, value.to_lowercase()))
            })
            .collect();
        let rows: Vec<&Vec<String>> = state
            .rows
            .iter()
            .filter(|row| {
                wanted.is_empty()
                    || wanted
                        .iter()
                        .any(|(i, value)| row[*i].to_lowercase().contains(value.as_str()))
            })
            .collect();
        let separator = state.separator.to_string();
        let body = if rows.is_empty() {
            None
        } else {
            let lines: Vec<String> = std::iter::once(&state.header)
                .chain(rows)
                .map(|row| row.join(&separator))
                .collect();
            Some(lines.join("\n") + "\n")
        };
        (state.delay, body, state.charset)
    };
    tokio::time::sleep(delay).await;
    let Some(body) = body else {
        return HttpResponse::NotFound().finish();
    };
    let bytes: Vec<u8> = if charset == "iso-8859-1" {
        body.chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect()
    } else {
        body.into_bytes()
    };
    HttpResponse::Ok()
        .content_type(format!("text/csv; charset={charset}"))
        .body(bytes)
}
