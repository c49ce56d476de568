//! A source's own wazo-auth token: logged in with its key file or username and password, renewed
//! before it expires (at 80 % of its life), and, while wazo-auth refuses or is away, asked again
//! only after a jittered, growing pause (1 s doubling to 32 s), so a dead wazo-auth is not hammered
//! by every lookup. Concurrent callers share one login.

use super::config::{Credentials, Endpoint};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lifetime asked for the token (wazo-dird asks 6 hours).
const EXPIRATION: Duration = Duration::from_secs(6 * 3600);
const MIN_PAUSE: Duration = Duration::from_secs(1);
const MAX_PAUSE: Duration = Duration::from_secs(32);

#[derive(Debug, Default)]
struct State {
    token: Option<(String, Instant)>,
    /// After a failed login: no new attempt before this instant, and the last error.
    paused_until: Option<(Instant, String)>,
    pause: Duration,
}

/// One set of credentials on one wazo-auth.
#[derive(Debug)]
pub struct TokenSource {
    auth: Endpoint,
    credentials: Credentials,
    state: Mutex<State>,
    login: tokio::sync::Mutex<()>,
}

impl TokenSource {
    pub fn new(auth: Endpoint, credentials: Credentials) -> Self {
        TokenSource {
            auth,
            credentials,
            state: Mutex::new(State::default()),
            login: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A token still in the first 80 % of its life, if any.
    fn fresh(&self) -> Option<String> {
        let state = self.state();
        let (token, renew_at) = state.token.as_ref()?;
        (Instant::now() < *renew_at).then(|| token.clone())
    }

    /// The current token, logging in when there is none or it is due for renewal.
    pub async fn token(&self) -> Result<String, String> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _login = self.login.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if let Some((until, error)) = &self.state().paused_until {
            if Instant::now() < *until {
                return Err(error.clone());
            }
        }
        match self.log_in().await {
            Ok(token) => {
                let mut state = self.state();
                state.token = Some((token.clone(), Instant::now() + EXPIRATION.mul_f64(0.8)));
                state.paused_until = None;
                state.pause = Duration::ZERO;
                Ok(token)
            }
            Err(error) => {
                let mut state = self.state();
                state.pause = (state.pause * 2).clamp(MIN_PAUSE, MAX_PAUSE);
                let jitter = state.pause.mul_f64(fastrand::f64() * 0.25);
                state.paused_until = Some((Instant::now() + state.pause + jitter, error.clone()));
                // A token still valid (past 80 % only) keeps serving while wazo-auth is away.
                match &state.token {
                    Some((token, renew_at))
                        if Instant::now() < *renew_at + EXPIRATION.mul_f64(0.15) =>
                    {
                        tracing::warn!(%error, "cannot renew a source's wazo-auth token, the current one still serves");
                        Ok(token.clone())
                    }
                    _ => Err(error),
                }
            }
        }
    }

    /// wazo-confd refused the token: forget it, so that the next call logs in again.
    pub fn refused(&self, token: &str) {
        let mut state = self.state();
        if state
            .token
            .as_ref()
            .is_some_and(|(current, _)| current == token)
        {
            state.token = None;
        }
    }

    async fn log_in(&self) -> Result<String, String> {
        let (username, password) = match &self.credentials {
            Credentials::UsernamePassword { username, password } => {
                (username.clone(), password.clone())
            }
            Credentials::KeyFile(path) => read_key_file(path).await?,
        };
        let http = crate::backends::http::client(self.auth.timeout(), &self.auth.verify).await?;
        let url = format!("{}/token", self.auth.base_url());
        let response = http
            .post(&url)
            .basic_auth(&username, Some(&password))
            .json(&json!({"expiration": EXPIRATION.as_secs()}))
            .send()
            .await
            .map_err(|e| format!("wazo-auth at {} unreachable: {e}", self.auth.base_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!(
                "wazo-auth refused the login of {username} with status {status}"
            ));
        }
        let body: Value = response
            .json()
            .await
            .map_err(|e| format!("invalid wazo-auth login answer: {e}"))?;
        body["data"]["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "the wazo-auth login answer has no token".to_owned())
    }
}

/// `service_id` and `service_key` of a wazo-auth-keys file.
async fn read_key_file(path: &str) -> Result<(String, String), String> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| format!("cannot read the key file {path}: {e}"))?;
    let keys: Value =
        yaml_serde::from_str(&text).map_err(|e| format!("invalid key file {path}: {e}"))?;
    match (keys["service_id"].as_str(), keys["service_key"].as_str()) {
        (Some(id), Some(key)) => Ok((id.to_owned(), key.to_owned())),
        _ => Err(format!(
            "the key file {path} has no service_id and service_key"
        )),
    }
}
