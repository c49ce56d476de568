//! A profile.

use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Options of one service of a profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceOptions {
    /// Seconds the whole request may take (bounds every source's own timeout).
    pub timeout: Option<f64>,
    /// Whether the options hold the `timeout` key (even `null`): wazo-dird gives options back as
    /// they were stored, `{}` when the service was sent without options, `{"timeout": null}` when
    /// it was sent with an empty `options`.
    #[serde(skip)]
    pub timeout_key: bool,
}

impl ServiceOptions {
    /// The options as stored and shown.
    pub fn to_json(&self) -> Value {
        if self.timeout_key {
            json!({"timeout": self.timeout})
        } else {
            json!({})
        }
    }
}

/// One service of a profile: the sources it asks, by uuid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileService {
    pub sources: Vec<String>,
    pub options: ServiceOptions,
}

/// A profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub uuid: String,
    pub tenant_uuid: String,
    pub name: String,
    /// The display's uuid.
    pub display: Option<String>,
    pub services: BTreeMap<String, ProfileService>,
}

impl Profile {
    /// The API body.
    pub fn to_body(&self) -> Value {
        let services: serde_json::Map<String, Value> = self
            .services
            .iter()
            .map(|(name, service)| {
                let sources: Vec<Value> = service
                    .sources
                    .iter()
                    .map(|uuid| json!({"uuid": uuid}))
                    .collect();
                (
                    name.clone(),
                    json!({"sources": sources, "options": service.options.to_json()}),
                )
            })
            .collect();
        json!({
            "uuid": self.uuid,
            "tenant_uuid": self.tenant_uuid,
            "name": self.name,
            "display": self.display.as_ref().map(|uuid| json!({"uuid": uuid})),
            "services": services,
        })
    }
}

crate::resources::catalog::item!(Profile);
