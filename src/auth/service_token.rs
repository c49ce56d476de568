//! The daemon's own wazo-auth token: logged in with `auth.username`/`auth.password` (or the key
//! file), renewed before it expires, retried with backoff while wazo-auth is away. Its tenant becomes
//! the master tenant unless `auth.master_tenant_uuid` is set.

use super::wazo_auth::WazoAuthClient;
use super::AuthService;
use actors::Backoff;
use std::sync::Arc;
use std::time::Duration;

/// Lifetime asked for the service token (wazo-dird asks for 6 hours).
const EXPIRATION: Duration = Duration::from_secs(6 * 3600);

pub(super) fn spawn(auth: Arc<AuthService>, client: WazoAuthClient) {
    let (Some(username), Some(password)) = (
        auth.settings.username.clone(),
        auth.settings.password.clone(),
    ) else {
        if auth.master_tenant().is_none() {
            tracing::warn!("no service credentials (auth.key_file or auth.username/password): the master tenant stays unknown");
        }
        return;
    };
    tokio::spawn(async move {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(32));
        loop {
            match client.login(&username, &password, EXPIRATION).await {
                Ok(info) => {
                    tracing::info!(username = %username, "service token obtained from wazo-auth");
                    auth.set_service_token(&info);
                    backoff.reset();
                    tokio::time::sleep(EXPIRATION.mul_f64(0.8)).await;
                }
                Err(error) => {
                    let delay = backoff.next_delay();
                    tracing::warn!(%error, retry_in = ?delay, "cannot obtain the service token");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    });
}
