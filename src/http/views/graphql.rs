//! `POST /0.1/graphql` and `GET /0.1/graphql?query=`: wazo-dird's GraphQL endpoint (schema in
//! `services::graphql`). Authorization is per root field, inside the query: an unauthorized field
//! is a GraphQL error with its data `null`, in a 200. A query that does not parse or validate is
//! a 400, as wazo-dird's graphql-server answers; so is a GET without `query`.

use crate::http::authorized::header;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::services::graphql::Caller;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde_json::json;
use std::collections::HashMap;

crate::routes!(
    "/0.1/graphql" => [graphql_post, graphql_get],
);

/// The token and `Wazo-Tenant` of the request.
fn caller(request: &HttpRequest) -> Caller {
    Caller {
        token: header(request, "X-Auth-Token").unwrap_or_default(),
        tenant: header(request, "Wazo-Tenant"),
    }
}

async fn execute(
    state: &AppState,
    request: &HttpRequest,
    query: async_graphql::Request,
) -> HttpResponse {
    if let Err(not_ready) = state.directory.readiness() {
        return actix_web::ResponseError::error_response(&ApiError::from(not_ready));
    }
    let response = state.graphql.execute(query.data(caller(request))).await;
    // Errors without a path with no data: the query did not parse or validate.
    let invalid = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let status = if invalid {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    HttpResponse::build(status).json(&response)
}

/// Runs a GraphQL query (`{query, variables, operationName}`).
#[utoipa::path(post, path = "/0.1/graphql", tag = "graphql",
    description = "Root fields `hello`, `me`, `user(uuid)`; `contacts(profile, extens)` on both users: one edge per exten, in order, `node: null` where nothing matched. Each root field needs the ACL `dird.graphql.<field>`; `__schema` needs none.",
    request_body(content = Object, description = "`{query, variables, operationName}`"),
    responses((status = 200, description = "`{data, errors}`", body = Object), (status = 400, description = "The query does not parse or validate")))]
#[post("")]
async fn graphql_post(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    // Parsed here rather than by async-graphql's extractor, so that a body that is not a JSON
    // request (invalid UTF-8, nested past serde_json's depth limit, ...) gets a GraphQL error body
    // (graphql-server's message) instead of a bare text answer.
    match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(query) => execute(&state, &request, query).await,
        Err(_) => HttpResponse::BadRequest()
            .json(json!({"errors": [{"message": "POST body sent invalid JSON."}]})),
    }
}

/// Runs the GraphQL query of `?query=` (with `variables` as JSON and `operationName`).
#[utoipa::path(get, path = "/0.1/graphql", tag = "graphql",
    description = "Same as the POST, the query in `?query=`; without one, 400.",
    params(("query" = String, Query), ("variables" = Option<String>, Query), ("operationName" = Option<String>, Query)),
    responses((status = 200, description = "`{data, errors}`", body = Object), (status = 400, description = "No query, or it does not parse or validate")))]
#[get("")]
async fn graphql_get(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(request.query_string().as_bytes())
            .into_owned()
            .collect();
    let Some(text) = params.get("query").filter(|q| !q.is_empty()) else {
        return HttpResponse::BadRequest()
            .json(json!({"errors": [{"message": "Must provide query string."}]}));
    };
    let mut query = async_graphql::Request::new(text.clone());
    if let Some(variables) = params.get("variables") {
        match serde_json::from_str(variables) {
            Ok(variables) => {
                query = query.variables(async_graphql::Variables::from_json(variables))
            }
            Err(_) => {
                return HttpResponse::BadRequest()
                    .json(json!({"errors": [{"message": "Variables are invalid JSON."}]}))
            }
        }
    }
    if let Some(operation) = params.get("operationName") {
        query = query.operation_name(operation.clone());
    }
    execute(&state, &request, query).await
}
