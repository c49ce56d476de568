//! Events of displays: `dird_display_created|edited|deleted` with `{uuid, tenant_uuid, name}`.

use super::model::Display;
use crate::bus::Event;
use crate::resources::notifier::{event, identity, Change};

pub(crate) fn changed(change: Change, display: &Display) -> Event {
    event(
        "display",
        change,
        &display.tenant_uuid,
        identity(&display.uuid, &display.tenant_uuid, &display.name),
    )
}
