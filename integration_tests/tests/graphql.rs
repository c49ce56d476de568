//! `/0.1/graphql` against the wazo-auth stand-in, over two CSV sources declared in the
//! configuration: wazo-agid's caller-name query, edges in the order of `extens` with `null` where
//! nothing matched (repeats kept), 20 numbers at once, per-root-field ACLs, wazo-dird's errors,
//! GET, and wazo-auth away.

use integration_tests::auth_stand_in::{
    AuthStandIn, MASTER_TENANT, SERVICE_PASSWORD, SERVICE_USERNAME,
};
use integration_tests::daemon::{base_config, merge, set_mode, shared_tempdir, Daemon};
use integration_tests::free_port;
use serde_json::{json, Value};
use std::sync::Arc;

const ADMIN: &str = "graphql-admin";
const USER: &str = "aaaaaaaa-0000-4000-8000-0000000000ee";

async fn daemon() -> (Daemon, Arc<AuthStandIn>) {
    let auth = AuthStandIn::start();
    auth.add_token(ADMIN, Some(USER), MASTER_TENANT, &["__accept_all__"]);
    auth.add_token(
        "hello-only",
        Some(USER),
        MASTER_TENANT,
        &["dird.graphql.hello"],
    );
    auth.add_token("me-only", Some(USER), MASTER_TENANT, &["dird.graphql.me"]);
    auth.add_token("no-acl", Some(USER), MASTER_TENANT, &[]);
    let dir = shared_tempdir();
    let mut rows = String::from("id,firstname,lastname,email,number\n");
    for i in 0..10 {
        rows.push_str(&format!(
            "{i},First{i},Last{i},f{i}@example.com,55500000{i:02}\n"
        ));
    }
    let file = dir.path().join("contacts.csv");
    std::fs::write(&file, rows).expect("csv");
    set_mode(&file, 0o644);
    let second = dir.path().join("no-email.csv");
    std::fs::write(
        &second,
        "id,firstname,lastname,number\n1,Dave,DDD,4444444444\n",
    )
    .expect("csv");
    set_mode(&second, 0o644);
    let mut auth_section = auth.config();
    merge(
        &mut auth_section,
        json!({"username": SERVICE_USERNAME, "password": SERVICE_PASSWORD, "master_tenant_uuid": MASTER_TENANT}),
    );
    let reverse = json!({"reverse": "{firstname} {lastname}"});
    let config = base_config(
        free_port(),
        json!({
            "auth": auth_section,
            "sources": [
                {"backend": "csv", "name": "my_csv", "file": file, "unique_column": "id",
                 "searched_columns": ["firstname"], "first_matched_columns": ["number"], "format_columns": reverse},
                {"backend": "csv", "name": "my_csv_no_email", "file": second, "unique_column": "id",
                 "searched_columns": ["firstname"], "first_matched_columns": ["number"], "format_columns": reverse},
            ],
            "profiles": [{"name": "default", "services": {
                "reverse": {"sources": [{"name": "my_csv"}, {"name": "my_csv_no_email"}]}}}],
        }),
    );
    (Daemon::start_in(dir, config, &[]).await, auth)
}

async fn query(dird: &Daemon, token: &str, query: &str) -> (u16, Value) {
    let body = json!({ "query": query }).to_string();
    dird.send(
        reqwest::Method::POST,
        "/0.1/graphql",
        token,
        None,
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn caller_names_in_the_order_of_the_numbers() {
    let (dird, _auth) = daemon().await;
    // wazo-agid's query, as it sends it.
    let agid = format!(
        r#"{{ user(uuid: "{USER}") {{ contacts(profile: "default", extens: ["5550000003"]) {{ edges {{ node {{ wazoReverse }} }} }} }} }}"#
    );
    let (status, body) = query(&dird, ADMIN, &agid).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"data": {"user": {"contacts": {"edges": [{"node": {"wazoReverse": "First3 Last3"}}]}}}})
    );

    // 20 numbers, half of them known, one repeated: one edge per number, in order.
    let mut extens: Vec<String> = (0..10).map(|i| format!("55500000{i:02}")).collect();
    extens.extend((0..9).map(|i| format!("999{i}")));
    extens.insert(5, "5550000001".into());
    let listed = serde_json::to_string(&extens).expect("extens");
    let (status, body) = query(
        &dird,
        ADMIN,
        &format!(r#"{{ me {{ userUuid contacts(profile: "default", extens: {listed}) {{ edges {{ node {{ firstname lastname email wazoReverse wazoSourceEntryId wazoSourceName wazoBackend }} }} }} }} }}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["me"]["userUuid"], USER);
    let edges = body["data"]["me"]["contacts"]["edges"]
        .as_array()
        .expect("edges");
    assert_eq!(edges.len(), 20, "one edge per exten, repeats kept");
    for (exten, edge) in extens.iter().zip(edges) {
        let node = &edge["node"];
        if exten.starts_with("999") {
            assert_eq!(*node, Value::Null, "{exten}");
        } else {
            let i = &exten[8..].trim_start_matches('0');
            let i = if i.is_empty() { "0" } else { i };
            assert_eq!(
                *node,
                json!({"firstname": format!("First{i}"), "lastname": format!("Last{i}"), "email": format!("f{i}@example.com"),
                       "wazoReverse": format!("First{i} Last{i}"), "wazoSourceEntryId": i, "wazoSourceName": "my_csv", "wazoBackend": "csv"}),
                "{exten}"
            );
        }
    }

    // A source without an email column: null, and no error.
    let (_, body) = query(&dird, ADMIN, r#"{ me { contacts(profile: "default", extens: ["4444444444"]) { edges { node { firstname lastname email __typename } } } } }"#).await;
    assert_eq!(
        body,
        json!({"data": {"me": {"contacts": {"edges": [{"node": {"firstname": "Dave", "lastname": "DDD", "email": null, "__typename": "Contact"}}]}}}})
    );
    // No numbers: no edges. Pagination as graphql-relay.
    let (_, body) = query(
        &dird,
        ADMIN,
        r#"{ me { contacts(profile: "default") { edges { cursor } } } }"#,
    )
    .await;
    assert_eq!(body["data"]["me"]["contacts"]["edges"], json!([]));
    let (_, body) = query(&dird, ADMIN, r#"{ me { contacts(profile: "default", extens: ["5550000001", "1", "5550000002"], first: 1, after: "YXJyYXljb25uZWN0aW9uOjA=") { pageInfo { hasNextPage hasPreviousPage } edges { cursor node { firstname } } } } }"#).await;
    assert_eq!(
        body["data"]["me"]["contacts"],
        json!({"pageInfo": {"hasNextPage": true, "hasPreviousPage": false}, "edges": [{"cursor": "YXJyYXljb25uZWN0aW9uOjE=", "node": null}]})
    );
}

#[tokio::test]
async fn acls_errors_get_and_wazo_auth_away() {
    let (dird, auth) = daemon().await;
    for token in ["", "no-acl", "me-only"] {
        let (status, body) = query(&dird, token, "{ hello }").await;
        assert_eq!(
            status, 200,
            "an unauthorized field is an error of the query"
        );
        assert_eq!(body["data"], json!({"hello": null}), "{token}: {body}");
        let error = &body["errors"][0];
        assert_eq!(
            (error["message"].clone(), error["path"].clone()),
            (json!("Unauthorized"), json!(["hello"]))
        );
        assert_eq!(error["extensions"]["error_id"], "unauthorized");
        assert_eq!(error["extensions"]["details"]["invalid_token"], token);
        assert!(error["extensions"]["timestamp"].is_f64());
    }
    assert_eq!(
        query(&dird, "hello-only", "{ hello }").await.1,
        json!({"data": {"hello": "world"}})
    );
    assert_eq!(
        query(&dird, "me-only", "{ me { userUuid } }").await.1,
        json!({"data": {"me": {"userUuid": USER}}})
    );
    assert_eq!(
        query(&dird, "", "{ __schema { queryType { name } } }")
            .await
            .1,
        json!({"data": {"__schema": {"queryType": {"name": "Query"}}}}),
        "the schema needs no token"
    );

    for (profile, name) in [("profile: \"wrong\", ", "wrong"), ("", "None")] {
        let (status, body) = query(
            &dird,
            ADMIN,
            &format!(r#"{{ me {{ contacts({profile}extens: ["1"]) {{ edges {{ cursor }} }} }} }}"#),
        )
        .await;
        assert_eq!(status, 200);
        let error = &body["errors"][0];
        assert_eq!(error["message"], format!("No such profile: \"{name}\""));
        assert_eq!(error["path"], json!(["me", "contacts"]));
        assert_eq!(error["extensions"]["error_id"], "unknown-profile");
        assert_eq!(error["extensions"]["details"], json!({"uuid": name}));
        assert_eq!(error["extensions"]["resource"], "profiles");
    }
    let (_, body) = query(
        &dird,
        ADMIN,
        r#"{ user(uuid: "x") { contacts(profile: "wrong", extens: ["1"]) { edges { cursor } } } }"#,
    )
    .await;
    assert_eq!(body["errors"][0]["path"], json!(["user", "contacts"]));

    let (status, body) = query(&dird, ADMIN, "{ hello").await;
    assert_eq!(status, 400, "a query that does not parse: {body}");
    let (status, _) = query(&dird, ADMIN, "{ nope }").await;
    assert_eq!(status, 400, "a query that does not validate");
    let (status, body) = dird
        .get("/0.1/graphql?query=%7B%20hello%20%7D", ADMIN, None)
        .await;
    assert_eq!((status, body), (200, json!({"data": {"hello": "world"}})));
    let (status, body) = dird.get("/0.1/graphql", ADMIN, None).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"errors": [{"message": "Must provide query string."}]})
        )
    );

    auth.stop();
    let (status, body) = query(&dird, "another-token", "{ hello }").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["message"], "Authentication server unreachable",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["error_id"],
        "authentication-server-unreachable"
    );
}

/// wazo-agid's caller-name query exactly as `callerid_forphones` sends it: a named operation with
/// variables (`$uuid: String!`, `$extens: [String!]!` on the `[String]` argument), the text
/// dedented with its leading newline, the zero uuid of a call without a user, the six forms of one
/// number with their repeats, `Wazo-Tenant` set. One edge per form, in order, `null` for misses:
/// agid takes the first `wazoReverse` that is not null. Upstream names the exact string only (the
/// first and last forms); here every form names Dave (docs/plugins.md, "Number matching": no
/// country, so by the last digits that Dave alone has).
#[tokio::test]
async fn wazo_agids_query_with_variables_as_it_sends_it() {
    let (dird, _auth) = daemon().await;
    let query = "\nquery GetExtensFromUser($uuid: String!, $extens: [String!]!) {\n    user(uuid: $uuid) {\n        contacts(profile: \"default\", extens: $extens) {\n            edges {\n                node {\n                    wazoReverse\n                }\n            }\n        }\n    }\n}";
    let extens = [
        "4444444444",
        "+1 444-444-4444",
        "+14444444444",
        "(444) 444-4444",
        "1 (444) 444-4444",
        "4444444444",
    ];
    let body = json!({"query": query, "variables": {"uuid": "00000000-0000-0000-0000-000000000000", "extens": extens}});
    let (status, answer) = dird
        .send(
            reqwest::Method::POST,
            "/0.1/graphql",
            ADMIN,
            Some(MASTER_TENANT),
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("errors").is_none(), "{answer}");
    let dave = json!({"node": {"wazoReverse": "Dave DDD"}});
    let none = json!({"node": null});
    assert_eq!(
        answer["data"]["user"]["contacts"]["edges"],
        json!([dave, dave, dave, dave, dave, dave]),
        "{answer}"
    );
    // A number nobody has: every edge null, `data.user` still there (agid reads it as no name).
    let body = json!({"query": query, "variables": {"uuid": "00000000-0000-0000-0000-000000000000", "extens": ["1234", "+33 1234"]}});
    let (_, answer) = dird
        .send(
            reqwest::Method::POST,
            "/0.1/graphql",
            ADMIN,
            Some(MASTER_TENANT),
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(
        answer,
        json!({"data": {"user": {"contacts": {"edges": [none, none]}}}})
    );
}
