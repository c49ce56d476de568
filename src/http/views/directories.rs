//! The directory routes phones and Wazo services call: lookup, headers, reverse lookup, and the
//! sources of a profile. Profiles are named (`{profile}`) and looked up in the caller's tenant.

use crate::access;
use crate::context::Context;
use crate::http::authorized::{Authorized, Caller};
use crate::http::codes::Code;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::services::directory::ResolvedProfile;
use crate::services::results;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::HashMap;

crate::routes!(
    "/0.1/directories" => [lookup, lookup_for_user, reverse, personal_contacts],
);

access!(
    PersonalDirectoryRead,
    "dird.directories.personal.{profile}.read",
    Legacy
);
access!(LookupRead, "dird.directories.lookup.{profile}.read", Legacy);
access!(
    LookupUserRead,
    "dird.directories.lookup.{profile}.{user_uuid}.read",
    New
);
access!(
    ReverseRead,
    "dird.directories.reverse.{profile}.{user_uuid}.read",
    Legacy
);

fn query(request: &HttpRequest) -> HashMap<String, String> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// `term` is required: wazo-dird answers its own body when it is missing.
fn term(request: &HttpRequest) -> Result<String, ApiError> {
    query(request).remove("term").ok_or_else(|| {
        ApiError::raw(
            Code::InvalidData,
            json!({"message": {"term": "term is missing"}}),
        )
    })
}

/// How a lookup searches: `mode=default` (also when absent: upstream's lookup) or `mode=t9`, a
/// dial-pad search whose term is 1 to 32 digits ([`crate::text::t9`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Default,
    T9,
}

fn mode(request: &HttpRequest, term: &str) -> Result<Mode, ApiError> {
    let invalid = |field: &str, message: &str| {
        ApiError::raw(Code::InvalidData, json!({"message": {field: message}}))
    };
    match query(request).get("mode").map(String::as_str) {
        None | Some("default") => Ok(Mode::Default),
        Some("t9") if crate::text::t9::is_dial_term(term) => Ok(Mode::T9),
        Some("t9") => Err(invalid("term", "a t9 term is 1 to 32 digits")),
        Some(_) => Err(invalid("mode", "mode must be one of: default, t9")),
    }
}

pub(super) fn legacy_profile(
    state: &AppState,
    caller: &Caller,
    name: &str,
) -> Result<ResolvedProfile, ApiError> {
    state
        .directory
        .profile(&caller.tenant_uuid, name)?
        .ok_or_else(|| no_such_profile(name))
}

/// wazo-dird's 404 for a profile name that names nothing (legacy body).
pub(super) fn no_such_profile(name: &str) -> ApiError {
    ApiError::legacy_handmade(
        Code::NotFound,
        format!("The profile `{name}` does not exist"),
    )
}

pub(super) fn new_profile(
    state: &AppState,
    caller: &Caller,
    name: &str,
) -> Result<ResolvedProfile, ApiError> {
    state
        .directory
        .profile(&caller.tenant_uuid, name)?
        .ok_or_else(|| {
            ApiError::of(Code::UnknownProfile, format!("No such profile: \"{name}\""))
                .details(json!({"uuid": name}))
                .resource("profiles")
        })
}

fn context(caller: &Caller, user_uuid: Option<String>) -> Context {
    Context {
        token: Some(caller.token.clone()),
        user_uuid,
        tenant_uuid: caller.tenant_uuid.clone(),
    }
}

/// Whether a result is among the favorites (by source name and `source_entry_id`).
fn is_favorite(
    favorites: &HashMap<String, Vec<String>>,
    result: &crate::services::source_actor::SourceResult,
) -> bool {
    let id = result.relations.source_entry_id.as_ref();
    favorites
        .get(&result.source)
        .is_some_and(|ids| id.is_some_and(|id| ids.contains(id)))
}

/// The favorite marks of a lookup: a failure to read them costs the marks, not the lookup.
async fn favorite_ids(
    state: &AppState,
    resolved: &ResolvedProfile,
    user_uuid: Option<&str>,
) -> HashMap<String, Vec<String>> {
    let Some(user) = user_uuid else {
        return HashMap::new();
    };
    state
        .favorites
        .in_profile(&resolved.profile, user)
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "favorites unavailable: lookups go on without their marks");
            HashMap::new()
        })
}

async fn lookup_body(
    state: &AppState,
    resolved: &ResolvedProfile,
    (term, mode): (String, Mode),
    context: Context,
) -> Value {
    let directory = &state.directory;
    let results = async {
        match mode {
            Mode::Default => directory.lookup(&resolved.profile, &term, &context).await,
            Mode::T9 => directory.dial(&resolved.profile, &term, &context).await,
        }
    };
    let (results, favorites) = futures_util::join!(
        results,
        favorite_ids(state, resolved, context.user_uuid.as_deref())
    );
    let mut body = results::format_results(resolved.display.as_deref(), results, |r| {
        is_favorite(&favorites, r)
    });
    body["term"] = json!(term);
    body
}

/// Searches every lookup source of the profile for `term`, for the token's user.
#[utoipa::path(
    get,
    path = "/0.1/directories/lookup/{profile}",
    tag = "directories",
    description = "ACL `dird.directories.lookup.{profile}.read`. Sources that fail or exceed their timeout are skipped.",
    params(
        ("profile" = String, Path, description = "Profile name"),
        ("term" = String, Query, description = "What to search"),
        ("mode" = Option<String>, Query, description = "`default` (upstream's lookup) or `t9`: a dial-pad search of 1 to 32 digits (docs/plugins.md)"),
    ),
    responses(
        (status = 200, description = "`{column_headers, column_types, results, term}`", body = Object),
        (status = 400, description = "`term` is missing, or `mode` or a t9 `term` is invalid"),
        (status = 404, description = "No such profile"),
    )
)]
#[get("/lookup/{profile}")]
async fn lookup(
    caller: Authorized<LookupRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let term = term(&request)?;
    let mode = mode(&request, &term)?;
    let resolved = legacy_profile(&state, &caller, &path)?;
    let user_uuid = caller.user_uuid().await?;
    Ok(HttpResponse::Ok()
        .json(lookup_body(&state, &resolved, (term, mode), context(&caller, user_uuid)).await))
}

/// The same lookup for a given user (wazo-phoned calls it with a service token).
#[utoipa::path(
    get,
    path = "/0.1/directories/lookup/{profile}/{user_uuid}",
    tag = "directories",
    description = "ACL `dird.directories.lookup.{profile}.{user_uuid}.read`.",
    params(
        ("profile" = String, Path, description = "Profile name"),
        ("user_uuid" = String, Path, description = "The user whose personal contacts and favorites apply"),
        ("term" = String, Query, description = "What to search"),
        ("mode" = Option<String>, Query, description = "`default` (upstream's lookup) or `t9`: a dial-pad search of 1 to 32 digits (docs/plugins.md)"),
    ),
    responses((status = 200, description = "`{column_headers, column_types, results, term}`", body = Object), (status = 400, description = "`term` is missing, or `mode` or a t9 `term` is invalid"), (status = 404, description = "No such profile"))
)]
#[get("/lookup/{profile}/{user_uuid}")]
async fn lookup_for_user(
    caller: Authorized<LookupUserRead>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (profile, user_uuid) = path.into_inner();
    let term = term(&request)?;
    let mode = mode(&request, &term)?;
    let resolved = new_profile(&state, &caller, &profile)?;
    let context = context(&caller, Some(user_uuid));
    Ok(HttpResponse::Ok().json(lookup_body(&state, &resolved, (term, mode), context).await))
}

/// Names a caller from a number: the first reverse source to match wins. Always 200.
#[utoipa::path(
    get,
    path = "/0.1/directories/reverse/{profile}/{user_uuid}",
    tag = "directories",
    description = "ACL `dird.directories.reverse.{profile}.{user_uuid}.read`. Budget: the profile's reverse \
                   `options.timeout`, else `reverse_service.timeout` (1 s).",
    params(
        ("profile" = String, Path, description = "Profile name"),
        ("user_uuid" = String, Path, description = "The user asking"),
        ("exten" = String, Query, description = "The number"),
    ),
    responses((status = 200, description = "`{display, exten, fields, source}`, nulls when nothing matched", body = Object), (status = 404, description = "No such profile"))
)]
#[get("/reverse/{profile}/{user_uuid}")]
async fn reverse(
    caller: Authorized<ReverseRead>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (profile, user_uuid) = path.into_inner();
    let exten = query(&request).remove("exten").ok_or_else(|| {
        ApiError::raw(
            Code::InvalidData,
            json!({"message": {"exten": "Missing required parameter in the query string"}}),
        )
    })?;
    let resolved = legacy_profile(&state, &caller, &profile)?;
    let found = state
        .directory
        .reverse(
            &resolved.profile,
            &exten,
            &context(&caller, Some(user_uuid)),
        )
        .await;
    Ok(HttpResponse::Ok().json(results::reverse_body(&exten, found)))
}

/// Every personal contact of the token's user, formatted by the profile's display with the
/// tenant's personal source, favorites marked; no personal source in the tenant: no result.
#[utoipa::path(
    get,
    path = "/0.1/directories/personal/{profile}",
    tag = "directories",
    description = "ACL `dird.directories.personal.{profile}.read`.",
    params(("profile" = String, Path, description = "Profile name")),
    responses((status = 200, description = "`{column_headers, column_types, results}`", body = Object), (status = 404, description = "No such profile"))
)]
#[get("/personal/{profile}")]
async fn personal_contacts(
    caller: Authorized<PersonalDirectoryRead>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let resolved = legacy_profile(&state, &caller, &path)?;
    let user = caller.required_user_uuid().await?;
    let source = state.sources.personal_of(&caller.tenant_uuid);
    let results = match source {
        None => Vec::new(),
        Some(source) => {
            let ids: Vec<String> = state
                .personal
                .list(&user)
                .await
                .map_err(|e| {
                    ApiError::of(Code::PersonalUnavailable, e.to_string())
                        .styled(crate::http::error::ErrorStyle::Legacy)
                })?
                .into_iter()
                .filter_map(|contact| contact.get("id").cloned())
                .collect();
            let context = context(&caller, Some(user.clone()));
            state
                .directory
                .contacts_of(&source.uuid, ids, &context)
                .await
        }
    };
    let favorites = favorite_ids(&state, &resolved, Some(&user)).await;
    Ok(HttpResponse::Ok().json(results::format_results(
        resolved.display.as_deref(),
        results,
        |r| is_favorite(&favorites, r),
    )))
}
