//! The events of sources, displays and profiles (not in wazo-dird: they let other services and the
//! other instances of a cluster follow every change). Payloads never hold a secret: they carry the
//! item's identity only.

use crate::bus::Event;
use serde_json::{json, Value};

/// What happened to an item.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Created,
    Edited,
    Deleted,
}

impl Change {
    fn word(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Edited => "edited",
            Change::Deleted => "deleted",
        }
    }
}

/// `dird_{kind}_{change}` on `directory.{kind}s.{change}`, in the item's tenant.
pub fn event(kind: &str, change: Change, tenant_uuid: &str, data: Value) -> Event {
    Event::new(
        &format!("dird_{kind}_{}", change.word()),
        format!("directory.{kind}s.{}", change.word()),
        Some(tenant_uuid.to_owned()),
        data,
    )
}

/// The identity of an item, for event payloads.
pub fn identity(uuid: &str, tenant_uuid: &str, name: &str) -> Value {
    json!({"uuid": uuid, "tenant_uuid": tenant_uuid, "name": name})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_routing_keys() {
        let event = event("source", Change::Edited, "t1", identity("u", "t1", "n"));
        assert_eq!(event.name, "dird_source_edited");
        assert_eq!(event.routing_key, "directory.sources.edited");
        assert_eq!(event.tenant_uuid.as_deref(), Some("t1"));
        assert_eq!(
            event.data,
            json!({"uuid": "u", "tenant_uuid": "t1", "name": "n"})
        );
    }
}
