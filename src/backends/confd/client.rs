//! The wazo-confd client of one source: its own token, its tenant in `Wazo-Tenant` when it logs in
//! with a key file (as wazo-dird's), a timeout on every request. A token refused by wazo-confd is
//! dropped and the request made once more with a new one.

use super::config::{ConfdSettings, Credentials};
use super::token::TokenSource;
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;

/// Why wazo-confd gave nothing.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfdError {
    #[error("no wazo-auth token for wazo-confd: {0}")]
    Token(String),
    #[error("wazo-confd unreachable: {0}")]
    Unreachable(String),
    #[error("wazo-confd answered {status}: {body}")]
    Status { status: u16, body: String },
}

/// Talks to one wazo-confd as one source.
#[derive(Debug)]
pub struct ConfdClient {
    http: reqwest::Client,
    base: String,
    tenant: Option<String>,
    token: Arc<TokenSource>,
    pub host: String,
    pub port: u16,
    pub timeout: f64,
}

impl ConfdClient {
    /// The client of a `wazo` or `conference` source, with the token of its credentials.
    pub async fn for_source(
        spec: &crate::backends::SourceSpec,
        deps: &crate::backends::Deps,
    ) -> Result<Self, String> {
        let settings = ConfdSettings::from_fields(&spec.extra_fields)?;
        Self::new(&settings, &spec.tenant_uuid, deps.confd.token(&settings)).await
    }

    /// The client of a source whose fields its kind has read.
    pub async fn for_config(
        config: &super::config::ConfdConfig,
        spec: &crate::backends::SourceSpec,
        deps: &crate::backends::Deps,
    ) -> Result<Self, String> {
        let settings = config.settings()?;
        Self::new(&settings, &spec.tenant_uuid, deps.confd.token(&settings)).await
    }

    pub async fn new(
        settings: &ConfdSettings,
        tenant_uuid: &str,
        token: Arc<TokenSource>,
    ) -> Result<Self, String> {
        let http =
            crate::backends::http::client(settings.confd.timeout(), &settings.confd.verify).await?;
        let tenant =
            matches!(settings.credentials, Credentials::KeyFile(_)).then(|| tenant_uuid.to_owned());
        Ok(ConfdClient {
            http,
            base: settings.confd.base_url(),
            tenant,
            token,
            host: settings.confd.host.clone(),
            port: settings.confd.port,
            timeout: settings.confd.timeout().as_secs_f64(),
        })
    }

    /// `GET {base}/{path}?{query}`: the JSON body of a 200.
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ConfdError> {
        let mut retried = false;
        loop {
            let token = self.token.token().await.map_err(ConfdError::Token)?;
            let mut request = self
                .http
                .get(format!("{}/{path}", self.base))
                .query(query)
                .header("Accept", "application/json")
                .header("X-Auth-Token", &token);
            if let Some(tenant) = &self.tenant {
                request = request.header("Wazo-Tenant", tenant);
            }
            let response = request
                .send()
                .await
                .map_err(|e| ConfdError::Unreachable(e.to_string()))?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !retried {
                self.token.refused(&token);
                retried = true;
                continue;
            }
            if status != StatusCode::OK {
                let body = response.text().await.unwrap_or_default();
                return Err(ConfdError::Status {
                    status: status.as_u16(),
                    body: body.chars().take(200).collect(),
                });
            }
            return response
                .json()
                .await
                .map_err(|e| ConfdError::Unreachable(format!("invalid JSON: {e}")));
        }
    }

    /// The `items` of a list answer, and its `total`.
    pub async fn list(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(Vec<Value>, u64), ConfdError> {
        let body = self.get(path, query).await?;
        let items = match body.get("items") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        let total = body
            .get("total")
            .and_then(Value::as_u64)
            .unwrap_or(items.len() as u64);
        Ok((items, total))
    }
}
