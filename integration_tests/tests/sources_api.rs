//! Sources through the REST API, stored in PostgreSQL: wazo-dird's codes and error ids, tenants
//! (with `recurse` answered by the wazo-auth stand-in), refusals across tenants, and no database.

use integration_tests::api_setup::{setup, ADMIN, OTHER_ADMIN, SUB_ADMIN};
use integration_tests::auth_stand_in::{MASTER_TENANT, SUB_TENANT};
use integration_tests::daemon::{base_config, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn source_crud_with_wazo_dirds_codes() {
    let s = setup(json!({})).await;
    let (status, created) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(s.csv_source("mine")),
        )
        .await;
    assert_eq!(status, 200, "a source POST answers 200: {created}");
    assert_eq!(created["tenant_uuid"], MASTER_TENANT);
    assert!(
        created.get("backend").is_none(),
        "wazo-dird's source bodies have no backend key: {created}"
    );
    assert_eq!(created["separator"], ",", "defaults are filled");
    let uuid = created["uuid"].as_str().expect("uuid").to_owned();

    let (status, body) = s
        .call(
            Method::GET,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!((status, body["name"].clone()), (200, json!("mine")));
    let (status, body) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(s.csv_source("mine")),
        )
        .await;
    assert_eq!((status, body["error_id"].clone()), (409, json!("conflict")));
    assert_eq!(body["resource"], "sources");
    let (status, body) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(json!({"name": "", "colour": 1})),
        )
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("invalid-data"))
    );
    for field in ["name", "file"] {
        assert!(
            body["details"].get(field).is_some(),
            "{field} not reported: {body}"
        );
    }
    assert!(
        body["details"].get("colour").is_none(),
        "unknown keys are dropped silently, as wazo-dird does: {body}"
    );
    let mut with_extra = s.csv_source("zz-extra");
    with_extra["colour"] = json!("blue");
    with_extra["token"] = json!("x");
    let (status, created) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(with_extra),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert!(
        created.get("colour").is_none() && created.get("token").is_none(),
        "{created}"
    );
    let (status, _) = s
        .dird
        .send(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            None,
            Some("not json"),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = s
        .call(
            Method::GET,
            "/0.1/backends/csv/sources/00000000-0000-4000-8000-00000000dead",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (404, json!("unknown-source"))
    );
    let (status, _) = s
        .call(Method::GET, "/0.1/backends/gopher/sources", ADMIN, None)
        .await;
    assert_eq!(status, 404, "an unknown backend has no routes");

    let mut edited = s.csv_source("renamed");
    edited["separator"] = json!(";");
    let (status, _) = s
        .call(
            Method::PUT,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            ADMIN,
            Some(edited),
        )
        .await;
    assert_eq!(status, 204);
    let (_, body) = s
        .call(Method::GET, "/0.1/backends/csv/sources", ADMIN, None)
        .await;
    assert_eq!(body["items"][0]["name"], "renamed");
    assert_eq!(body["items"][0]["separator"], ";");

    let (status, _) = s
        .call(
            Method::DELETE,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = s
        .call(
            Method::DELETE,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn tenants_and_recurse() {
    let s = setup(json!({})).await;
    for (token, name) in [(ADMIN, "top"), (SUB_ADMIN, "sub"), (OTHER_ADMIN, "other")] {
        let (status, _) = s
            .call(
                Method::POST,
                "/0.1/backends/csv/sources",
                token,
                Some(s.csv_source(name)),
            )
            .await;
        assert_eq!(status, 200);
    }
    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let (_, body) = s.call(Method::GET, "/0.1/sources", ADMIN, None).await;
    assert_eq!(names(&body), ["top"]);
    let (_, body) = s
        .call(Method::GET, "/0.1/sources?recurse=true", ADMIN, None)
        .await;
    assert_eq!(
        names(&body),
        ["other", "sub", "top"],
        "recurse lists the sub-tenants (wazo-auth GET /tenants)"
    );
    let (_, body) = s
        .call(Method::GET, "/0.1/sources?recurse=true", SUB_ADMIN, None)
        .await;
    assert_eq!(names(&body), ["sub"]);
    let (_, body) = s
        .call(
            Method::GET,
            "/0.1/sources?recurse=true&limit=1&offset=1&order=name&direction=desc",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(
        (
            body["total"].clone(),
            body["filtered"].clone(),
            names(&body)
        ),
        (json!(3), json!(3), vec!["sub".to_owned()])
    );
    let (_, body) = s
        .call(
            Method::GET,
            "/0.1/sources?recurse=true&search=O",
            ADMIN,
            None,
        )
        .await;
    assert_eq!(names(&body), ["other", "top"]);

    let (_, other) = s.call(Method::GET, "/0.1/sources", OTHER_ADMIN, None).await;
    let other_uuid = other["items"][0]["uuid"].as_str().expect("uuid").to_owned();
    let item = format!("/0.1/backends/csv/sources/{other_uuid}");
    let (status, _) = s.call(Method::GET, &item, SUB_ADMIN, None).await;
    assert_eq!(status, 404, "a sibling tenant's source is invisible");
    let (status, _) = s.call(Method::DELETE, &item, SUB_ADMIN, None).await;
    assert_eq!(status, 404, "and cannot be deleted");
    let (status, _) = s.call(Method::GET, &item, ADMIN, None).await;
    assert_eq!(status, 200, "the parent tenant sees it");
    let (status, _) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            SUB_ADMIN,
            Some(s.csv_source("top")),
        )
        .await;
    assert_eq!(status, 200, "names are unique per tenant only");
}

#[tokio::test]
async fn without_a_database_writes_answer_503_and_reads_show_declared_items() {
    let dir = shared_tempdir();
    let auth = static_auth(
        dir.path(),
        "tokens:\n  t: {user_uuid: u, tenant_uuid: tn, acl: ['dird.#']}\ntenants:\n  - {uuid: tn, name: master, parent_uuid: null}\n",
    );
    let config = base_config(free_port(), json!({"auth": auth}));
    let dird = Daemon::start_in(dir, config, &[]).await;
    let (status, body) = dird
        .send(
            Method::POST,
            "/0.1/displays",
            "t",
            None,
            Some(r#"{"name": "d", "columns": [{"field": "x"}]}"#),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error_id"], "database-not-configured");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("db_uri")),
        "{body}"
    );
    let (status, body) = dird.get("/0.1/displays", "t", None).await;
    assert_eq!((status, body["total"].clone()), (200, json!(0)));
}

#[tokio::test]
async fn every_item_route_refuses_other_tenants() {
    let s = setup(json!({})).await;
    let (_, source) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            SUB_ADMIN,
            Some(s.csv_source("sub-source")),
        )
        .await;
    let (_, display) = s
        .call(
            Method::POST,
            "/0.1/displays",
            SUB_ADMIN,
            Some(json!({"name": "sub", "columns": [{"field": "name"}]})),
        )
        .await;
    let (_, profile) = s
        .call(Method::POST, "/0.1/profiles", SUB_ADMIN, Some(json!({"name": "sub", "services": {"lookup": {"sources": [{"uuid": source["uuid"]}]}}})))
        .await;
    let items = [
        format!(
            "/0.1/backends/csv/sources/{}",
            source["uuid"].as_str().expect("source")
        ),
        format!(
            "/0.1/displays/{}",
            display["uuid"].as_str().expect("display")
        ),
        format!(
            "/0.1/profiles/{}",
            profile["uuid"].as_str().expect("profile")
        ),
    ];
    for item in &items {
        let (status, _) = s.call(Method::GET, item, OTHER_ADMIN, None).await;
        assert_eq!(status, 404, "GET {item} from a sibling tenant");
        let (status, _) = s.call(Method::DELETE, item, OTHER_ADMIN, None).await;
        assert_eq!(status, 404, "DELETE {item} from a sibling tenant");
        let (status, _) = s
            .dird
            .send(Method::GET, item, OTHER_ADMIN, Some(SUB_TENANT), None)
            .await;
        assert_eq!(
            status, 401,
            "GET {item} with a Wazo-Tenant the token cannot see"
        );
        let (status, _) = s.call(Method::GET, item, ADMIN, None).await;
        assert_eq!(status, 200, "the parent tenant reads {item}");
    }
    let (status, _) = s
        .call(
            Method::PUT,
            &items[1],
            OTHER_ADMIN,
            Some(json!({"name": "x", "columns": [{"field": "y"}]})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = s
        .call(
            Method::GET,
            "/0.1/directories/lookup/sub?term=a",
            OTHER_ADMIN,
            None,
        )
        .await;
    assert_eq!(status, 404, "lookups too");
    let (status, _) = s
        .dird
        .send(
            Method::GET,
            "/0.1/directories/lookup/sub?term=ali",
            ADMIN,
            Some(SUB_TENANT),
            None,
        )
        .await;
    assert_eq!(
        status, 200,
        "the parent acts in the sub-tenant with Wazo-Tenant"
    );
    let (status, body) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(json!({"name": "t", "file": s.csv, "timeout": "2.75"})),
        )
        .await;
    assert_eq!(
        (status, body["timeout"].clone()),
        (200, json!(2.75)),
        "a numeric string timeout, as wazo-dird accepts"
    );
}

/// A source created through the API whose file is missing shows why in `/0.1/status`, and the log
/// says it once, not once per retry; once the file is there it serves, and the log says so.
#[tokio::test]
async fn a_source_that_cannot_start_shows_why_once() {
    let s =
        setup(json!({"source_actors": {"restart_backoff_min": 0.05, "restart_backoff_max": 0.1}}))
            .await;
    let missing = s.files.path().join("later.csv");
    let mut body = s.csv_source("later");
    body["file"] = json!(missing);
    let (status, created) = s
        .call(Method::POST, "/0.1/backends/csv/sources", ADMIN, Some(body))
        .await;
    assert_eq!(status, 200, "{created}");
    let uuid = created["uuid"].as_str().expect("uuid").to_owned();
    let source_status = || async {
        let (_, status) = s.call(Method::GET, "/0.1/status", ADMIN, None).await;
        status["sources"][&uuid].clone()
    };
    integration_tests::eventually(Duration::from_secs(5), "the source down", || async {
        source_status().await["state"] == "down"
    })
    .await;
    // Retried every 0.05 to 0.1 s: a second is ten retries or more.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let down = source_status().await;
    assert!(
        down["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("later.csv")),
        "{down}"
    );
    // The lines an admin reads (the test daemon also logs at debug, where each retry shows).
    let said = |what: &str| {
        s.dird
            .stderr()
            .lines()
            .filter(|line| line.contains(&uuid) && line.contains(what))
            .filter(|line| !line.contains("(DEBUG)"))
            .count()
    };
    assert_eq!(said("cannot start"), 1, "{}", s.dird.stderr());
    std::fs::write(&missing, "id,firstname,lastname,number\n9,Zoe,Later,1009\n").expect("csv");
    integration_tests::daemon::set_mode(&missing, 0o644);
    integration_tests::eventually(Duration::from_secs(5), "the source up", || async {
        source_status().await["state"] == "up"
    })
    .await;
    let up = source_status().await;
    assert_eq!(up["reason"], Value::Null, "{up}");
    assert_eq!(said("up again"), 1, "{}", s.dird.stderr());
}
