//! Bodies key by key as upstream wazo-dird answers them: each backend's source body (what
//! wazo-dird-client's `*_source` commands get back), a profile's service options as they were
//! sent, and the configuration's `log_level` in any case.

use integration_tests::api_setup::{setup, ADMIN};
use integration_tests::dird_client::{keys, set, upstream};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

#[tokio::test]
async fn source_bodies_have_upstreams_keys() {
    let s = setup(json!({"log_level": "DEBUG"})).await;
    let auth = json!({"key_file": "/var/lib/wazo-auth-keys/k.yml"});
    for (backend, body, own) in [
        ("csv", s.csv_source("c"), upstream::CSV_SOURCE),
        (
            "csv_ws",
            json!({"name": "w", "lookup_url": "http://localhost/ws"}),
            upstream::CSV_WS_SOURCE,
        ),
        (
            "ldap",
            json!({"name": "l", "ldap_uri": "ldap://localhost", "ldap_base_dn": "dc=x", "ldap_password": "s"}),
            upstream::LDAP_SOURCE,
        ),
        ("personal", json!({"name": "p"}), &[]),
        (
            "wazo",
            json!({"name": "wz", "auth": auth}),
            upstream::CONFD_SOURCE,
        ),
        (
            "conference",
            json!({"name": "cf", "auth": auth, "token": "ignored"}),
            upstream::CONFD_SOURCE,
        ),
    ] {
        let path = format!("/0.1/backends/{backend}/sources");
        let (status, created) = s.call(Method::POST, &path, ADMIN, Some(body)).await;
        assert_eq!(status, 200, "{backend}: {created}");
        let expected: BTreeSet<String> = set(upstream::SOURCE).union(&set(own)).cloned().collect();
        assert_eq!(keys(&created), expected, "{backend}: {created}");
        let uuid = created["uuid"].as_str().unwrap_or_default().to_owned();
        let (_, read) = s
            .call(Method::GET, &format!("{path}/{uuid}"), ADMIN, None)
            .await;
        assert_eq!(read, created, "{backend}: GET answers what POST answered");
        if backend == "csv_ws" {
            assert_eq!(created["timeout"], 10.0);
        }
        if backend == "wazo" {
            assert_eq!(
                created["confd"],
                json!({"host": "localhost", "port": 443, "https": true, "verify_certificate": true, "prefix": "/api/confd", "version": "1.1"})
            );
        }
    }
    let (status, body) = s
        .call(
            Method::POST,
            "/0.1/backends/wazo/sources",
            ADMIN,
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["details"]["auth"]["_schema"][0],
        "a \"key_file\" or a \"username\" and \"password\" must be specified"
    );

    let (_, config) = s.call(Method::GET, "/0.1/config", ADMIN, None).await;
    assert_eq!(
        config["log_level"], "DEBUG",
        "log_level is taken in any case (a daemon that refused it would not have started)"
    );
}

#[tokio::test]
async fn profile_options_come_back_as_sent() {
    let s = setup(json!({})).await;
    let (_, source) = s
        .call(
            Method::POST,
            "/0.1/backends/csv/sources",
            ADMIN,
            Some(s.csv_source("c")),
        )
        .await;
    let refs = json!([{"uuid": source["uuid"]}]);
    let body = json!({"name": "p", "services": {
        "lookup": {"sources": refs},
        "reverse": {"sources": refs, "options": {}},
        "favorites": {"sources": refs, "options": {"timeout": 5}},
    }});
    let (status, created) = s
        .call(Method::POST, "/0.1/profiles", ADMIN, Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        keys(&created),
        set(&["uuid", "tenant_uuid", "name", "services"]),
        "upstream answers a POST without display with no display key"
    );
    let uuid = created["uuid"].as_str().unwrap_or_default();
    let (_, read) = s
        .call(Method::GET, &format!("/0.1/profiles/{uuid}"), ADMIN, None)
        .await;
    assert_eq!(
        read["display"],
        Value::Null,
        "reads show the missing display as null"
    );
    assert!(read.as_object().is_some_and(|r| r.contains_key("display")));
    assert_eq!(read["services"]["lookup"]["options"], json!({}));
    assert_eq!(
        read["services"]["reverse"]["options"],
        json!({"timeout": null})
    );
    assert_eq!(
        read["services"]["favorites"]["options"],
        json!({"timeout": 5.0})
    );
}
