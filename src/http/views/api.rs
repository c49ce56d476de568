//! `GET /0.1/api/api.yml`: the OpenAPI document of the daemon, generated from the route code. No auth.

use actix_web::{get, HttpResponse};

crate::routes!(
    "/0.1/api" => [api_yml],
);

/// The OpenAPI document (YAML).
#[utoipa::path(
    get,
    path = "/0.1/api/api.yml",
    tag = "api",
    security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/x-yaml", body = String))
)]
#[get("/api.yml")]
async fn api_yml() -> HttpResponse {
    match crate::http::openapi::yaml() {
        Ok(yaml) => HttpResponse::Ok()
            .content_type("application/x-yaml")
            .body(yaml),
        Err(e) => HttpResponse::InternalServerError().body(e),
    }
}
