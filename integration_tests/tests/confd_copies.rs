//! The in-memory copies of wazo-confd's users and conference rooms (`confd_stack`): the conference
//! backend and its contacts route, the copies following wazo-confd's events on the real broker, and
//! answering while wazo-confd is down.

use integration_tests::confd_stack::{stack, TENANT};
use integration_tests::confd_stand_in::{conference, user};
use integration_tests::csv_directory::names;
use integration_tests::eventually;
use integration_tests::users::{call_json, create_profile_over, get_ok};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn the_copy_follows_confd_events_and_outlives_confd() {
    let s = stack(json!({})).await;
    let wazo = s.wazo_source("wazo_users", "secret").await;
    let rooms = s
        .source(
            "conference",
            json!({"name": "rooms", "auth": s.auth("secret"), "confd": s.confd.config(),
                   "searched_columns": ["name", "extensions", "incalls"],
                   "first_matched_columns": ["extensions", "incalls"],
                   "format_columns": {"name": "{name}", "number": "{extensions[0]}", "reverse": "{name}"}}),
        )
        .await;
    create_profile_over(&s.dird, "alice", &[&wazo, &rooms]).await;
    eventually(Duration::from_secs(5), "both copies", || async {
        names(&s.lookup("scrum").await) == ["daily scrum"]
            && names(&s.lookup("dylan").await) == ["Bob Dylan"]
    })
    .await;

    // Conference rooms: by name, extension and incall; reverse on both.
    assert_eq!(names(&s.lookup("1009").await), ["test"]);
    let reverse = get_ok(
        &s.dird,
        "/0.1/directories/reverse/default/u?exten=1009",
        "alice",
    )
    .await;
    assert_eq!(reverse["display"], "test");
    let path = "/0.1/directories/lookup/default?term=3245&mode=t9";
    let spelled = names(&get_ok(&s.dird, path, "alice").await);
    assert_eq!(spelled, ["daily scrum"], "a room's name on the keypad");
    let room = &s.lookup("scrum").await["results"][0];
    assert_eq!(
        (
            room["backend"].clone(),
            room["relations"]["source_entry_id"].clone(),
            room["relations"]["user_id"].clone()
        ),
        (json!("conference"), json!("4"), Value::Null)
    );
    let listed = get_ok(
        &s.dird,
        &format!(
            "/0.1/backends/conference/sources/{}/contacts",
            rooms["uuid"].as_str().unwrap_or_default()
        ),
        "alice",
    )
    .await;
    assert_eq!(
        listed,
        json!({"total": 2, "filtered": 2, "items": [
            {"id": 4, "name": "daily scrum", "extensions": [{"context": "inside", "exten": "4002"}], "incalls": []},
            {"id": 1, "name": "test", "extensions": [{"context": "inside", "exten": "4001"}], "incalls": [{"context": "from-extern", "exten": "1009"}]},
        ]})
    );

    // wazo-confd's events: a user edited, created and deleted, a room created.
    s.confd.put_user(
        TENANT,
        user(
            42,
            "u-42",
            "Robert",
            Some("Zimmerman"),
            Some("1000"),
            None,
            Some(3),
            Some("2"),
        ),
    );
    s.event("user_edited", json!({"id": 42, "uuid": "u-42", "subscription_type": 0, "created_at": null, "tenant_uuid": TENANT})).await;
    let took = eventually(Duration::from_secs(5), "the edit", || async {
        names(&s.lookup("zimmer").await) == ["Robert Zimmerman"]
    })
    .await;
    eprintln!(
        "an edited user was served {} ms after its event",
        took.as_millis()
    );
    assert!(names(&s.lookup("dylan").await).is_empty());
    s.confd.put_user(
        TENANT,
        user(
            45,
            "u-45",
            "Nina",
            Some("Simone"),
            Some("1045"),
            None,
            None,
            None,
        ),
    );
    s.event("user_created", json!({"id": 45, "uuid": "u-45", "subscription_type": 0, "created_at": null, "tenant_uuid": TENANT})).await;
    eventually(Duration::from_secs(5), "the creation", || async {
        names(&s.lookup("simone").await) == ["Nina Simone"]
    })
    .await;
    s.confd.remove_user(43);
    s.event("user_deleted", json!({"id": 43, "uuid": "u-43", "subscription_type": 0, "created_at": null, "tenant_uuid": TENANT})).await;
    eventually(Duration::from_secs(5), "the deletion", || async {
        names(&s.lookup("picasso").await).is_empty()
    })
    .await;
    s.confd
        .put_conference(TENANT, conference(7, "all hands", &["4007"], &[]));
    s.event("conference_created", json!({"id": 7})).await;
    eventually(Duration::from_secs(5), "the new room", || async {
        names(&s.lookup("hands").await) == ["all hands"]
    })
    .await;

    // wazo-confd goes away: the copies keep answering; the contacts route says wazo-confd failed.
    s.confd.stop();
    assert_eq!(names(&s.lookup("simone").await), ["Nina Simone"]);
    assert_eq!(names(&s.lookup("hands").await), ["all hands"]);
    let reverse = get_ok(
        &s.dird,
        "/0.1/directories/reverse/default/u?exten=1045",
        "alice",
    )
    .await;
    assert_eq!(reverse["display"], "Nina Simone");
    let (status, body) = call_json(
        &s.dird,
        Method::GET,
        &format!(
            "/0.1/backends/wazo/sources/{}/contacts",
            wazo["uuid"].as_str().unwrap_or_default()
        ),
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (503, json!("wazo-confd-error")),
        "{body}"
    );
    assert_eq!(body["details"]["wazo_confd_config"]["port"], s.confd.port);
    s.clean_up().await;
}
