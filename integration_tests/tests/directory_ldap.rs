//! The `ldap` backend against a real slapd: substring search on several attributes, accents and
//! non-Latin scripts, reverse lookups, the custom filter, injection attempts, a server killed and
//! restarted, and the bind password that never leaves the daemon.

use integration_tests::daemon::{base_config, set_mode, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::postgres::TestDatabase;
use integration_tests::slapd::{Slapd, ADMIN_DN, ADMIN_PASSWORD, BASE_DN};
use integration_tests::tcp_proxy::FreezingProxy;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const USER: &str = "10000000-0000-4000-8000-000000000001";
const TOKENS: &str = "tokens:\n  t: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

fn ldap_source(slapd: &Slapd, extra: Value) -> Value {
    let mut source = json!({
        "backend": "ldap", "name": "directory", "ldap_uri": slapd.uri(), "ldap_base_dn": BASE_DN,
        "ldap_username": ADMIN_DN, "ldap_password": ADMIN_PASSWORD, "unique_column": "entryUUID",
        "searched_columns": ["cn", "telephoneNumber"], "first_matched_columns": ["telephoneNumber", "mobile"],
        "format_columns": {"firstname": "{givenName}", "lastname": "{sn}", "number": "{telephoneNumber}", "reverse": "{cn}", "city": "{l}"},
    });
    integration_tests::daemon::merge(&mut source, extra);
    source
}

async fn start(sources: Vec<Value>, extra: Value) -> Daemon {
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let csv = dir.path().join("local.csv");
    std::fs::write(&csv, "firstname,lastname,number\nAlicia,Local,2001\n").expect("csv");
    set_mode(&csv, 0o644);
    let mut all = sources;
    all.push(json!({"backend": "csv", "name": "local", "file": csv, "searched_columns": ["firstname"], "first_matched_columns": ["number"]}));
    let references: Vec<Value> = all.iter().map(|s| json!({"name": s["name"]})).collect();
    let mut config = base_config(
        free_port(),
        json!({
            "auth": auth,
            "source_actors": {"restart_backoff_min": 0.2, "restart_backoff_max": 1.0},
            "sources": all,
            "displays": [{"name": "d", "columns": [{"title": "Prénom", "field": "firstname"}, {"title": "Nom", "field": "lastname"}, {"title": "Numéro", "field": "number"}]}],
            "profiles": [{"name": "default", "display": {"name": "d"}, "services": {"lookup": {"sources": references}, "reverse": {"sources": references}}}],
        }),
    );
    integration_tests::daemon::merge(&mut config, extra);
    Daemon::start_in(dir, config, &[]).await
}

async fn lookup(dird: &Daemon, term: &str) -> Vec<Value> {
    let term: String = url::form_urlencoded::byte_serialize(term.as_bytes()).collect();
    let (status, body) = dird
        .get(
            &format!("/0.1/directories/lookup/default?term={term}"),
            "t",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut values: Vec<Value> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["column_values"].clone())
        .collect();
    values.sort_by_key(ToString::to_string);
    values
}

#[tokio::test]
async fn search_reverse_accents_and_scripts() {
    let slapd = Slapd::start();
    let dird = start(vec![ldap_source(&slapd, json!({}))], json!({})).await;
    assert_eq!(
        lookup(&dird, "Ali").await,
        [
            json!(["Alice", "Wonderland", "1001"]),
            json!(["Alicia", "Local", "2001"])
        ]
    );
    assert_eq!(
        lookup(&dird, "1001").await,
        [json!(["Alice", "Wonderland", "1001"])],
        "telephoneNumber is searched too"
    );
    assert_eq!(
        lookup(&dird, "çoi").await,
        [json!(["François", "Hollande", "1004"])]
    );
    assert_eq!(
        lookup(&dird, "Иван").await,
        [json!(["Мария", "Иванова", "1005"])]
    );
    assert_eq!(
        lookup(&dird, "太郎").await,
        [json!(["太郎", "山田", "1006"])]
    );
    assert!(lookup(&dird, "frack").await.is_empty());

    let (_, body) = dird
        .get(
            &format!("/0.1/directories/reverse/default/{USER}?exten=1001"),
            "t",
            None,
        )
        .await;
    assert_eq!(body["display"], "Alice Wonderland");
    assert_eq!(body["source"], "directory");
    assert_eq!(body["fields"]["city"], "Lyon");
    let (_, body) = dird
        .get(
            &format!("/0.1/directories/reverse/default/{USER}?exten=%2B79000001005"),
            "t",
            None,
        )
        .await;
    assert_eq!(
        body["display"], "Мария Иванова",
        "the mobile is a first-matched column"
    );

    let (_, body) = dird
        .get("/0.1/directories/lookup/default?term=Bob", "t", None)
        .await;
    let entry_uuid = body["results"][0]["relations"]["source_entry_id"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        entry_uuid.len(),
        36,
        "the entryUUID operational attribute is fetched as the unique column: {body}"
    );
}

/// Who a reverse lookup of `exten` names.
async fn named(dird: &Daemon, exten: &str) -> Value {
    let exten: String = url::form_urlencoded::byte_serialize(exten.as_bytes()).collect();
    let path = format!("/0.1/directories/reverse/default/{USER}?exten={exten}");
    let (status, body) = dird.get(&path, "t", None).await;
    assert_eq!(status, 200, "{body}");
    body["display"].clone()
}

#[tokio::test]
async fn numbers_in_any_form_find_their_entry_in_one_search() {
    let slapd = Slapd::start();
    let extra = json!({"number_matching": {"default_country": "FR"}});
    let dird = start(vec![ldap_source(&slapd, json!({}))], extra).await;
    for (exten, expected) in [
        ("06 00 00 10 01", json!("Alice Wonderland")),
        ("0033 6 00 00 10 02", json!("Bob Barker")),
        ("+33 (0)6 00 00 10 04", json!("François Hollande")),
        ("0600001002", json!("Bob Barker")),
        ("1003", json!("Connor Manson")),
        ("06 00 00 10 09", Value::Null),
        ("003", Value::Null),
    ] {
        assert_eq!(named(&dird, exten).await, expected, "{exten}");
    }
    // A dial-pad search of a remote source is its ordinary lookup.
    let (status, body) = dird
        .get(
            "/0.1/directories/lookup/default?term=1001&mode=t9",
            "t",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["results"][0]["column_values"],
        json!(["Alice", "Wonderland", "1001"])
    );
}

#[tokio::test]
async fn injection_terms_match_literally() {
    let slapd = Slapd::start();
    let dird = start(vec![ldap_source(&slapd, json!({}))], json!({})).await;
    for term in ["*)(uid=*", "*", ")(|(cn=*", "\\2a", "x)(objectClass=*"] {
        assert!(
            lookup(&dird, term).await.is_empty(),
            "term {term:?} returned entries"
        );
    }
    let (_, body) = dird
        .get(
            &format!("/0.1/directories/reverse/default/{USER}?exten=*"),
            "t",
            None,
        )
        .await;
    assert_eq!(
        body["display"],
        Value::Null,
        "a reverse `*` is not a wildcard"
    );
}

#[tokio::test]
async fn the_custom_filter_narrows_the_search() {
    let slapd = Slapd::start();
    let lyon = ldap_source(
        &slapd,
        json!({"name": "lyon", "ldap_custom_filter": "(l=Lyon)"}),
    );
    let quebec = ldap_source(
        &slapd,
        json!({"name": "quebec", "ldap_custom_filter": "(l=Québec)", "searched_columns": []}),
    );
    let by_mail = ldap_source(
        &slapd,
        json!({"name": "by_mail", "ldap_custom_filter": "(mail=%Q@example.com)", "searched_columns": []}),
    );
    let dird = start(vec![lyon, quebec, by_mail], json!({})).await;
    let by_source = |body: &Value, source: &str| -> Vec<String> {
        let mut names: Vec<String> = body["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["source"] == source)
            .map(|r| r["column_values"][1].as_str().unwrap_or("-").to_owned())
            .collect();
        names.sort();
        names
    };
    let (_, body) = dird
        .get("/0.1/directories/lookup/default?term=o", "t", None)
        .await;
    assert_eq!(
        by_source(&body, "lyon"),
        ["Barker", "Wonderland"],
        "the custom filter ANDed with the searched columns"
    );
    assert_eq!(
        by_source(&body, "quebec"),
        ["Hollande", "Manson"],
        "a custom filter alone ignores the term"
    );
    assert!(by_source(&body, "by_mail").is_empty());
    let (_, body) = dird
        .get("/0.1/directories/lookup/default?term=user3", "t", None)
        .await;
    assert_eq!(by_source(&body, "by_mail"), ["Hollande"], "%Q is the term");
    assert!(by_source(&body, "lyon").is_empty());
}

#[tokio::test]
async fn slapd_killed_then_back_is_served_again_without_restart() {
    let mut slapd = Slapd::start();
    let dird = start(vec![ldap_source(&slapd, json!({}))], json!({})).await;
    assert_eq!(lookup(&dird, "Ali").await.len(), 2);
    slapd.kill();
    let started = Instant::now();
    assert_eq!(
        lookup(&dird, "Ali").await,
        [json!(["Alicia", "Local", "2001"])],
        "the CSV source still answers"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert_eq!(lookup(&dird, "Ali").await.len(), 1);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "a source that is down is skipped: {:?}",
        started.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    slapd.resume();
    let back = Instant::now();
    loop {
        if lookup(&dird, "Ali").await.len() == 2 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(2),
            "LDAP results did not come back within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_bind_password_is_never_returned_nor_logged_and_survives_a_put() {
    let slapd = Slapd::start();
    let database = TestDatabase::create().await;
    let dird = start(vec![], json!({"db_uri": database.uri()})).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    let mut body = ldap_source(&slapd, json!({}));
    body.as_object_mut().expect("object").remove("backend");
    let (status, created) = dird
        .send(
            Method::POST,
            "/0.1/backends/ldap/sources",
            "t",
            None,
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(
        created.get("ldap_password"),
        Some(&Value::Null),
        "upstream's key, its value write-only: {created}"
    );
    assert_eq!(created["ldap_username"], ADMIN_DN);
    let uuid = created["uuid"].as_str().expect("uuid").to_owned();
    let (_, read) = dird
        .get(&format!("/0.1/backends/ldap/sources/{uuid}"), "t", None)
        .await;
    assert!(!read.to_string().contains(ADMIN_PASSWORD), "{read}");
    let (_, listed) = dird.get("/0.1/backends/ldap/sources", "t", None).await;
    assert!(!listed.to_string().contains(ADMIN_PASSWORD), "{listed}");

    // A client that PUTs back what it read (no password) keeps the stored one: the bind still works.
    let mut edited = read.clone();
    edited["name"] = json!("renamed");
    let (status, _) = dird
        .send(
            Method::PUT,
            &format!("/0.1/backends/ldap/sources/{uuid}"),
            "t",
            None,
            Some(&edited.to_string()),
        )
        .await;
    assert_eq!(status, 204);
    let client = database.client().await;
    let stored: String = client
        .query_one(
            "SELECT extra_fields::text FROM dird_source WHERE uuid = $1",
            &[&uuid],
        )
        .await
        .expect("row")
        .get(0);
    assert!(
        stored.contains(ADMIN_PASSWORD),
        "the stored password was erased: {stored}"
    );
    let (status, profile) = dird
        .send(
            Method::POST,
            "/0.1/profiles",
            "t",
            None,
            Some(
                &json!({"name": "p", "services": {"lookup": {"sources": [{"uuid": uuid}]}}})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(status, 201, "{profile}");
    let (_, found) = dird
        .get("/0.1/directories/lookup/p?term=Wonder", "t", None)
        .await;
    assert_eq!(
        found["results"].as_array().map(Vec::len),
        Some(1),
        "the kept password binds: {found}"
    );
    assert!(
        !dird.stderr().contains(ADMIN_PASSWORD),
        "the password was logged"
    );
}

#[tokio::test]
async fn ldaps_and_starttls() {
    let slapd = Slapd::start_with_tls();
    let ldaps = ldap_source(
        &slapd,
        json!({"name": "ldaps", "ldap_uri": slapd.tls_uri(), "ldap_verify_certificate": false}),
    );
    let starttls = ldap_source(
        &slapd,
        json!({"name": "starttls", "ldap_starttls": true, "ldap_verify_certificate": false}),
    );
    let verified = ldap_source(
        &slapd,
        json!({"name": "verified", "ldap_uri": slapd.tls_uri()}),
    );
    let dird = start(vec![ldaps, starttls, verified], json!({})).await;
    let (_, body) = dird
        .get("/0.1/directories/lookup/default?term=Wonder", "t", None)
        .await;
    let mut sources: Vec<String> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["source"].as_str().unwrap_or_default().to_owned())
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        ["ldaps", "starttls"],
        "a self-signed certificate is refused unless verification is off: {body}"
    );
}

#[tokio::test]
async fn a_directory_that_stops_answering_is_cut_then_served_again_once_it_answers() {
    let slapd = Slapd::start();
    let proxy = FreezingProxy::start(&format!("127.0.0.1:{}", slapd.port)).await;
    let source = ldap_source(
        &slapd,
        json!({"ldap_uri": format!("ldap://127.0.0.1:{}/", proxy.port), "ldap_timeout": 0.3, "ldap_network_timeout": 0.3}),
    );
    let dird = start(vec![source], json!({"lookup_service": {"timeout": 1}})).await;
    assert_eq!(lookup(&dird, "Ali").await.len(), 2);

    // Packets dropped: the LDAP source costs at most the request's budget, the CSV answers.
    proxy.freeze();
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(
            lookup(&dird, "Ali").await,
            [json!(["Alicia", "Local", "2001"])]
        );
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
    }

    // The path is back: the connections that hung stay hung, new ones work.
    proxy.thaw();
    let back = Instant::now();
    loop {
        if lookup(&dird, "Ali").await.len() == 2 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "LDAP results did not come back within 5 s of the directory answering again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
