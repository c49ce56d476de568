//! The request extractor that enforces a route's access rule: it asks `auth` (which knows nothing
//! of HTTP) and maps its answers (`CheckOutcome`, `Unreachable`) to wazo-dird's error bodies.
//!
//! A view names its rule in its argument type, `Authorized<StatusRead>`, where `StatusRead` carries
//! the ACL template, the error style of the route and whether only the master tenant may call it.
//! The rule is declared with [`access!`](crate::access).

use super::error::{ApiError, ErrorStyle};
use crate::auth::{acl, AuthService, CheckOutcome, Unreachable};
use crate::http::codes::Code;
use crate::input::NUL_MESSAGE;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde_json::json;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

/// A route's access rule.
pub trait Access: 'static {
    /// ACL template; `{name}` is replaced by the path variable `name` with `.` turned into `_`.
    const ACL: &'static str;
    /// The error body of the route.
    const STYLE: ErrorStyle;
    /// Only tokens of the master tenant may call the route (`/config`).
    const MASTER_ONLY: bool = false;
}

/// Declares an access rule: `access!(StatusRead, "dird.status.read", New);`, optionally followed
/// by `master_only`.
#[macro_export]
macro_rules! access {
    ($name:ident, $acl:literal, $style:ident) => {
        $crate::access!($name, $acl, $style, false);
    };
    ($name:ident, $acl:literal, $style:ident, master_only) => {
        $crate::access!($name, $acl, $style, true);
    };
    ($name:ident, $acl:literal, $style:ident, $master:literal) => {
        #[doc = concat!("Access rule: ACL `", $acl, "`.")]
        #[derive(Debug)]
        pub struct $name;
        impl $crate::http::authorized::Access for $name {
            const ACL: &'static str = $acl;
            const STYLE: $crate::http::error::ErrorStyle = $crate::http::error::ErrorStyle::$style;
            const MASTER_ONLY: bool = $master;
        }
    };
}

/// Who is calling, once their token was accepted.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: String,
    /// The tenant the request acts in: `Wazo-Tenant`, else the token's own tenant.
    pub tenant_uuid: String,
    /// The rendered ACL the token was checked for.
    pub acl: String,
    style: ErrorStyle,
    auth: Arc<AuthService>,
}

impl Caller {
    /// The tenants the request covers: the current one, plus its sub-tenants when `recurse`.
    pub async fn tenants(&self, recurse: bool) -> Result<Vec<String>, ApiError> {
        if !recurse {
            return Ok(vec![self.tenant_uuid.clone()]);
        }
        self.auth
            .visible_tenants(&self.token, &self.tenant_uuid)
            .await
            .map_err(|e| unreachable(&e, self.style))
    }

    /// The uuid of the tenant named `name` in the scope of the current tenant, if any.
    pub async fn tenant_named(&self, name: &str) -> Result<Option<String>, ApiError> {
        Ok(self
            .auth
            .tenant_named(&self.token, &self.tenant_uuid, name)
            .await
            .map_err(|e| unreachable(&e, self.style))?
            .map(|t| t.uuid))
    }

    /// The token's user, required: a token without one (a service token) gets
    /// `401 invalid-token` "This token has no user UUID", as wazo-dird answers.
    pub async fn required_user_uuid(&self) -> Result<String, ApiError> {
        self.user_uuid().await?.ok_or_else(|| {
            ApiError::of(Code::InvalidToken, "This token has no user UUID").styled(self.style)
        })
    }

    /// The token's user (`metadata.uuid`), if it has one.
    pub async fn user_uuid(&self) -> Result<Option<String>, ApiError> {
        let info = self
            .auth
            .token_info(&self.token)
            .await
            .map_err(|e| unreachable(&e, self.style))?;
        Ok(info.and_then(|i| i.user_uuid))
    }
}

/// A request header as the token check reads it: trimmed, absent when empty or not text.
pub fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Extracts and authorizes the caller of a route whose rule is `A`.
#[derive(Debug)]
pub struct Authorized<A> {
    pub caller: Caller,
    rule: PhantomData<A>,
}

impl<A> Deref for Authorized<A> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<A: Access> FromRequest for Authorized<A> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = req
            .app_data::<web::Data<AuthService>>()
            .map(|data| data.clone().into_inner());
        // Checked after the token, so that a caller without one learns nothing more than a 401.
        let refused = refuse_bad_input(req, A::STYLE);
        let token = header(req, "X-Auth-Token").unwrap_or_default();
        let tenant = header(req, "Wazo-Tenant");
        let variables: HashMap<&str, &str> = req.match_info().iter().collect();
        let required = acl::render_template(A::ACL, &variables);
        Box::pin(async move {
            let auth = auth
                .ok_or_else(|| ApiError::of(Code::InternalError, "authentication is not set up"))?;
            let caller = authorize(auth, token, tenant, required, A::STYLE, A::MASTER_ONLY).await?;
            if let Some(refused) = refused {
                return Err(refused);
            }
            Ok(Authorized {
                caller,
                rule: PhantomData,
            })
        })
    }
}

async fn authorize(
    auth: Arc<AuthService>,
    token: String,
    tenant: Option<String>,
    required: String,
    style: ErrorStyle,
    master_only: bool,
) -> Result<Caller, ApiError> {
    // An absent token is unknown to wazo-auth too: answer as it would, without asking.
    let outcome = if token.is_empty() {
        CheckOutcome::NotFound
    } else {
        auth.check(&token, &required, tenant.as_deref())
            .await
            .map_err(|e| unreachable(&e, style))?
    };
    match outcome {
        CheckOutcome::Valid => {}
        CheckOutcome::NotFound => return Err(unauthorized(json!({
            "invalid_token": token, "reason": "not_found_or_expired", "required_access": required,
        }))
        .styled(style)),
        CheckOutcome::Forbidden => {
            return Err(unauthorized(json!({
                "invalid_token": token, "reason": "missing_permission_or_invalid_tenant",
                "required_access": required, "tenant_uuid": tenant,
            }))
            .styled(style))
        }
    }
    let needs_token_tenant = tenant.is_none() || master_only;
    let token_tenant = if needs_token_tenant {
        let info = auth
            .token_info(&token)
            .await
            .map_err(|e| unreachable(&e, style))?;
        match info.and_then(|i| i.tenant_uuid) {
            Some(tenant) => Some(tenant),
            None => {
                return Err(unauthorized(
                    json!({"invalid_token": token, "reason": "not_found_or_expired"}),
                )
                .styled(style))
            }
        }
    } else {
        None
    };
    if master_only {
        let Some(master) = auth.master_tenant() else {
            return Err(ApiError::of(
                Code::MasterTenantNotInitiated,
                "wazo-dird master tenant is not initiated",
            )
            .styled(style));
        };
        if token_tenant.as_deref() != Some(master.as_str()) {
            return Err(unauthorized(json!({ "invalid_token": token })).styled(style));
        }
    }
    let tenant_uuid = tenant.or(token_tenant).unwrap_or_default();
    Ok(Caller {
        token,
        tenant_uuid,
        acl: required,
        style,
        auth,
    })
}

/// Input that must not reach wazo-auth or PostgreSQL, refused in the route's error style: a path
/// variable holding a NUL character names nothing (404); a query parameter holding one is invalid
/// (400); a `Wazo-Tenant` that is not visible ASCII names no tenant the token can see (401, as
/// wazo-auth would answer).
fn refuse_bad_input(req: &HttpRequest, style: ErrorStyle) -> Option<ApiError> {
    if req
        .match_info()
        .iter()
        .any(|(_, value)| value.contains('\0'))
    {
        return Some(
            ApiError::of(Code::NotFound, "No such resource")
                .details(json!({"reason": NUL_MESSAGE}))
                .styled(style),
        );
    }
    let query = req.query_string();
    if query.contains('\0') || query.contains("%00") {
        let names: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(name, value)| name.contains('\0') || value.contains('\0'))
            .map(|(name, _)| name.replace('\0', "\\u0000"))
            .collect();
        let details: serde_json::Map<String, serde_json::Value> = names
            .into_iter()
            .map(|name| (name, crate::input::nul_constraint()))
            .collect();
        return Some(ApiError::invalid_data(details.into()).styled(style));
    }
    if let Some(tenant) = req.headers().get("Wazo-Tenant") {
        if !tenant
            .as_bytes()
            .iter()
            .all(|b| b.is_ascii_graphic() || *b == b' ')
        {
            return Some(
                unauthorized(json!({"reason": "missing_permission_or_invalid_tenant"}))
                    .styled(style),
            );
        }
    }
    None
}

fn unauthorized(details: serde_json::Value) -> ApiError {
    ApiError::of(Code::Unauthorized, "Unauthorized").details(details)
}

fn unreachable(error: &Unreachable, style: ErrorStyle) -> ApiError {
    ApiError::of(
        Code::AuthenticationServerUnreachable,
        "Authentication server unreachable",
    )
    .details(error.details())
    .styled(style)
}
