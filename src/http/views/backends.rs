//! `GET /0.1/backends`: the backend kinds that are installed and enabled (legacy error body).

use crate::access;
use crate::http::authorized::Authorized;
use crate::http::error::{ApiError, ErrorStyle};
use crate::http::list_params::{ListParams, ListSpec};
use crate::http::state::AppState;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

crate::routes!(
    "/0.1/backends" => [list_backends],
);

access!(BackendsRead, "dird.backends.read", Legacy);

const SPEC: ListSpec<'static> = ListSpec {
    sort_columns: &["name"],
    filter_columns: &["name"],
};

/// A backend kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackendItem {
    #[schema(example = "csv")]
    pub name: String,
}

/// A page of backend kinds.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackendList {
    /// Every backend kind.
    pub total: usize,
    /// Backend kinds matching `search`.
    pub filtered: usize,
    pub items: Vec<BackendItem>,
}

/// Filters (substring of the name, exact `name`), sorts and pages the kinds.
fn list(kinds: &[String], params: &ListParams) -> Value {
    let items = kinds.iter().map(|name| json!({"name": name})).collect();
    super::listing::respond(items, params, &["name"])
}

/// The installed and enabled backend kinds.
#[utoipa::path(
    get,
    path = "/0.1/backends",
    tag = "configuration",
    description = "ACL `dird.backends.read`.",
    params(
        ("search" = Option<String>, Query, description = "Substring of the name"),
        ("name" = Option<String>, Query, description = "Exactly this name"),
        ("order" = Option<String>, Query, description = "Sort column: `name`"),
        ("direction" = Option<String>, Query, description = "`asc` or `desc`"),
        ("limit" = Option<u64>, Query, description = "Maximum number of items"),
        ("offset" = Option<u64>, Query, description = "Items to skip"),
    ),
    responses(
        (status = 200, description = "Backend kinds", body = BackendList),
        (status = 400, description = "Invalid list parameter"),
        (status = 401, description = "Unauthorized"),
    )
)]
#[get("")]
async fn list_backends(
    _caller: Authorized<BackendsRead>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(request.query_string(), SPEC)
        .map_err(|e| e.styled(ErrorStyle::Legacy))?;
    Ok(HttpResponse::Ok().json(list(&state.backends, &params)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<String> {
        ["personal", "csv", "ldap", "csv_ws"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    fn names(list: &Value) -> Vec<&str> {
        list["items"]
            .as_array()
            .map(|items| items.iter().filter_map(|i| i["name"].as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn sorts_searches_filters_and_pages() {
        let all = list(&kinds(), &ListParams::parse("", SPEC).expect("valid"));
        assert_eq!(names(&all), vec!["csv", "csv_ws", "ldap", "personal"]);
        let searched = list(
            &kinds(),
            &ListParams::parse("search=CSV&direction=desc", SPEC).expect("valid"),
        );
        assert_eq!(names(&searched), vec!["csv_ws", "csv"]);
        assert_eq!(
            (&searched["total"], &searched["filtered"]),
            (&json!(4), &json!(2))
        );
        let named = list(
            &kinds(),
            &ListParams::parse("name=csv", SPEC).expect("valid"),
        );
        assert_eq!(names(&named), vec!["csv"]);
        assert_eq!(
            (&named["total"], &named["filtered"]),
            (&json!(4), &json!(1))
        );
        let paged = list(
            &kinds(),
            &ListParams::parse("limit=1&offset=2", SPEC).expect("valid"),
        );
        assert_eq!(names(&paged), vec!["ldap"]);
        assert_eq!(paged["filtered"], 4);
    }
}
