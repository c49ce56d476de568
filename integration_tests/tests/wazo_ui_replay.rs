//! The Wazo UI's own bodies, as its forms build them (`wazo_ui/plugins/dird_source/form.py`,
//! `view.py`, run with the wtforms it pins): ports as strings in `auth` and `confd`, the extra
//! `certificate_path`, `verify_certificate` a CA path, `prefix: null`, empty inputs as `null`,
//! `separator` beside `delimiter`, `custom_filter` (a key wazo-dird does not know),
//! `phonebook_name: null`; an edit sends back the GET body (secrets read `null`); a profile edit PUTs
//! the GET body with `services` rebuilt as three lists of `{uuid}` without `options`. Each is
//! answered as upstream answers it, and the sources it makes answer lookups.

use integration_tests::api_setup::{setup, Setup, ADMIN};
use integration_tests::cloud_stand_in::CloudStandIn;
use integration_tests::slapd::{Slapd, ADMIN_DN, ADMIN_PASSWORD, BASE_DN};
use reqwest::Method;
use serde_json::{json, Value};

/// A CA bundle every Debian machine has.
const CA: &str = "/etc/ssl/certs/ca-certificates.crt";

async fn ok(s: &Setup, method: Method, path: &str, body: Option<Value>, expected: u16) -> Value {
    let (status, answer) = s.call(method.clone(), path, ADMIN, body).await;
    assert_eq!(status, expected, "{method} {path}: {answer}");
    answer
}

async fn create(s: &Setup, backend: &str, body: Value) -> Value {
    ok(
        s,
        Method::POST,
        &format!("/0.1/backends/{backend}/sources"),
        Some(body),
        200,
    )
    .await
}

/// The first column of each result of a lookup in `profile`.
async fn lookup(s: &Setup, profile: &str, term: &str) -> Vec<String> {
    let body = ok(
        s,
        Method::GET,
        &format!("/0.1/directories/lookup/{profile}?term={term}"),
        None,
        200,
    )
    .await;
    body["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .filter_map(|r| r["column_values"][0].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A profile `name` whose lookup uses `sources`, showing the `name` column.
async fn profile(s: &Setup, name: &str, sources: &[&Value]) -> Value {
    let display = ok(
        s,
        Method::POST,
        "/0.1/displays",
        Some(json!({"name": format!("d-{name}"), "columns": [{"title": "Nom", "field": "name"}]})),
        201,
    )
    .await;
    let sources: Vec<Value> = sources.iter().map(|s| json!({"uuid": s["uuid"]})).collect();
    ok(
        s,
        Method::POST,
        "/0.1/profiles",
        Some(json!({"name": name, "display": {"uuid": display["uuid"]},
                    "services": {"lookup": {"sources": sources, "options": {"timeout": 3}}}})),
        201,
    )
    .await
}

#[tokio::test]
async fn the_wazo_uis_wazo_conference_google_and_office365_bodies_are_taken() {
    let cloud = CloudStandIn::start();
    let s = setup(
        json!({"cloud_contacts": {"google_url": cloud.url(), "microsoft_url": cloud.url(), "timeout": 5}}),
    )
    .await;
    let confd = s.confd_and_cloud(&cloud);
    let auth_port = s.auth.port.to_string();
    let confd_port = confd.port.to_string();
    // The form of a wazo-auth reached over plain HTTP with a username (key_file emptied: null).
    let auth = json!({"host": "127.0.0.1", "port": auth_port, "https": false, "verify_certificate": false,
                      "key_file": null, "username": "wazo-source", "password": "secret", "version": "0.1",
                      "prefix": null});
    let confd_section = json!({"host": "127.0.0.1", "port": confd_port, "verify_certificate": false,
                               "https": false, "version": "1.1", "prefix": null, "timeout": 2.0});
    let wazo = create(
        &s,
        "wazo",
        json!({"first_matched_columns": ["mobile_phone_number", "exten"],
               "format_columns": {"name": "{firstname} {lastname}", "phone": "{exten}", "reverse": "{firstname} {lastname}"},
               "searched_columns": ["firstname", "lastname", "exten"],
               "auth": auth, "confd": confd_section, "name": "wazo-users"}),
    )
    .await;
    assert_eq!(
        (&wazo["auth"]["port"], &wazo["confd"]["port"]),
        (&json!(s.auth.port), &json!(confd.port)),
        "ports stored as numbers: {wazo}"
    );
    assert_eq!(wazo["auth"]["password"], Value::Null, "{wazo}");
    assert!(wazo["auth"].get("certificate_path").is_none(), "{wazo}");
    let mut conference_auth = auth.clone();
    // A CA path in verify_certificate with the form's certificate_path beside it.
    conference_auth["verify_certificate"] = json!(CA);
    conference_auth["certificate_path"] = json!(CA);
    let rooms = create(
        &s,
        "conference",
        json!({"first_matched_columns": [], "format_columns": {"name": "{name}", "phone": "{extensions[0]}", "reverse": "{name}"},
               "searched_columns": ["name", "extensions", "incalls"], "auth": conference_auth,
               "confd": confd_section, "name": "conferences"}),
    )
    .await;
    assert_eq!(rooms["auth"]["verify_certificate"], CA, "{rooms}");
    let cloud_auth = json!({"host": "127.0.0.1", "port": auth_port, "https": false, "verify_certificate": false,
                            "version": "0.1", "prefix": null});
    let google = create(
        &s,
        "google",
        json!({"auth": cloud_auth, "first_matched_columns": ["numbers"],
               "format_columns": {"name": "{name}", "reverse": "{name}", "phone": "{numbers[0]}"},
               "searched_columns": ["name", "numbers"], "name": "google"}),
    )
    .await;
    let mut office_auth = cloud_auth.clone();
    office_auth["verify_certificate"] = json!(CA);
    office_auth["certificate_path"] = json!(CA);
    let office = create(
        &s,
        "office365",
        json!({"auth": office_auth, "first_matched_columns": [], "format_columns": {"name": "{givenName} {surname}"},
               "searched_columns": ["givenName"], "endpoint": "https://graph.microsoft.com/v1.0/me/contacts",
               "name": "office365"}),
    )
    .await;
    profile(&s, "ui", &[&wazo, &rooms, &google, &office]).await;
    for (term, name) in [
        ("walter", "Walter Confd"),
        ("zebra", "Zebra room"),
        ("gina", "Gina Goog"),
        ("olga", "Olga Office"),
    ] {
        assert_eq!(lookup(&s, "ui", term).await, [name], "{term}");
    }

    // An edit from the form: the GET body comes back with its ports as strings again, the
    // password `null` (kept), `certificate_path` added; the source still answers.
    let path = format!(
        "/0.1/backends/wazo/sources/{}",
        wazo["uuid"].as_str().expect("uuid")
    );
    let mut edited = ok(&s, Method::GET, &path, None, 200).await;
    edited["auth"]["port"] = json!(auth_port);
    edited["confd"]["port"] = json!(confd_port);
    edited["auth"]["certificate_path"] = Value::Null;
    edited["name"] = json!("wazo-users-renamed");
    ok(&s, Method::PUT, &path, Some(edited), 204).await;
    assert_eq!(lookup(&s, "ui", "walter").await, ["Walter Confd"]);
}

#[tokio::test]
async fn the_wazo_uis_csv_csv_ws_ldap_and_phonebook_bodies_and_its_profile_edit() {
    let s = setup(json!({})).await;
    let slapd = Slapd::start();
    let csv = create(
        &s,
        "csv",
        json!({"first_matched_columns": ["number"], "format_columns": {"name": "{firstname} {lastname}"},
               "searched_columns": ["firstname", "lastname"], "delimiter": ",", "file": s.csv, "unique_column": null,
               "separator": ",", "name": "my-csv"}),
    )
    .await;
    assert!(csv.get("delimiter").is_none(), "{csv}");
    let ws = create(
        &s,
        "csv_ws",
        json!({"first_matched_columns": [], "format_columns": {}, "searched_columns": ["firstname"],
               "delimiter": ",", "list_url": null, "lookup_url": "http://127.0.0.1:1/ws", "timeout": 10.0,
               "unique_column": "id", "separator": ",", "name": "my-csvws"}),
    )
    .await;
    assert!(ws.get("separator").is_none(), "{ws}");
    assert_eq!(ws["timeout"], 10.0);
    let ldap = create(
        &s,
        "ldap",
        json!({"first_matched_columns": [], "format_columns": {"name": "{givenName} {sn}", "phone": "{telephoneNumber}"},
               "ldap_base_dn": BASE_DN, "custom_filter": null, "ldap_password": ADMIN_PASSWORD,
               "ldap_uri": slapd.uri(), "ldap_username": ADMIN_DN, "searched_columns": ["givenName", "sn"],
               "unique_column": null, "unique_column_format": "string", "name": "my-ldap"}),
    )
    .await;
    assert_eq!(ldap["ldap_password"], Value::Null, "{ldap}");
    assert!(ldap.get("custom_filter").is_none(), "{ldap}");
    let phonebook = ok(
        &s,
        Method::POST,
        "/0.1/phonebooks",
        Some(json!({"name": "company"})),
        201,
    )
    .await;
    ok(
        &s,
        Method::POST,
        &format!(
            "/0.1/phonebooks/{}/contacts",
            phonebook["uuid"].as_str().expect("uuid")
        ),
        Some(json!({"firstname": "Fiona", "lastname": "Book"})),
        201,
    )
    .await;
    let book = create(
        &s,
        "phonebook",
        json!({"first_matched_columns": ["phone"], "format_columns": {"name": "{firstname} {lastname}"},
               "searched_columns": ["firstname", "lastname"], "phonebook_uuid": phonebook["uuid"],
               "phonebook_name": null, "name": "my-phonebook"}),
    )
    .await;
    assert_eq!(book["name"], "company", "named after its phonebook: {book}");
    let created = profile(&s, "ui", &[&csv, &ldap, &book]).await;
    for (term, name) in [
        ("marley", "Bob Marley"),
        ("connor", "Connor Manson"),
        ("fiona", "Fiona Book"),
    ] {
        assert_eq!(lookup(&s, "ui", term).await, [name], "{term}");
    }

    // The LDAP edit form sends back what it read: the password `null` keeps the stored one.
    let path = format!(
        "/0.1/backends/ldap/sources/{}",
        ldap["uuid"].as_str().expect("uuid")
    );
    let mut edited = ok(&s, Method::GET, &path, None, 200).await;
    edited["custom_filter"] = Value::Null;
    ok(&s, Method::PUT, &path, Some(edited), 204).await;
    assert_eq!(
        lookup(&s, "ui", "connor").await,
        ["Connor Manson"],
        "still binds"
    );

    // The profile edit: the GET body, `services` rebuilt as the three lists without options.
    let path = format!("/0.1/profiles/{}", created["uuid"].as_str().expect("uuid"));
    let mut body = ok(&s, Method::GET, &path, None, 200).await;
    let sources = |list: &[&Value]| json!({"sources": list.iter().map(|s| json!({"uuid": s["uuid"]})).collect::<Vec<_>>()});
    body["services"] = json!({"favorites": sources(&[&csv]), "reverse": sources(&[&csv, &book]),
                              "lookup": sources(&[&csv, &ws])});
    ok(&s, Method::PUT, &path, Some(body), 204).await;
    let read = ok(&s, Method::GET, &path, None, 200).await;
    assert_eq!(
        read["services"]["lookup"]["sources"],
        sources(&[&csv, &ws])["sources"]
    );
    assert_eq!(
        read["services"]["reverse"]["sources"],
        sources(&[&csv, &book])["sources"]
    );
    assert_eq!(lookup(&s, "ui", "alice").await, ["Alice Martin"]);
    assert!(
        lookup(&s, "ui", "connor").await.is_empty(),
        "ldap left the lookup"
    );
}
