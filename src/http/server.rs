//! Binding, TLS, CORS, privilege drop and the app factory.

use super::error::ApiError;
use super::views;
use crate::auth::AuthService;
use crate::config::{Config, RestApi};
use crate::http::codes::Code;
use crate::http::state::AppState;
use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, App, HttpResponse, HttpServer};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Registers shared data, every enabled route and the JSON 404 on an app (also used by in-process
/// tests). Bodies are read up to `rest_api.max_import_size` (CSV imports); `body_limit` refuses a
/// larger one, or a JSON body above `rest_api.max_body_size`, before it is read.
pub fn configure_app(
    cfg: &mut web::ServiceConfig,
    state: web::Data<AppState>,
    auth: web::Data<AuthService>,
) {
    let plugins = state.config.enabled_plugins.clone();
    let metrics_enabled = state.config.metrics.enabled;
    let import_limit = usize::try_from(state.config.rest_api.max_import_size).unwrap_or(usize::MAX);
    cfg.app_data(state)
        .app_data(auth)
        .app_data(web::PayloadConfig::new(import_limit));
    views::configure(cfg, &plugins.views, &plugins.services);
    if metrics_enabled {
        views::register(cfg, super::metrics::scopes());
    }
    cfg.default_service(web::to(not_found));
}

/// `413 payload-too-large` for a body above the route's limit: `rest_api.max_import_size` for CSV
/// imports (paths ending in `/import`), `rest_api.max_body_size` for everything else. A body whose
/// length is announced is refused before a byte of it is read; a chunked one is read up to the
/// limit and refused there.
pub async fn body_limit(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some((body, import)) = request.app_data::<web::Data<AppState>>().map(|state| {
        (
            state.config.rest_api.max_body_size,
            state.config.rest_api.max_import_size,
        )
    }) else {
        return next.call(request).await;
    };
    let limit = if request.path().ends_with("/import") {
        import
    } else {
        body
    };
    let too_large = |length: Option<u64>| {
        ApiError::of(
            Code::PayloadTooLarge,
            format!("The body is larger than {limit} bytes"),
        )
        .details(serde_json::json!({"limit": limit, "length": length}))
    };
    let length = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match length {
        Some(length) if length > limit => return Err(too_large(Some(length)).into()),
        Some(_) => {}
        None if request
            .headers()
            .contains_key(actix_web::http::header::TRANSFER_ENCODING) =>
        {
            use actix_web::HttpMessage as _;
            use futures_util::StreamExt;
            let mut payload = request.take_payload();
            let mut read = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk?;
                if u64::try_from(read.len() + chunk.len()).unwrap_or(u64::MAX) > limit {
                    return Err(too_large(None).into());
                }
                read.extend_from_slice(&chunk);
            }
            request.set_payload(actix_web::dev::Payload::from(read.freeze()));
        }
        None => {}
    }
    next.call(request).await
}

async fn not_found() -> HttpResponse {
    let error = ApiError::of(
        Code::NotFound,
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
    let metrics_state = state.clone();
    let server = HttpServer::new(move || {
        let state = state.clone();
        let auth = auth.clone();
        App::new()
            .wrap(actix_web::middleware::from_fn(body_limit))
            .wrap(cors(&factory_settings))
            .wrap(actix_web::middleware::from_fn(super::metrics::record))
            .configure(move |cfg| configure_app(cfg, state, auth))
    })
    .workers(workers)
    .shutdown_timeout(settings.shutdown_timeout.ceil().clamp(0.0, 3600.0) as u64)
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
    let metrics = match (config.metrics.enabled, config.metrics.port) {
        (true, Some(port)) => Some(metrics_listener(
            metrics_state,
            &config.metrics.listen,
            port,
        )?),
        _ => None,
    };
    crate::privileges::become_user(config.user.as_deref())?;
    match metrics {
        Some(metrics) => futures_util::future::try_join(server.run(), metrics)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        None => server.run().await.map_err(|e| e.to_string()),
    }
}

/// A listener of its own serving only `GET /metrics`, without a token (`metrics.port`).
fn metrics_listener(
    state: web::Data<AppState>,
    listen: &str,
    port: u16,
) -> Result<actix_web::dev::Server, String> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(super::metrics::open_metrics))
            .default_service(web::to(not_found))
    })
    .workers(1)
    .bind((listen, port))
    .map_err(|e| format!("cannot listen for metrics on {listen}:{port}: {e}"))?;
    tracing::info!(%listen, port, "metrics listening (GET /metrics, no token)");
    Ok(server.run())
}
