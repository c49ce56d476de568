//! Events of personal contacts (not in wazo-dird): user events `personal_contact_created|edited|deleted`
//! on `directory.{user_uuid}.personal.created|edited|deleted` with `{id, user_uuid}` (the fields stay
//! private), and `personal_contacts_purged` on `directory.{user_uuid}.personal.purged`.

use crate::bus::Event;
use serde_json::json;

pub(crate) fn changed(verb: &str, tenant_uuid: &str, user_uuid: &str, contact_id: &str) -> Event {
    let data = json!({"id": contact_id, "user_uuid": user_uuid});
    Event::new(
        &format!("personal_contact_{verb}"),
        format!("directory.{user_uuid}.personal.{verb}"),
        Some(tenant_uuid.to_owned()),
        data,
    )
    .for_user(user_uuid)
}

pub(crate) fn purged(tenant_uuid: &str, user_uuid: &str, count: u64) -> Event {
    let data = json!({"user_uuid": user_uuid, "deleted": count});
    Event::new(
        "personal_contacts_purged",
        format!("directory.{user_uuid}.personal.purged"),
        Some(tenant_uuid.to_owned()),
        data,
    )
    .for_user(user_uuid)
}
