//! Displays and profiles through the REST API: changes served at once by lookups, tenant checks of
//! references, declared items read-only, and stored items that survive a restart.

use integration_tests::api_setup::{setup, ADMIN, OTHER_ADMIN};
use integration_tests::auth_stand_in::MASTER_TENANT;
use integration_tests::daemon::Daemon;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn a_profile_made_through_the_api_serves_lookups_and_follows_changes() {
    let s = setup(json!({})).await;
    let (_, source) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(s.csv_source("contacts")),
        )
        .await;
    let source_uuid = source["uuid"].as_str().expect("uuid").to_owned();
    let (status, display) = s
        .call(Method::POST, "/0.1/displays", ADMIN, Some(json!({"name": "d", "columns": [{"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number", "type": "number"}]})))
        .await;
    assert_eq!(status, 201, "{display}");
    let display_uuid = display["uuid"].as_str().expect("uuid").to_owned();
    let profile_body = json!({"name": "default", "display": {"uuid": display_uuid},
        "services": {"lookup": {"sources": [{"uuid": source_uuid}], "options": {"timeout": 2}}, "reverse": {"sources": [{"uuid": source_uuid}]}}});
    let (status, profile) = s
        .call(
            Method::POST,
            "/0.1/profiles",
            ADMIN,
            Some(profile_body.clone()),
        )
        .await;
    assert_eq!(status, 201, "{profile}");
    assert_eq!(profile["services"]["lookup"]["options"]["timeout"], 2.0);
    assert_eq!(profile["display"]["uuid"], display_uuid.as_str());
    let profile_uuid = profile["uuid"].as_str().expect("uuid").to_owned();
    let (status, _) = s
        .call(Method::POST, "/0.1/profiles", ADMIN, Some(profile_body))
        .await;
    assert_eq!(status, 409);

    let (status, body) = s
        .call(
            Method::GET,
            "/0.1/directories/lookup/default?term=mart",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["results"][0]["column_values"],
        json!(["Alice Martin", "1001"])
    );

    // A source edit is served by the next lookup: its actor restarts with the new columns.
    let mut edited = s.csv_source("contacts");
    edited["format_columns"] = json!({"name": "{lastname}, {firstname}"});
    let (status, _) = s
        .call(
            Method::PUT,
            &format!("/0.1/backends/csv/sources/{source_uuid}"),
            ADMIN,
            Some(edited),
        )
        .await;
    assert_eq!(status, 204);
    let (_, body) = s
        .call(
            Method::GET,
            "/0.1/directories/lookup/default?term=mart",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(body["results"][0]["column_values"][0], "Martin, Alice");

    // A display edit too.
    let (status, _) = s
        .call(
            Method::PUT,
            &format!("/0.1/displays/{display_uuid}"),
            ADMIN,
            Some(json!({"name": "d", "columns": [{"title": "Qui", "field": "firstname"}]})),
        )
        .await;
    assert_eq!(status, 204);
    let (_, body) = s
        .call(
            Method::GET,
            "/0.1/directories/lookup/default/headers",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(body["column_headers"], json!(["Qui"]));

    // Deleting the source removes it from the profile.
    let (status, _) = s
        .call(
            Method::DELETE,
            &format!("/0.1/backends/csv/sources/{source_uuid}"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, body) = s
        .call(
            Method::GET,
            &format!("/0.1/profiles/{profile_uuid}"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!(body["services"]["lookup"]["sources"], json!([]));
    let (_, body) = s
        .call(
            Method::GET,
            "/0.1/directories/lookup/default?term=mart",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(body["results"], json!([]));
    let (status, _) = s
        .call(
            Method::DELETE,
            &format!("/0.1/profiles/{profile_uuid}"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = s
        .call(
            Method::GET,
            "/0.1/directories/lookup/default?term=mart",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn profiles_only_use_their_tenants_displays_and_sources() {
    let s = setup(json!({})).await;
    let (_, other_source) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            OTHER_ADMIN,
            Some(s.csv_source("theirs")),
        )
        .await;
    let (_, other_display) = s
        .call(
            Method::POST,
            "/0.1/displays",
            OTHER_ADMIN,
            Some(json!({"name": "theirs", "columns": [{"field": "x"}]})),
        )
        .await;
    let (status, body) = s
        .call(Method::POST, "/0.1/profiles", ADMIN, Some(json!({"name": "p", "services": {"lookup": {"sources": [{"uuid": other_source["uuid"]}]}}})))
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("unknown-source"))
    );
    let (status, body) = s
        .call(
            Method::POST,
            "/0.1/profiles",
            ADMIN,
            Some(json!({"name": "p", "display": {"uuid": other_display["uuid"]}, "services": {}})),
        )
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("unknown-display"))
    );
    let (status, body) = s
        .call(
            Method::POST,
            "/0.1/profiles",
            ADMIN,
            Some(json!({"name": "p", "services": {"lookup": {"timeout": 1}}})),
        )
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("invalid-data")),
        "unknown keys in a service are refused"
    );
    let (status, body) = s
        .call(
            Method::POST,
            "/0.1/displays",
            ADMIN,
            Some(json!({"name": "d", "columns": [{}]})),
        )
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("invalid-data")),
        "an empty column is refused"
    );
    let (status, body) = s
        .call(
            Method::GET,
            "/0.1/displays/00000000-0000-4000-8000-00000000dead",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (404, json!("unknown-display"))
    );
    let (status, body) = s
        .call(
            Method::GET,
            "/0.1/profiles/00000000-0000-4000-8000-00000000dead",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (404, json!("unknown-profile"))
    );
}

#[tokio::test]
async fn declared_items_are_listed_but_read_only_and_stored_items_survive_a_restart() {
    let dir_csv = "/nonexistent.csv";
    let declared = json!({
        "sources": [{"backend": "csv", "name": "declared", "file": dir_csv, "tenant_uuid": MASTER_TENANT}],
        "displays": [{"name": "declared", "tenant_uuid": MASTER_TENANT, "columns": [{"field": "name"}]}],
        "profiles": [{"name": "declared", "tenant_uuid": MASTER_TENANT, "services": {"lookup": {"sources": [{"name": "declared"}]}}}],
    });
    let mut s = setup(declared).await;
    let (_, body) = s.call(Method::GET, "/0.1/sources", ADMIN, None).await;
    let uuid = body["items"][0]["uuid"]
        .as_str()
        .expect("declared source")
        .to_owned();
    let (status, body) = s
        .call(
            Method::PUT,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            ADMIN,
            Some(s.csv_source("x")),
        )
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (409, json!("declared-in-configuration"))
    );
    let (status, _) = s
        .call(
            Method::DELETE,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 409);
    let (_, body) = s.call(Method::GET, "/0.1/profiles", ADMIN, None).await;
    let profile_uuid = body["items"][0]["uuid"]
        .as_str()
        .expect("declared profile")
        .to_owned();
    let (status, _) = s
        .call(
            Method::DELETE,
            &format!("/0.1/profiles/{profile_uuid}"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 409);
    let (status, _) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(s.csv_source("declared")),
        )
        .await;
    assert_eq!(status, 409, "a declared name is taken");

    let (status, _) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(s.csv_source("stored")),
        )
        .await;
    assert_eq!(status, 200);
    // A restart on the same database serves what was stored.
    let config_path = s.dird.dir.path().join("config.yml");
    let config: Value =
        yaml_serde::from_str(&std::fs::read_to_string(&config_path).expect("config"))
            .expect("yaml");
    s.dird.stop();
    let dird = Daemon::start(config).await;
    dird.wait_for_status(ADMIN, "database", "ok", Duration::from_secs(15))
        .await;
    let mut names = Vec::new();
    for _ in 0..50 {
        let (_, body) = dird.get("/0.1/sources", ADMIN, None).await;
        names = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        if names.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    names.sort();
    assert_eq!(names, ["declared", "stored"]);
}
