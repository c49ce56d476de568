//! Binding, TLS, CORS, privilege drop and the app factory.

use super::error::ApiError;
use super::views;
use crate::auth::AuthService;
use crate::config::{Config, RestApi};
use crate::state::AppState;
use actix_cors::Cors;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpResponse, HttpServer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Registers shared data, every enabled route and the JSON 404 on an app (also used by in-process tests).
/// The largest request body: CSV imports of tens of thousands of contacts (a 25,000-contact file
/// is about 1.5 MB); actix-web's default is 256 KiB.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

pub fn configure_app(
    cfg: &mut web::ServiceConfig,
    state: web::Data<AppState>,
    auth: web::Data<AuthService>,
) {
    let plugins = state.config.enabled_plugins.clone();
    cfg.app_data(state)
        .app_data(auth)
        .app_data(web::PayloadConfig::new(BODY_LIMIT));
    views::configure(cfg, &plugins.views, &plugins.services);
    cfg.default_service(web::to(not_found));
}

async fn not_found() -> HttpResponse {
    let error = ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "The requested URL was not found on the server",
    );
    HttpResponse::NotFound().json(error.body())
}

fn cors(settings: &RestApi) -> Cors {
    if !settings.cors.enabled {
        return Cors::default();
    }
    let mut cors = Cors::default()
        .allow_any_origin()
        .allow_any_method()
        .max_age(3600);
    for header in &settings.cors.allow_headers {
        cors = cors.allowed_header(header.as_str());
    }
    cors
}

fn tls_config(certificate: &Path, private_key: &Path) -> Result<rustls::ServerConfig, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(certificate)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("rest_api.certificate {}: {e}", certificate.display()))?;
    let key = PrivateKeyDer::from_pem_file(private_key)
        .map_err(|e| format!("rest_api.private_key {}: {e}", private_key.display()))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("rest_api certificate/key: {e}"))
}

/// Binds the port, drops privileges, then serves until SIGTERM/SIGINT (in-flight requests drain).
pub async fn serve(state: web::Data<AppState>, auth: web::Data<AuthService>) -> Result<(), String> {
    let config: Arc<Config> = Arc::clone(&state.config);
    let settings = config.rest_api.clone();
    let workers = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(
            1,
            usize::try_from(settings.max_threads.max(1)).unwrap_or(usize::MAX),
        );
    let factory_settings = settings.clone();
    let server = HttpServer::new(move || {
        let state = state.clone();
        let auth = auth.clone();
        App::new()
            .wrap(cors(&factory_settings))
            .configure(move |cfg| configure_app(cfg, state, auth))
    })
    .workers(workers)
    .shutdown_timeout(30)
    .client_request_timeout(Duration::from_secs(30));
    let address = (settings.listen.as_str(), settings.port);
    let server = match (&settings.certificate, &settings.private_key) {
        (Some(certificate), Some(private_key)) => server
            .bind_rustls_0_23(address, tls_config(certificate, private_key)?)
            .map_err(|e| {
                format!(
                    "cannot listen on {}:{}: {e}",
                    settings.listen, settings.port
                )
            })?,
        _ => server.bind(address).map_err(|e| {
            format!(
                "cannot listen on {}:{}: {e}",
                settings.listen, settings.port
            )
        })?,
    };
    let scheme = if settings.certificate.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(listen = %settings.listen, port = settings.port, %scheme, workers, "HTTP API listening");
    crate::privileges::become_user(config.user.as_deref())?;
    server.run().await.map_err(|e| e.to_string())
}
