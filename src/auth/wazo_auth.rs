//! The HTTP client of wazo-auth: token checks, token details, tenant lists and the service login.

use super::{CheckOutcome, Tenant, TokenInfo, Unreachable};
use crate::config::HttpService;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use url::Url;

/// A wazo-auth client with a timeout on every request, so a dead wazo-auth never hangs a request.
#[derive(Debug, Clone)]
pub struct WazoAuthClient {
    http: reqwest::Client,
    base: Url,
    host: String,
    port: u16,
}

impl WazoAuthClient {
    pub fn new(settings: &HttpService) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs_f64(settings.timeout.max(0.001)))
            .connect_timeout(Duration::from_secs_f64(settings.timeout.clamp(0.001, 5.0)))
            .danger_accept_invalid_certs(!settings.verify_certificate)
            .user_agent("wazo-dird")
            .build()
            .map_err(|e| format!("cannot build the wazo-auth client: {e}"))?;
        let base = Url::parse(&format!("{}/0.1/", settings.base_url()))
            .map_err(|e| format!("invalid wazo-auth address: {e}"))?;
        Ok(WazoAuthClient {
            http,
            base,
            host: settings.host.clone(),
            port: settings.port,
        })
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// A request that got no answer. reqwest names the URL in its errors, and a token check's URL
    /// holds the token: it is left out, so that no log line or error body ever shows a token.
    fn request_failed(&self, error: reqwest::Error) -> Unreachable {
        self.unreachable(error.without_url())
    }

    fn unreachable(&self, error: impl ToString) -> Unreachable {
        Unreachable {
            host: self.host.clone(),
            port: self.port,
            original_error: error.to_string(),
        }
    }

    /// `HEAD /0.1/token/{token}?scope={acl}&tenant={tenant}`: 204 valid, 404 unknown or expired,
    /// 403 missing permission or invalid tenant; anything else means wazo-auth cannot answer.
    pub async fn check(
        &self,
        token: &str,
        acl: &str,
        tenant: Option<&str>,
    ) -> Result<CheckOutcome, Unreachable> {
        let mut url = self.url(&["token", token]);
        {
            let mut query = url.query_pairs_mut();
            if !acl.is_empty() {
                query.append_pair("scope", acl);
            }
            if let Some(tenant) = tenant {
                query.append_pair("tenant", tenant);
            }
        }
        let url = strip_empty_query(url);
        let response = self
            .http
            .request(Method::HEAD, url)
            .header("X-Auth-Token", token)
            .send()
            .await
            .map_err(|e| self.request_failed(e))?;
        match response.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(CheckOutcome::Valid),
            StatusCode::NOT_FOUND => Ok(CheckOutcome::NotFound),
            StatusCode::FORBIDDEN => Ok(CheckOutcome::Forbidden),
            other => {
                Err(self.unreachable(format!("unexpected status {other} from the token check")))
            }
        }
    }

    /// Sends a GET: the JSON body on 200, `None` when wazo-auth refuses (401, 403, 404).
    async fn get_json(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<Option<Value>, Unreachable> {
        let response = request.send().await.map_err(|e| self.request_failed(e))?;
        match response.status() {
            StatusCode::OK => response
                .json()
                .await
                .map(Some)
                .map_err(|e| self.request_failed(e)),
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => Ok(None),
            other => Err(self.unreachable(format!("unexpected status {other} from {what}"))),
        }
    }

    /// `GET /0.1/token/{token}`: the token's user and tenant; `None` when wazo-auth does not know it.
    pub async fn token_info(&self, token: &str) -> Result<Option<TokenInfo>, Unreachable> {
        let request = self
            .http
            .get(self.url(&["token", token]))
            .header("X-Auth-Token", token);
        let body = self.get_json(request, "the token details").await?;
        Ok(body.map(|body| TokenInfo::from_wazo_auth(token, &body["data"])))
    }

    /// `GET /0.1/tenants` as the caller, scoped to `tenant`: that tenant and its sub-tenants.
    /// `None` when wazo-auth refuses (the token may not list tenants).
    pub async fn tenants(
        &self,
        token: &str,
        tenant: &str,
    ) -> Result<Option<Vec<Tenant>>, Unreachable> {
        let request = self
            .http
            .get(self.url(&["tenants"]))
            .header("X-Auth-Token", token)
            .header("Wazo-Tenant", tenant);
        let body = self.get_json(request, "the tenant list").await?;
        Ok(body.map(|body| {
            let items = body["items"].as_array().cloned().unwrap_or_default();
            items.iter().filter_map(Tenant::from_json).collect()
        }))
    }

    /// `POST /0.1/token` with the daemon's credentials: its service token.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        expiration: Duration,
    ) -> Result<TokenInfo, String> {
        let response = self
            .http
            .post(self.url(&["token"]))
            .basic_auth(username, Some(password))
            .json(&json!({ "expiration": expiration.as_secs() }))
            .send()
            .await
            .map_err(|e| format!("wazo-auth unreachable: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!(
                "wazo-auth refused the service login with status {status}"
            ));
        }
        let body: Value = response
            .json()
            .await
            .map_err(|e| format!("invalid login answer: {e}"))?;
        let token = body["data"]["token"]
            .as_str()
            .ok_or("the login answer has no token")?;
        Ok(TokenInfo::from_wazo_auth(token, &body["data"]))
    }
}

/// `Url` keeps a `?` once the query was touched; wazo-auth does not care, but logs read better without.
fn strip_empty_query(mut url: Url) -> Url {
    if url.query() == Some("") {
        url.set_query(None);
    }
    url
}
