//! In-process tests of the view layer (`actix_web::test`, no listener, no process): the daemon's
//! state as `app::run` builds it from `config/demo.yml` (standalone tokens, a CSV directory, no
//! database, no bus), behind `configure_app`. They check what the views decide: which route
//! answers, the token's ACL, the error bodies of the code table, the shape of a lookup. What the
//! daemon does with real services is tested black-box in `integration_tests/`.

use crate::http::server::configure_app;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, web, App};
use serde_json::{json, Value};

const ADMIN: &str = "demo-admin-token";
const USER: &str = "demo-user-token";

/// The demo daemon's routes, once its directory is ready.
async fn demo(
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    let cli = crate::config::Cli {
        config_file: Some("config/demo.yml".into()),
        ..crate::config::Cli::default()
    };
    let (state, auth) = crate::app::state_for_tests(&cli).await.expect("demo state");
    let state = web::Data::new(state);
    for _ in 0..500 {
        if state.directory.readiness().is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        state.directory.readiness().is_ok(),
        "the demo directory never got ready"
    );
    let auth = web::Data::from(auth);
    test::init_service(App::new().configure(move |cfg| configure_app(cfg, state, auth))).await
}

async fn get(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    path: &str,
    token: Option<&str>,
) -> (u16, Value) {
    let mut request = test::TestRequest::get().uri(path);
    if let Some(token) = token {
        request = request.insert_header(("X-Auth-Token", token));
    }
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status().as_u16();
    let body = test::read_body(response).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[actix_web::test]
async fn a_lookup_answers_the_display_columns_and_the_matching_contacts() {
    let app = demo().await;
    let (status, body) = get(
        &app,
        "/0.1/directories/lookup/default?term=mar",
        Some(ADMIN),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["term"], "mar");
    assert_eq!(
        body["column_headers"],
        json!(["Nom", "Numéro", "Mobile", "Entreprise", "Favoris"])
    );
    let names: Vec<&str> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|result| result["column_values"][0].as_str())
        .collect();
    assert!(names.contains(&"Alice Martin"), "{names:?}");
    assert!(names.contains(&"Bob Marley"), "{names:?}");
}

#[actix_web::test]
async fn an_unknown_profile_is_wazo_dirds_legacy_404() {
    let app = demo().await;
    let (status, body) = get(&app, "/0.1/directories/lookup/nobody?term=mar", Some(ADMIN)).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["reason"],
        json!(["The profile `nobody` does not exist"])
    );
    assert_eq!(body["status_code"], 404);
    assert!(body.get("error_id").is_none(), "{body}");
}

#[actix_web::test]
async fn the_token_decides_who_may_ask() {
    let app = demo().await;
    let (status, body) = get(&app, "/0.1/directories/lookup/default?term=mar", None).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = get(&app, "/0.1/config", Some(USER)).await;
    assert_eq!(
        (status, &body["error_id"]),
        (401, &json!("unauthorized")),
        "{body}"
    );
    let (status, _) = get(&app, "/0.1/config", Some(ADMIN)).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn a_backend_that_is_not_served_has_no_routes() {
    let app = demo().await;
    let (status, body) = get(&app, "/0.1/backends/nope/sources", Some(ADMIN)).await;
    assert_eq!(status, 404);
    assert_eq!(body["error_id"], "not-found", "{body}");
    let (status, body) = get(&app, "/0.1/backends/csv/sources", Some(ADMIN)).await;
    assert_eq!(status, 200);
    assert_eq!(body["items"][0]["name"], "demo-contacts", "{body}");
}

#[actix_web::test]
async fn status_serializes_what_each_part_reports() {
    let app = demo().await;
    let (status, body) = get(&app, "/0.1/status", Some(ADMIN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rest_api"]["status"], "ok");
    assert_eq!(body["database"]["status"], "disabled");
    assert_eq!(body["bus_consumer"]["status"], "disabled");
    assert_eq!(body["bus_publisher"]["status"], "disabled");
    assert_eq!(body["directory"]["status"], "ok");
    let source = body["sources"]
        .as_object()
        .and_then(|sources| sources.values().next())
        .expect("the demo source");
    assert_eq!(source["name"], "demo-contacts");
    assert_eq!(source["state"], "up");
    assert!(source["latency"]["buckets"]["+Inf"].is_u64(), "{source}");
}

#[actix_web::test]
async fn headers_are_the_profile_display() {
    let app = demo().await;
    let (status, body) = get(&app, "/0.1/directories/lookup/default/headers", Some(ADMIN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["column_types"],
        json!(["name", "number", "number", null, "favorite"])
    );
}
