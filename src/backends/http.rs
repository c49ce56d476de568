//! HTTP clients of the backends that call web services (csv_ws, wazo-auth and wazo-confd for the
//! wazo and conference backends): a timeout on every request and the certificate check the
//! source asks for.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Whether to check a server's certificate: `true`, `false`, or the path of a CA bundle.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Verify {
    Enabled(bool),
    CaFile(String),
}

impl Default for Verify {
    fn default() -> Self {
        Verify::Enabled(true)
    }
}

impl Verify {
    /// wazo-dird's reading of the field: booleans, `"true"`/`"false"` in either case of the first
    /// letter, anything else is the path of a CA bundle.
    pub fn from_json(value: &serde_json::Value) -> Option<Verify> {
        match value {
            serde_json::Value::Bool(enabled) => Some(Verify::Enabled(*enabled)),
            serde_json::Value::String(text) => Some(match text.as_str() {
                "true" | "True" => Verify::Enabled(true),
                "false" | "False" => Verify::Enabled(false),
                _ => Verify::CaFile(text.clone()),
            }),
            _ => None,
        }
    }
}

impl Verify {
    /// [`Verify::from_json`] as a serde `deserialize_with`.
    pub fn deserialize_lenient<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Verify, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Verify::from_json(&value)
            .ok_or_else(|| serde::de::Error::custom("Not a valid boolean or path."))
    }
}

/// A client whose every request gives up after `timeout`.
pub async fn client(timeout: Duration, verify: &Verify) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent("wazo-dird");
    match verify {
        Verify::Enabled(true) => {}
        Verify::Enabled(false) => builder = builder.danger_accept_invalid_certs(true),
        Verify::CaFile(path) => {
            let pem = tokio::fs::read(path)
                .await
                .map_err(|e| format!("cannot read the CA bundle {path}: {e}"))?;
            for certificate in reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("invalid CA bundle {path}: {e}"))?
            {
                builder = builder.add_root_certificate(certificate);
            }
        }
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}
