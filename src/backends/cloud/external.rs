//! A user's OAuth token for Google or Microsoft, as wazo-auth keeps it:
//! `GET {auth}/users/{user_uuid}/external/{google|microsoft}` answers `{access_token, …}`, or 404
//! when the user has not connected such an account.

use crate::backends::confd::config::Endpoint;

/// What wazo-auth said.
#[derive(Debug)]
pub enum External {
    AccessToken(String),
    /// 404, or no `access_token`: the user has no such account.
    NoAccount,
}

/// Asks `auth` for `user`'s token of `kind` (`google`, `microsoft`), with `wazo_token`.
pub async fn access_token(
    client: &reqwest::Client,
    auth: &Endpoint,
    kind: &str,
    user: &str,
    wazo_token: &str,
) -> Result<External, String> {
    let url = format!("{}/users/{user}/external/{kind}", auth.base_url());
    let response = client
        .get(&url)
        .header("X-Auth-Token", wazo_token)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| format!("wazo-auth {url}: {e}"))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(External::NoAccount);
    }
    if !status.is_success() {
        return Err(format!("wazo-auth {url} answered {status}"));
    }
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| format!("wazo-auth {url}: {e}"))?;
    Ok(
        match body["access_token"].as_str().filter(|t| !t.is_empty()) {
            Some(token) => External::AccessToken(token.to_owned()),
            None => External::NoAccount,
        },
    )
}
