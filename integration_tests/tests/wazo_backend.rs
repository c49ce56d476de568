//! The `wazo` backend against the wazo-confd and wazo-auth stand-ins (`confd_stack`): lookups,
//! reverse lookups, favorites, GraphQL and the contacts route from the copy of the users; a login
//! refused by wazo-auth; every lookup asking wazo-confd when copies are off.

use integration_tests::confd_stack::stack;
use integration_tests::confd_stand_in::XIVO_UUID;
use integration_tests::csv_directory::names;
use integration_tests::eventually;
use integration_tests::users::{call_json, create_profile, create_profile_over, get_ok};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[tokio::test]
async fn wazo_users_are_looked_up_reversed_and_listed_from_a_copy() {
    let s = stack(json!({})).await;
    let source = s.wazo_source("wazo_users", "secret").await;
    assert_eq!(source["auth"]["username"], "wazo-source");
    assert_eq!(
        source["auth"].get("password"),
        Some(&Value::Null),
        "secrets are never returned (upstream's key, shown null): {source}"
    );
    assert_eq!(
        source["confd"]["version"], "1.1",
        "defaults filled: {source}"
    );
    create_profile(&s.dird, "alice", &source).await;

    // The copy is loaded at start; after that, lookups do not ask wazo-confd.
    eventually(Duration::from_secs(5), "the copy", || async {
        names(&s.lookup("dyl").await) == ["Bob Dylan"]
    })
    .await;
    let calls = s.confd.calls("GET /1.1/users");
    for term in [
        "dyl",
        "bob ",
        "Bob Dyl",
        "pablo ruiz pic",
        "àccent",
        "elise",
        "1000",
    ] {
        let found = names(&s.lookup(term).await);
        assert_eq!(found.len(), 1, "{term}: {found:?}");
    }
    assert!(
        names(&s.lookup("bobby").await).is_empty(),
        "another tenant's users are not ours"
    );
    // Dial-pad search, from the copy's index: a word, across words ("pablor").
    for (digits, expected) in [("39526", "Bob Dylan"), ("722567", "Pablo Ruiz Picasso")] {
        let path = format!("/0.1/directories/lookup/default?term={digits}&mode=t9");
        let found = names(&get_ok(&s.dird, &path, "alice").await);
        assert_eq!(found, [expected], "t9 {digits}");
    }
    assert_eq!(
        s.confd.calls("GET /1.1/users"),
        calls,
        "lookups read the copy"
    );

    let body = s.lookup("dylan").await;
    let bob = &body["results"][0];
    assert_eq!(bob["column_values"], json!(["Bob Dylan", "1000", false]));
    assert_eq!(bob["backend"], "wazo");
    assert_eq!(
        bob["relations"],
        json!({"xivo_id": XIVO_UUID, "agent_id": "2", "user_id": 42, "user_uuid": "u-42",
               "endpoint_id": 3, "source_entry_id": "42"})
    );
    let reverse = get_ok(&s.dird, "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=%2B33600000001", "alice").await;
    assert_eq!(
        (reverse["display"].clone(), reverse["source"].clone()),
        (json!("Pablo Ruiz Picasso"), json!("wazo_users"))
    );
    let reverse = get_ok(
        &s.dird,
        "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=100",
        "alice",
    )
    .await;
    assert_eq!(reverse["display"], Value::Null, "numbers match whole");

    // GraphQL: a Wazo user is a WazoContact, its ids as strings.
    let graphql = json!({"query": r#"{ me { contacts(profile: "default", extens: ["1000", "0"]) { edges { node { firstname wazoBackend ... on WazoContact { userUuid userId agentId endpointId } } } } } }"#});
    let (status, body) = call_json(&s.dird, Method::POST, "/0.1/graphql", "alice", graphql).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["me"]["contacts"]["edges"],
        json!([{"node": {"firstname": "Bob", "wazoBackend": "wazo", "userUuid": "u-42", "userId": "42", "agentId": "2", "endpointId": "3"}}, {"node": null}])
    );

    let (status, _) = call_json(
        &s.dird,
        Method::PUT,
        "/0.1/directories/favorites/wazo_users/42",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let favorites = get_ok(&s.dird, "/0.1/directories/favorites/default", "alice").await;
    assert_eq!(
        favorites["results"][0]["column_values"],
        json!(["Bob Dylan", "1000", true])
    );
    assert_eq!(
        s.lookup("dylan").await["results"][0]["column_values"][2],
        true
    );

    // The contacts route is wazo-confd's listing, with wazo-dird's keys.
    let contacts = format!(
        "/0.1/backends/wazo/sources/{}/contacts",
        source["uuid"].as_str().unwrap_or_default()
    );
    let listed = get_ok(
        &s.dird,
        &format!("{contacts}?order=lastname&direction=desc&limit=2"),
        "alice",
    )
    .await;
    assert_eq!(
        (listed["total"].clone(), listed["filtered"].clone()),
        (json!(3), json!(3))
    );
    assert_eq!(
        listed["items"],
        json!([
            {"id": 43, "uuid": "u-43", "firstname": "Pablo Ruiz", "lastname": "Picasso", "email": null, "exten": "1001",
             "mobile_phone_number": "+33600000001", "voicemail_number": null},
            {"id": 42, "uuid": "u-42", "firstname": "Bob", "lastname": "Dylan", "email": null, "exten": "1000",
             "mobile_phone_number": null, "voicemail_number": null},
        ])
    );
    let searched = get_ok(&s.dird, &format!("{contacts}?search=picasso"), "alice").await;
    assert_eq!(searched["total"], 1);
    let (status, body) = call_json(
        &s.dird,
        Method::GET,
        &format!("{contacts}?order=email"),
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("invalid-data"))
    );
    let (status, body) = call_json(
        &s.dird,
        Method::GET,
        "/0.1/backends/wazo/sources/00000000-0000-4000-8000-000000000000/contacts",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (404, json!("unknown-source"))
    );
    s.clean_up().await;
}

#[tokio::test]
async fn a_refused_login_costs_the_source_its_results_only() {
    let s = stack(json!({})).await;
    let refused = s.wazo_source("refused", "wrong-password").await;
    let personal = s.source("personal", json!({"name": "mine", "searched_columns": ["name"], "first_matched_columns": ["number"]})).await;
    create_profile_over(&s.dird, "alice", &[&refused, &personal]).await;
    let (status, _) = call_json(
        &s.dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        json!({"name": "Bob Mine", "number": "1"}),
    )
    .await;
    assert_eq!(status, 201);
    let started = Instant::now();
    assert_eq!(
        names(&s.lookup("bob").await),
        ["Bob Mine"],
        "wazo-confd's Bob needs a token"
    );
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "a refused login is not waited for"
    );
    assert_eq!(
        s.confd.calls("GET /1.1/users"),
        0,
        "nothing reached wazo-confd without a token"
    );
    assert!(s.auth.calls("POST /0.1/token") >= 1);
    s.clean_up().await;
}

#[tokio::test]
async fn without_copies_every_lookup_asks_confd_as_wazo_dird_does() {
    let s = stack(json!({"contact_cache": {"enabled": false}})).await;
    let source = s.wazo_source("wazo_users", "secret").await;
    create_profile(&s.dird, "alice", &source).await;
    let before = s.confd.calls("GET /1.1/users");
    assert_eq!(
        names(&s.lookup("pablo ruiz pic").await),
        ["Pablo Ruiz Picasso"]
    );
    let reverse = get_ok(
        &s.dird,
        "/0.1/directories/reverse/default/u?exten=1000",
        "alice",
    )
    .await;
    assert_eq!(reverse["display"], "Bob Dylan");
    let (status, _) = call_json(
        &s.dird,
        Method::PUT,
        "/0.1/directories/favorites/wazo_users/44",
        "alice",
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let favorites = get_ok(&s.dird, "/0.1/directories/favorites/default", "alice").await;
    assert_eq!(
        favorites["results"][0]["column_values"],
        json!(["Élise Àccent", null, true])
    );
    assert_eq!(
        s.confd.calls("GET /1.1/users") - before,
        3,
        "one wazo-confd request per call"
    );
    assert_eq!(
        s.confd.calls("GET /1.1/infos"),
        1,
        "the stack's uuid is asked once"
    );
    s.clean_up().await;
}
