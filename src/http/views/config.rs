//! `GET /0.1/config` and `PATCH /0.1/config`: the merged configuration, master tenant only.
//! Secrets are masked; PATCH accepts only `replace /debug`, which switches the log level live.

use crate::access;
use crate::config::SECRET_KEYS;
use crate::http::authorized::Authorized;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use actix_web::{get, patch, web, HttpResponse};
use serde_json::{json, Value};

crate::routes!(
    "/0.1/config" => [get_config, patch_config],
);

access!(ConfigRead, "dird.config.read", New, master_only);
access!(ConfigUpdate, "dird.config.update", New, master_only);

/// What a masked secret reads as.
const MASK: &str = "********";

/// The live configuration with every secret masked (and the password of `db_uri`).
fn masked(state: &AppState) -> Value {
    let tree = match state.live_config.read() {
        Ok(tree) => tree.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let mut value = tree.to_value();
    for key in SECRET_KEYS {
        let mut target = Some(&mut value);
        for segment in key.split('.') {
            target = target.and_then(|v| v.get_mut(segment));
        }
        if let Some(secret) = target.filter(|v| !v.is_null()) {
            *secret = json!(MASK);
        }
    }
    // Declared sources: the secrets a source body never shows, at any depth.
    if let Some(Value::Array(sources)) = value.get_mut("sources") {
        for source in sources.iter_mut().filter_map(Value::as_object_mut) {
            crate::resources::sources::model::mask_secrets(source, Some(MASK));
        }
    }
    if let Some(uri) = value.get_mut("db_uri") {
        if let Some(text) = uri.as_str() {
            *uri = json!(mask_uri_password(text));
        }
    }
    value
}

fn mask_uri_password(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some(MASK));
            parsed.to_string()
        }
        _ => uri.to_owned(),
    }
}

/// The merged configuration (secrets masked).
#[utoipa::path(
    get,
    path = "/0.1/config",
    tag = "config",
    description = "ACL `dird.config.read`; only tokens of the master tenant.",
    responses(
        (status = 200, description = "The configuration", body = Object),
        (status = 401, description = "Unauthorized, or not the master tenant"),
        (status = 503, description = "Authentication server unreachable, or master tenant not initiated"),
    )
)]
#[get("")]
async fn get_config(_caller: Authorized<ConfigRead>, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(masked(&state))
}

/// Validates a JSON-Patch list: only `{op: replace, path: /debug, value: <bool>}` is allowed.
fn parse_patch(body: &[u8]) -> Result<Vec<bool>, ApiError> {
    let invalid = |message: &str| ApiError::invalid_data(json!({"message": message}));
    let patch: Value = serde_json::from_slice(body)
        .map_err(|_| invalid("the body must be a JSON list of operations"))?;
    let operations = patch
        .as_array()
        .ok_or_else(|| invalid("the body must be a JSON list of operations"))?;
    if operations.is_empty() {
        return Err(invalid("the list of operations is empty"));
    }
    operations
        .iter()
        .map(|operation| {
            if operation["op"] != "replace" || operation["path"] != "/debug" {
                return Err(invalid(
                    "only {\"op\": \"replace\", \"path\": \"/debug\"} is supported",
                ));
            }
            operation["value"]
                .as_bool()
                .ok_or_else(|| invalid("`value` must be true or false"))
        })
        .collect()
}

/// Changes the configuration live: only `debug` (not persisted).
#[utoipa::path(
    patch,
    path = "/0.1/config",
    tag = "config",
    description = "ACL `dird.config.update`; only tokens of the master tenant. Body: a JSON-Patch list whose only \
                   accepted operation is `{\"op\": \"replace\", \"path\": \"/debug\", \"value\": true|false}`.",
    request_body(content = Vec<Object>, description = "JSON-Patch operations"),
    responses(
        (status = 200, description = "The configuration after the change", body = Object),
        (status = 400, description = "Invalid patch"),
        (status = 401, description = "Unauthorized, or not the master tenant"),
    )
)]
#[patch("")]
async fn patch_config(
    _caller: Authorized<ConfigUpdate>,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let values = parse_patch(&body)?;
    for debug in values {
        if let Ok(mut tree) = state.live_config.write() {
            tree.set("debug", Some(json!(debug)), "PATCH /0.1/config");
        }
        if let Some(logging) = &state.logging {
            logging.set_debug(debug);
        }
    }
    Ok(HttpResponse::Ok().json(masked(&state)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_replace_debug_with_a_boolean_is_accepted() {
        assert_eq!(
            parse_patch(br#"[{"op":"replace","path":"/debug","value":true}]"#).expect("valid"),
            vec![true]
        );
        for bad in [
            &b""[..],
            b"{}",
            b"[]",
            br#"[{"op":"add","path":"/debug","value":true}]"#,
            br#"[{"op":"replace","path":"/log_level","value":"debug"}]"#,
            br#"[{"op":"replace","path":"/debug","value":"yes"}]"#,
        ] {
            let error = parse_patch(bad).expect_err("invalid");
            assert_eq!(error.error_id, "invalid-data");
        }
    }

    #[test]
    fn db_uri_password_is_masked() {
        assert_eq!(
            mask_uri_password(
                "postgresql://asterisk:proformatique@localhost/asterisk?application_name=wazo-dird"
            ),
            "postgresql://asterisk:********@localhost/asterisk?application_name=wazo-dird"
        );
        assert_eq!(
            mask_uri_password("postgresql://localhost/asterisk"),
            "postgresql://localhost/asterisk"
        );
    }
}
