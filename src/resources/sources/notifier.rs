//! Events of sources: `dird_source_created|edited|deleted` with `{uuid, tenant_uuid, name, backend}`.

use super::model::Source;
use crate::bus::Event;
use crate::resources::notifier::{event, Change};
use serde_json::json;

pub(crate) fn changed(change: Change, source: &Source) -> Event {
    let data = json!({"uuid": source.uuid, "tenant_uuid": source.tenant_uuid, "name": source.name, "backend": source.backend});
    event("source", change, &source.tenant_uuid, data)
}
