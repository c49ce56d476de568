//! Sources, displays and profiles through the REST API, stored in PostgreSQL: wazo-dird's codes and
//! error ids, tenants (with `recurse` answered by the wazo-auth stand-in), changes served at once by
//! lookups, and declared items refused.

use integration_tests::auth_stand_in::{
    AuthStandIn, MASTER_TENANT, OTHER_TENANT, SERVICE_PASSWORD, SERVICE_USERNAME, SUB_TENANT,
};
use integration_tests::daemon::{base_config, merge, set_mode, shared_tempdir, Daemon};
use integration_tests::free_port;
use integration_tests::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const ADMIN: &str = "admin-token";
const SUB_ADMIN: &str = "sub-admin-token";
const OTHER_ADMIN: &str = "other-admin-token";

struct Setup {
    dird: Daemon,
    _auth: std::sync::Arc<AuthStandIn>,
    _database: TestDatabase,
    csv: String,
}

async fn setup(declared: Value) -> Setup {
    let auth = AuthStandIn::start();
    auth.add_token(
        ADMIN,
        Some("aaaaaaaa-0000-4000-8000-000000000001"),
        MASTER_TENANT,
        &["__accept_all__"],
    );
    auth.add_token(
        SUB_ADMIN,
        Some("aaaaaaaa-0000-4000-8000-000000000002"),
        SUB_TENANT,
        &["__accept_all__"],
    );
    auth.add_token(
        OTHER_ADMIN,
        Some("aaaaaaaa-0000-4000-8000-000000000003"),
        OTHER_TENANT,
        &["__accept_all__"],
    );
    let database = TestDatabase::create().await;
    let dir = shared_tempdir();
    let csv = dir.path().join("contacts.csv");
    std::fs::write(
        &csv,
        "id,firstname,lastname,number\n1,Alice,Martin,1001\n2,Bob,Marley,1002\n",
    )
    .expect("csv");
    set_mode(&csv, 0o644);
    let mut auth_section = auth.config();
    merge(
        &mut auth_section,
        json!({"username": SERVICE_USERNAME, "password": SERVICE_PASSWORD, "master_tenant_uuid": MASTER_TENANT}),
    );
    let mut config = base_config(
        free_port(),
        json!({"auth": auth_section, "db_uri": database.uri()}),
    );
    merge(&mut config, declared);
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status(ADMIN, "database", "ok", Duration::from_secs(15))
        .await;
    Setup {
        dird,
        _auth: auth,
        _database: database,
        csv: csv.to_string_lossy().into_owned(),
    }
}

impl Setup {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| b.to_string());
        self.dird
            .send(method, path, token, None, body.as_deref())
            .await
    }

    fn csv_source(&self, name: &str) -> Value {
        json!({"name": name, "file": self.csv, "unique_column": "id", "searched_columns": ["firstname", "lastname"],
               "first_matched_columns": ["number"], "format_columns": {"name": "{firstname} {lastname}"}})
    }
}

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
    assert_eq!(created["backend"], "csv");
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
    for field in ["name", "file", "colour"] {
        assert!(
            body["details"].get(field).is_some(),
            "{field} not reported: {body}"
        );
    }
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

#[tokio::test]
async fn without_a_database_writes_answer_503_and_reads_show_declared_items() {
    let dir = shared_tempdir();
    let tokens = dir.path().join("tokens.yml");
    std::fs::write(&tokens, "tokens:\n  t: {user_uuid: u, tenant_uuid: tn, acl: ['dird.#']}\ntenants:\n  - {uuid: tn, name: master, parent_uuid: null}\n").expect("tokens");
    set_mode(&tokens, 0o644);
    let config = base_config(
        free_port(),
        json!({"auth": {"backend": "static", "static_tokens_file": tokens}}),
    );
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
