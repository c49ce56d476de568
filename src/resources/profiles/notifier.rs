//! Events of profiles: `dird_profile_created|edited|deleted` with `{uuid, tenant_uuid, name}`.

use super::model::Profile;
use crate::bus::Event;
use crate::resources::notifier::{event, identity, Change};

pub(crate) fn changed(change: Change, profile: &Profile) -> Event {
    event(
        "profile",
        change,
        &profile.tenant_uuid,
        identity(&profile.uuid, &profile.tenant_uuid, &profile.name),
    )
}
