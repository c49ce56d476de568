//! Every backend kind through the API, the way clients make things: for each of the nine kinds, a
//! source created with the body wazo-dird-client sends (defaults left out), put in a profile, then
//! looked up, reversed, listed as a favorite and read in `/directories/{profile}/sources`; the same
//! after a `PUT` of each source's `GET` body (secrets come back `null` and are kept), and after a
//! restart that reads everything back from the database. The servers are real (slapd) or
//! stand-ins (wazo-auth, wazo-confd, a CSV web service, Google, Microsoft Graph).

use integration_tests::api_setup::{setup, Setup, ADMIN, ADMIN_USER as USER};
use integration_tests::auth_stand_in::MASTER_TENANT;
use integration_tests::cloud_stand_in::CloudStandIn;
use integration_tests::confd_stand_in::ConfdStandIn;
use integration_tests::slapd::{Slapd, ADMIN_DN, ADMIN_PASSWORD, BASE_DN};
use integration_tests::web_service::CsvWebService;
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

/// One source of the matrix: its kind, its body, and the contact it must give.
struct Case {
    backend: &'static str,
    name: &'static str,
    body: Value,
    /// A lookup of this term finds `shown`.
    term: &'static str,
    shown: &'static str,
    /// A reverse lookup of this number finds `shown`.
    number: &'static str,
    /// The contact's id in its source (favorites).
    id: String,
}

/// What the cases talk to, kept for the whole test.
struct Servers {
    _slapd: Slapd,
    _ws: Arc<CsvWebService>,
    _confd: Arc<ConfdStandIn>,
}

fn columns(name: &str, number: &str) -> Value {
    json!({"name": name, "number": number, "reverse": name})
}

async fn call(s: &Setup, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    s.call(method, path, ADMIN, body).await
}

async fn ok(s: &Setup, method: Method, path: &str, body: Option<Value>, expected: u16) -> Value {
    let (status, answer) = call(s, method.clone(), path, body).await;
    assert_eq!(status, expected, "{method} {path}: {answer}");
    answer
}

/// The stand-in wazo-auth as a source's `auth` (wazo-dird's default prefix is nginx's).
fn auth_section(s: &Setup) -> Value {
    let mut auth = s.auth.config();
    auth["prefix"] = Value::Null;
    auth
}

/// The nine cases, their servers started and their data made through the API (`cloud` answers
/// for Google and Microsoft Graph).
async fn cases(s: &Setup, cloud: &CloudStandIn) -> (Vec<Case>, Servers) {
    let slapd = Slapd::start();
    let ws = CsvWebService::start(
        &[
            &["id", "firstname", "lastname", "number"],
            &["7", "Carla", "Webb", "2001"],
        ],
        ',',
        "utf-8",
        false,
    );
    let confd = s.confd_and_cloud(cloud);
    let personal = ok(
        s,
        Method::POST,
        "/0.1/personal",
        Some(json!({"firstname": "Paula", "lastname": "Perso", "number": "3001"})),
        201,
    )
    .await;
    let phonebook = ok(
        s,
        Method::POST,
        "/0.1/phonebooks",
        Some(json!({"name": "company"})),
        201,
    )
    .await;
    let phonebook_uuid = phonebook["uuid"].as_str().expect("uuid").to_owned();
    let contact = ok(
        s,
        Method::POST,
        &format!("/0.1/phonebooks/{phonebook_uuid}/contacts"),
        Some(json!({"firstname": "Fiona", "lastname": "Book", "number": "4001"})),
        201,
    )
    .await;
    let auth = auth_section(s);
    let mut wazo_auth = auth.clone();
    wazo_auth["username"] = json!("wazo-source");
    wazo_auth["password"] = json!("secret");
    let cases = vec![
        Case {
            backend: "csv",
            name: "m-csv",
            body: json!({"name": "m-csv", "file": s.csv, "unique_column": "id", "searched_columns": ["firstname"],
                         "first_matched_columns": ["number"], "format_columns": columns("{firstname} {lastname}", "{number}")}),
            term: "alice",
            shown: "Alice Martin",
            number: "1001",
            id: "1".into(),
        },
        Case {
            backend: "csv_ws",
            name: "m-csv-ws",
            body: json!({"name": "m-csv-ws", "lookup_url": ws.url(), "list_url": ws.url(), "unique_column": "id",
                         "searched_columns": ["firstname"], "first_matched_columns": ["number"],
                         "format_columns": columns("{firstname} {lastname}", "{number}")}),
            term: "carla",
            shown: "Carla Webb",
            number: "2001",
            id: "7".into(),
        },
        Case {
            backend: "ldap",
            name: "m-ldap",
            body: json!({"name": "m-ldap", "ldap_uri": slapd.uri(), "ldap_base_dn": BASE_DN, "ldap_username": ADMIN_DN,
                         "ldap_password": ADMIN_PASSWORD, "unique_column": "uid",
                         "searched_columns": ["givenName", "sn"], "first_matched_columns": ["telephoneNumber"],
                         "format_columns": columns("{givenName} {sn}", "{telephoneNumber}")}),
            term: "connor",
            shown: "Connor Manson",
            number: "1003",
            id: "user2".into(),
        },
        Case {
            backend: "personal",
            name: "m-personal",
            body: json!({"name": "m-personal", "searched_columns": ["firstname"], "first_matched_columns": ["number"],
                         "format_columns": columns("{firstname} {lastname}", "{number}")}),
            term: "paula",
            shown: "Paula Perso",
            number: "3001",
            id: personal["id"].as_str().expect("id").to_owned(),
        },
        Case {
            backend: "phonebook",
            name: "company",
            body: json!({"phonebook_uuid": phonebook_uuid, "searched_columns": ["firstname"], "first_matched_columns": ["number"],
                         "format_columns": columns("{firstname} {lastname}", "{number}")}),
            term: "fiona",
            shown: "Fiona Book",
            number: "4001",
            id: contact["id"].as_str().expect("id").to_owned(),
        },
        Case {
            backend: "wazo",
            name: "m-wazo",
            body: json!({"name": "m-wazo", "auth": wazo_auth, "confd": confd.config(),
                         "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["exten"],
                         "format_columns": columns("{firstname} {lastname}", "{exten}")}),
            term: "walter",
            shown: "Walter Confd",
            number: "5001",
            id: "51".into(),
        },
        Case {
            backend: "conference",
            name: "m-conference",
            body: json!({"name": "m-conference", "auth": {"host": "127.0.0.1", "port": s.auth.port, "https": false,
                                                          "prefix": null, "username": "wazo-source", "password": "secret"},
                         "confd": confd.config(), "searched_columns": ["name"], "first_matched_columns": ["extensions"],
                         "format_columns": columns("{name}", "{extensions[0]}")}),
            term: "zebra",
            shown: "Zebra room",
            number: "6001",
            id: "61".into(),
        },
        Case {
            backend: "google",
            name: "m-google",
            body: json!({"name": "m-google", "auth": auth.clone(), "searched_columns": ["name"], "first_matched_columns": ["numbers"],
                         "format_columns": columns("{name}", "{numbers[0]}")}),
            term: "gina",
            shown: "Gina Goog",
            number: "7001",
            id: "g71".into(),
        },
        Case {
            backend: "office365",
            name: "m-office365",
            body: json!({"name": "m-office365", "auth": auth, "searched_columns": ["givenName"],
                         "first_matched_columns": ["businessPhones"],
                         "format_columns": columns("{givenName} {surname}", "{businessPhones[0]}")}),
            term: "olga",
            shown: "Olga Office",
            number: "8001",
            id: "o81".into(),
        },
    ];
    let servers = Servers {
        _slapd: slapd,
        _ws: ws,
        _confd: confd,
    };
    (cases, servers)
}

/// Creates every source (200, as wazo-dird), a display with a favorites column and the profile
/// `default` that uses them all; answers the sources' uuids.
async fn create(s: &Setup, cases: &[Case]) -> Vec<String> {
    let mut uuids = Vec::new();
    for case in cases {
        let path = format!("/0.1/backends/{}/sources", case.backend);
        let created = ok(s, Method::POST, &path, Some(case.body.clone()), 200).await;
        assert_eq!(created["name"], case.name, "{created}");
        uuids.push(created["uuid"].as_str().expect("uuid").to_owned());
    }
    let display = ok(
        s,
        Method::POST,
        "/0.1/displays",
        Some(json!({"name": "matrix", "columns": [
            {"title": "Nom", "field": "name"}, {"title": "Numéro", "field": "number", "type": "number"},
            {"title": "Favori", "field": "favorite", "type": "favorite"}]})),
        201,
    )
    .await;
    let sources: Vec<Value> = uuids.iter().map(|uuid| json!({"uuid": uuid})).collect();
    let service = json!({"sources": sources});
    ok(
        s,
        Method::POST,
        "/0.1/profiles",
        Some(
            json!({"name": "default", "display": {"uuid": display["uuid"]},
                    "services": {"lookup": service, "reverse": service, "favorites": service}}),
        ),
        201,
    )
    .await;
    uuids
}

/// The results of a formatted answer as `(source, first column)`.
fn shown(body: &Value) -> Vec<(String, String)> {
    body["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    (
                        r["source"].as_str().unwrap_or_default().to_owned(),
                        r["column_values"][0]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A lookup of the case's term in the profile `default` finds its contact through its source.
async fn looked_up(s: &Setup, case: &Case, when: &str) {
    let lookup = ok(
        s,
        Method::GET,
        &format!("/0.1/directories/lookup/default?term={}", case.term),
        None,
        200,
    )
    .await;
    assert!(
        shown(&lookup).contains(&(case.name.to_owned(), case.shown.to_owned())),
        "{when}: lookup {} through {}: {lookup}",
        case.term,
        case.backend
    );
}

/// Lookup, reverse, favorites and the profile's sources answer each case's contact.
async fn check(s: &Setup, cases: &[Case], when: &str) {
    for case in cases {
        looked_up(s, case, when).await;
        let reverse = ok(
            s,
            Method::GET,
            &format!(
                "/0.1/directories/reverse/default/{USER}?exten={}",
                case.number
            ),
            None,
            200,
        )
        .await;
        assert_eq!(
            (&reverse["display"], &reverse["source"]),
            (&json!(case.shown), &json!(case.name)),
            "{when}: reverse {} through {}: {reverse}",
            case.number,
            case.backend
        );
    }
    let favorites = ok(
        s,
        Method::GET,
        "/0.1/directories/favorites/default",
        None,
        200,
    )
    .await;
    for case in cases {
        assert!(
            shown(&favorites).contains(&(case.name.to_owned(), case.shown.to_owned())),
            "{when}: favorite of {}: {favorites}",
            case.backend
        );
    }
    let sources = ok(
        s,
        Method::GET,
        "/0.1/directories/default/sources",
        None,
        200,
    )
    .await;
    assert_eq!(sources["total"], cases.len(), "{when}: {sources}");
    for case in cases {
        assert!(
            sources["items"].as_array().is_some_and(|items| items
                .iter()
                .any(|item| item["name"] == case.name && item["backend"] == case.backend)),
            "{when}: {} in the profile's sources: {sources}",
            case.backend
        );
    }
}

#[tokio::test]
async fn every_backend_kind_created_through_the_api_answers_after_a_put_back_and_a_restart() {
    // The Google and Graph stand-in is configuration (`cloud_contacts`): started first.
    let cloud = CloudStandIn::start();
    let mut s = setup(
        json!({"cloud_contacts": {"google_url": cloud.url(), "microsoft_url": cloud.url(), "timeout": 5}}),
    )
    .await;
    let (cases, _servers) = cases(&s, &cloud).await;
    let uuids = create(&s, &cases).await;
    for case in &cases {
        ok(
            &s,
            Method::PUT,
            &format!("/0.1/directories/favorites/{}/{}", case.name, case.id),
            None,
            204,
        )
        .await;
    }
    check(&s, &cases, "created").await;

    // A PUT of each GET body, as the Wazo UI's edit form and scripts do: secrets read back null.
    for (case, uuid) in cases.iter().zip(&uuids) {
        let path = format!("/0.1/backends/{}/sources/{uuid}", case.backend);
        let body = ok(&s, Method::GET, &path, None, 200).await;
        assert!(
            !body.to_string().contains("secret"),
            "no secret in a GET: {body}"
        );
        ok(&s, Method::PUT, &path, Some(body), 204).await;
    }
    check(&s, &cases, "put back").await;

    s.restart().await;
    check(&s, &cases, "restarted").await;
}

/// Sources as upstream's daemon stored them (its marshmallow load: every default written into
/// `extra_fields`, `csv_ws`'s `timeout` among them, `ldap_password` in clear, ports as numbers),
/// written in the database before the daemon starts: they answer, and read back with upstream's
/// keys, the password shown `null`.
#[tokio::test]
async fn sources_upstream_stored_answer() {
    let cloud = CloudStandIn::start();
    let mut s = setup(json!({})).await;
    let (cases, _servers) = cases(&s, &cloud).await;
    let client = s.database.client().await;
    let upstream_row = |case: &Case| -> Value {
        let body = case.body.as_object().expect("object");
        let mut extra = serde_json::Map::new();
        for (key, value) in body {
            if ![
                "name",
                "searched_columns",
                "first_matched_columns",
                "format_columns",
            ]
            .contains(&key.as_str())
            {
                extra.insert(key.clone(), value.clone());
            }
        }
        let defaults = match case.backend {
            "csv_ws" => json!({"delimiter": ",", "timeout": 10.0, "verify_certificate": true}),
            "ldap" => {
                json!({"ldap_custom_filter": null, "ldap_network_timeout": 0.3, "ldap_timeout": 1.0,
                             "unique_column_format": "string"})
            }
            _ => json!({}),
        };
        for (key, value) in defaults.as_object().expect("object") {
            extra.insert(key.clone(), value.clone());
        }
        if case.backend == "wazo" {
            extra["auth"]["verify_certificate"] = json!(true);
            extra["auth"]["version"] = json!("0.1");
            extra["confd"]["verify_certificate"] = json!(true);
            extra["confd"]["version"] = json!("1.1");
        }
        Value::Object(extra)
    };
    let mut uuids = Vec::new();
    for case in cases
        .iter()
        .filter(|c| ["csv_ws", "ldap", "wazo"].contains(&c.backend))
    {
        let uuid = uuid::Uuid::new_v4().to_string();
        let columns: Vec<String> = case.body["format_columns"]
            .as_object()
            .expect("columns")
            .iter()
            .map(|(k, v)| format!("\"{k}\"=>\"{}\"", v.as_str().expect("text")))
            .collect();
        let list = |key: &str| -> Vec<String> {
            case.body[key]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        client
            .execute(
                "INSERT INTO dird_tenant (uuid) VALUES ($1) ON CONFLICT DO NOTHING",
                &[&MASTER_TENANT],
            )
            .await
            .expect("tenant");
        client
            .execute(
                "INSERT INTO dird_source (uuid, tenant_uuid, name, backend, searched_columns, first_matched_columns, \
                 format_columns, extra_fields) VALUES ($1, $2, $3, $4, $5, $6, $7::text::hstore, $8)",
                &[
                    &uuid,
                    &MASTER_TENANT,
                    &case.name,
                    &case.backend,
                    &list("searched_columns"),
                    &list("first_matched_columns"),
                    &columns.join(", "),
                    &upstream_row(case),
                ],
            )
            .await
            .expect("an upstream row");
        uuids.push((case, uuid));
    }
    s.restart().await;
    let display = ok(
        &s,
        Method::POST,
        "/0.1/displays",
        Some(json!({"name": "d", "columns": [{"title": "Nom", "field": "name"}]})),
        201,
    )
    .await;
    let sources: Vec<Value> = uuids
        .iter()
        .map(|(_, uuid)| json!({"uuid": uuid}))
        .collect();
    ok(
        &s,
        Method::POST,
        "/0.1/profiles",
        Some(
            json!({"name": "default", "display": {"uuid": display["uuid"]},
                    "services": {"lookup": {"sources": sources}, "reverse": {"sources": sources}}}),
        ),
        201,
    )
    .await;
    for (case, uuid) in &uuids {
        looked_up(&s, case, "stored by upstream").await;
        let body = ok(
            &s,
            Method::GET,
            &format!("/0.1/backends/{}/sources/{uuid}", case.backend),
            None,
            200,
        )
        .await;
        assert!(!body.to_string().contains("secret"), "{body}");
        if case.backend == "ldap" {
            assert_eq!(body["ldap_password"], Value::Null, "{body}");
            assert!(body.get("ldap_connections").is_none(), "{body}");
        }
        if case.backend == "csv_ws" {
            assert_eq!(body["timeout"], 10.0, "{body}");
        }
    }
}
