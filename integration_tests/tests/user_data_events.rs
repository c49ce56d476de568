//! Every personal-contact, phonebook and phonebook-contact change is published on the real broker
//! with its routing key, headers (the user's or the tenant's) and body, and nothing else is.

use integration_tests::broker::{clean_up, Received, Recorder};
use integration_tests::daemon::Daemon;
use integration_tests::postgres::TestDatabase;
use integration_tests::users::{call_json as call, post_csv as csv, start_on};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const ALICE: &str = "10000000-0000-4000-8000-00000000000a";
const MASTER: &str = "20000000-0000-4000-8000-000000000001";
const TOKENS: &str = "tokens:\n  alice: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

#[tokio::test]
async fn every_change_of_user_data_is_published() {
    let recorder = Recorder::start().await;
    let database = TestDatabase::create().await;
    let bus = json!({"enabled": true, "host": "127.0.0.1", "port": 5672, "exchange_name": recorder.exchange, "queue_name": format!("{}-queue", recorder.exchange)});
    let dird: Daemon = start_on(&database, TOKENS, "alice", json!({"bus": bus})).await;
    dird.wait_for_status("alice", "bus_publisher", "ok", Duration::from_secs(15))
        .await;

    let (_, contact) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        json!({"firstname": "Alice"}),
    )
    .await;
    let id = contact["id"].as_str().expect("id").to_owned();
    let item = format!("/0.1/personal/{id}");
    assert_eq!(
        call(
            &dird,
            Method::PUT,
            &item,
            "alice",
            json!({"firstname": "Alicia"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(&dird, Method::DELETE, &item, "alice", Value::Null)
            .await
            .0,
        204
    );
    let (status, _) = csv(&dird, "/0.1/personal/import", "alice", "firstname\nA\nB\n").await;
    assert_eq!(status, 201);
    assert_eq!(
        call(&dird, Method::DELETE, "/0.1/personal", "alice", Value::Null)
            .await
            .0,
        204
    );

    let (_, book) = call(
        &dird,
        Method::POST,
        "/0.1/phonebooks",
        "alice",
        json!({"name": "book"}),
    )
    .await;
    let uuid = book["uuid"].as_str().expect("uuid").to_owned();
    let (status, _) = call(
        &dird,
        Method::PUT,
        &format!("/0.1/phonebooks/{uuid}"),
        "alice",
        json!({"name": "renamed"}),
    )
    .await;
    assert_eq!(status, 200);
    let contacts = format!("/0.1/phonebooks/{uuid}/contacts");
    let (_, entry) = call(
        &dird,
        Method::POST,
        &contacts,
        "alice",
        json!({"firstname": "Zed"}),
    )
    .await;
    let entry_id = entry["id"].as_str().expect("id").to_owned();
    let entry_item = format!("{contacts}/{entry_id}");
    assert_eq!(
        call(
            &dird,
            Method::PUT,
            &entry_item,
            "alice",
            json!({"firstname": "Zoe"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(&dird, Method::DELETE, &entry_item, "alice", Value::Null)
            .await
            .0,
        204
    );
    let (status, imported) = csv(
        &dird,
        &format!("{contacts}/import"),
        "alice",
        "firstname\nC\nD\n",
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        call(
            &dird,
            Method::DELETE,
            &format!("/0.1/phonebooks/{uuid}"),
            "alice",
            Value::Null
        )
        .await
        .0,
        204
    );

    let received: Vec<Received> = recorder
        .wait_for(14, Duration::from_secs(10))
        .await
        .into_iter()
        .filter(|m| {
            m.headers["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("personal_") || n.starts_with("phonebook_"))
        })
        .collect();
    let seen: Vec<(String, String, Value)> = received
        .iter()
        .map(|m| {
            (
                m.headers["name"].as_str().unwrap_or_default().to_owned(),
                m.routing_key.clone(),
                m.body["data"].clone(),
            )
        })
        .collect();
    let imported_ids: Vec<Value> = imported["created"]
        .as_array()
        .expect("created")
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    let personal_created: Vec<&(String, String, Value)> = seen
        .iter()
        .filter(|(n, _, _)| n == "personal_contact_created")
        .collect();
    assert_eq!(
        personal_created.len(),
        3,
        "one per created contact, imports included: {seen:#?}"
    );
    let expected = [
        (
            "personal_contact_created".to_owned(),
            format!("directory.{ALICE}.personal.created"),
            json!({"id": id, "user_uuid": ALICE}),
        ),
        (
            "personal_contact_edited".to_owned(),
            format!("directory.{ALICE}.personal.edited"),
            json!({"id": id, "user_uuid": ALICE}),
        ),
        (
            "personal_contact_deleted".to_owned(),
            format!("directory.{ALICE}.personal.deleted"),
            json!({"id": id, "user_uuid": ALICE}),
        ),
        (
            "personal_contacts_purged".to_owned(),
            format!("directory.{ALICE}.personal.purged"),
            json!({"user_uuid": ALICE, "deleted": 2}),
        ),
        (
            "phonebook_created".to_owned(),
            "directory.phonebooks.created".to_owned(),
            json!({"uuid": uuid, "tenant_uuid": MASTER, "name": "book"}),
        ),
        (
            "phonebook_edited".to_owned(),
            "directory.phonebooks.edited".to_owned(),
            json!({"uuid": uuid, "tenant_uuid": MASTER, "name": "renamed"}),
        ),
        (
            "phonebook_contact_created".to_owned(),
            "directory.phonebooks.contacts.created".to_owned(),
            json!({"uuid": entry_id, "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_contact_edited".to_owned(),
            "directory.phonebooks.contacts.edited".to_owned(),
            json!({"uuid": entry_id, "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_contact_deleted".to_owned(),
            "directory.phonebooks.contacts.deleted".to_owned(),
            json!({"uuid": entry_id, "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_contact_created".to_owned(),
            "directory.phonebooks.contacts.created".to_owned(),
            json!({"uuid": imported_ids[0], "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_contact_created".to_owned(),
            "directory.phonebooks.contacts.created".to_owned(),
            json!({"uuid": imported_ids[1], "phonebook_uuid": uuid}),
        ),
        (
            "phonebook_deleted".to_owned(),
            "directory.phonebooks.deleted".to_owned(),
            json!({"uuid": uuid, "tenant_uuid": MASTER, "name": "renamed"}),
        ),
    ];
    for event in &expected {
        assert!(
            seen.contains(event),
            "{event:?} not published; seen {seen:#?}"
        );
    }
    assert_eq!(seen.len(), 14, "nothing else: {seen:#?}");
    for message in &received {
        let name = message.headers["name"].as_str().unwrap_or_default();
        assert_eq!(message.headers["tenant_uuid"], MASTER, "{name}");
        assert_eq!(message.headers["required_access"], format!("event.{name}"));
        assert_eq!(message.body["name"], name);
        if name.starts_with("personal_") {
            assert_eq!(
                message.headers[&format!("user_uuid:{ALICE}")],
                true,
                "{name} is alice's only"
            );
            assert!(message.headers.get("user_uuid:*").is_none(), "{name}");
        } else {
            assert_eq!(
                message.headers["user_uuid:*"], true,
                "{name} is the tenant's"
            );
        }
    }
    clean_up(
        &recorder.exchange,
        Some(&format!("{}-queue", recorder.exchange)),
    )
    .await;
}
