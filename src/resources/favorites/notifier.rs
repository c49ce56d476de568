//! `favorite_added` / `favorite_deleted`, exactly as wazo-dird publishes them: user events on
//! `directory.{user_uuid}.favorite.created|deleted` with `{xivo_uuid, user_uuid, source, source_entry_id}`.

use crate::bus::Event;
use serde_json::json;

pub(crate) fn changed(
    added: bool,
    xivo_uuid: &str,
    tenant_uuid: &str,
    user_uuid: &str,
    source: &str,
    contact_id: &str,
) -> Event {
    let (name, verb) = if added {
        ("favorite_added", "created")
    } else {
        ("favorite_deleted", "deleted")
    };
    let data = json!({"xivo_uuid": xivo_uuid, "user_uuid": user_uuid, "source": source, "source_entry_id": contact_id});
    Event::new(
        name,
        format!("directory.{user_uuid}.favorite.{verb}"),
        Some(tenant_uuid.to_owned()),
        data,
    )
    .for_user(user_uuid)
}
