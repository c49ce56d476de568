//! Phonebook events (not in wazo-dird): `phonebook_created|edited|deleted` on
//! `directory.phonebooks.{verb}` with `{uuid, tenant_uuid, name}`, and
//! `phonebook_contact_created|edited|deleted` on `directory.phonebooks.contacts.{verb}` with
//! `{uuid, phonebook_uuid}`.

use super::model::Phonebook;
use crate::bus::Event;
use serde_json::json;

pub(crate) fn phonebook(verb: &str, phonebook: &Phonebook) -> Event {
    let data = json!({"uuid": phonebook.uuid, "tenant_uuid": phonebook.tenant_uuid, "name": phonebook.name});
    Event::new(
        &format!("phonebook_{verb}"),
        format!("directory.phonebooks.{verb}"),
        Some(phonebook.tenant_uuid.clone()),
        data,
    )
}

pub(crate) fn contact(verb: &str, phonebook: &Phonebook, contact_uuid: &str) -> Event {
    let data = json!({"uuid": contact_uuid, "phonebook_uuid": phonebook.uuid});
    Event::new(
        &format!("phonebook_contact_{verb}"),
        format!("directory.phonebooks.contacts.{verb}"),
        Some(phonebook.tenant_uuid.clone()),
        data,
    )
}
