//! Lookups, headers and reverse lookups over YAML-declared CSV sources, as phones and wazo-agid call
//! them: result shape, accents, timeouts of the profile, errors, tenants, and a source that is
//! broken then repaired without restarting the daemon.

use integration_tests::daemon::{base_config, set_mode, shared_tempdir, Daemon};
use integration_tests::free_port;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const MASTER: &str = "20000000-0000-4000-8000-000000000001";
const OTHER: &str = "20000000-0000-4000-8000-000000000002";
const USER: &str = "10000000-0000-4000-8000-000000000001";
const TOKENS: &str = r#"
tokens:
  admin: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ["dird.#"]}
  other-admin: {user_uuid: 10000000-0000-4000-8000-000000000002, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ["dird.#"]}
tenants:
  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}
  - {uuid: 20000000-0000-4000-8000-000000000002, name: other, parent_uuid: null}
"#;
const CONTACTS: &str = "id,firstname,lastname,number,mobile,company\n\
1,Alice,Martin,1001,+33600000001,Wazo\n\
2,Élodie,Béranger,1002,,\n\
3,Bob,Marley,1003,,Tuff Gong\n\
4,Алиса,Смирнова,1004,,\n";

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    set_mode(path, 0o644);
}

fn directory_config(dir: &Path) -> Value {
    write(&dir.join("tokens.yml"), TOKENS);
    write(&dir.join("contacts.csv"), CONTACTS);
    write(
        &dir.join("more.csv"),
        "key;label;phone\nk1;Marc Dupont;2001\n",
    );
    json!({
        "auth": {"backend": "static", "static_tokens_file": dir.join("tokens.yml")},
        "source_actors": {"restart_backoff_min": 0.2, "restart_backoff_max": 0.4},
        "sources": [
            {
                "backend": "csv", "name": "contacts", "file": dir.join("contacts.csv"), "unique_column": "id",
                "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number", "mobile"],
                "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}", "info": "{company}"},
            },
            {
                "backend": "csv", "name": "more", "file": dir.join("more.csv"), "separator": ";", "unique_column": "key",
                "searched_columns": ["label"], "first_matched_columns": ["phone"],
                "format_columns": {"name": "{label}", "number": "{phone}", "reverse": "{label}"},
            },
            {"backend": "csv", "name": "other-tenant", "tenant_uuid": OTHER, "file": dir.join("contacts.csv"), "searched_columns": ["firstname"]},
        ],
        "displays": [{"name": "default", "columns": [
            {"title": "Nom", "type": "name", "field": "name"},
            {"title": "Numéro", "type": "number", "field": "number"},
            {"title": "Société", "field": "info", "default": "n/a"},
            {"title": "Absent", "field": "nothing", "default": "default value"},
            {"title": "Favori", "type": "favorite", "field": "favorite"},
        ]}],
        "profiles": [
            {"name": "default", "display": {"name": "default"}, "services": {
                "lookup": {"sources": [{"name": "contacts"}, {"name": "more"}]},
                "reverse": {"sources": [{"name": "contacts"}, {"name": "more"}]},
            }},
            {"name": "other", "tenant_uuid": OTHER, "services": {"lookup": {"sources": [{"name": "other-tenant"}]}}},
        ],
    })
}

async fn start(dir: tempfile::TempDir, overrides: Value) -> Daemon {
    let mut config = base_config(free_port(), directory_config(dir.path()));
    integration_tests::daemon::merge(&mut config, overrides);
    Daemon::start_in(dir, config, &[]).await
}

fn names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| r["column_values"][0].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn lookup_path(profile: &str, term: &str) -> String {
    let term: String = url::form_urlencoded::byte_serialize(term.as_bytes()).collect();
    format!("/0.1/directories/lookup/{profile}?term={term}")
}

#[tokio::test]
async fn lookup_answers_in_wazo_dirds_shape() {
    let dird = start(shared_tempdir(), json!({})).await;
    let (status, body) = dird
        .get(&lookup_path("default", "mar"), "admin", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["term"], "mar");
    assert_eq!(
        body["column_headers"],
        json!(["Nom", "Numéro", "Société", "Absent", "Favori"])
    );
    assert_eq!(
        body["column_types"],
        json!(["name", "number", null, null, "favorite"])
    );
    assert_eq!(
        names(&body),
        ["Alice Martin", "Bob Marley", "Marc Dupont"],
        "both sources answer"
    );
    let alice = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["column_values"][0] == "Alice Martin")
        .expect("alice");
    assert_eq!(
        alice["column_values"],
        json!(["Alice Martin", "1001", "Wazo", "default value", false])
    );
    assert_eq!(alice["source"], "contacts");
    assert_eq!(alice["backend"], "csv");
    assert_eq!(
        alice["relations"],
        json!({"xivo_id": null, "agent_id": null, "user_id": null, "user_uuid": null, "endpoint_id": null, "source_entry_id": "1"})
    );
    let marc = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["source"] == "more")
        .expect("marc");
    assert_eq!(marc["column_values"][1], "2001", "a format column");
    assert_eq!(marc["relations"]["source_entry_id"], "k1");
    let (_, body) = dird
        .get(&lookup_path("default", "bob"), "admin", None)
        .await;
    assert_eq!(body["results"][0]["column_values"][2], "Tuff Gong");
    let (_, body) = dird
        .get(&lookup_path("default", "élodie"), "admin", None)
        .await;
    assert_eq!(
        body["results"][0]["column_values"][2],
        Value::Null,
        "a format column that renders empty is null, not the default"
    );
}

#[tokio::test]
async fn search_ignores_case_and_accents_and_reads_any_script() {
    let dird = start(shared_tempdir(), json!({})).await;
    for (term, expected) in [
        ("ELO", "Élodie Béranger"),
        ("beranger", "Élodie Béranger"),
        ("BÉR", "Élodie Béranger"),
        ("алиса", "Алиса Смирнова"),
        ("alisa", "Алиса Смирнова"),
    ] {
        let (status, body) = dird.get(&lookup_path("default", term), "admin", None).await;
        assert_eq!(status, 200);
        assert_eq!(names(&body), [expected], "term {term}");
    }
    let (_, body) = dird
        .get(&lookup_path("default", "zzz"), "admin", None)
        .await;
    assert_eq!(body["results"], json!([]));
}

#[tokio::test]
async fn headers_and_errors() {
    let dird = start(shared_tempdir(), json!({})).await;
    let (status, body) = dird
        .get("/0.1/directories/lookup/default/headers", "admin", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"column_headers": ["Nom", "Numéro", "Société", "Absent", "Favori"], "column_types": ["name", "number", null, null, "favorite"]})
    );
    let (status, body) = dird
        .get("/0.1/directories/lookup/default", "admin", None)
        .await;
    assert_eq!(
        (status, body),
        (400, json!({"message": {"term": "term is missing"}}))
    );
    let (status, body) = dird.get(&lookup_path("unknown", "a"), "admin", None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["reason"],
        json!(["The profile `unknown` does not exist"])
    );
    assert!(
        body["timestamp"][0].is_f64(),
        "wazo-dird's hand-made legacy body: {body}"
    );
    let (status, body) = dird
        .get(
            &format!("/0.1/directories/lookup/unknown/{USER}?term=a"),
            "admin",
            None,
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error_id"], "unknown-profile");
    let (status, _) = dird
        .get("/0.1/directories/lookup/unknown/headers", "admin", None)
        .await;
    assert_eq!(status, 404);
    let (status, body) = dird.get(&lookup_path("default", "a"), "nobody", None).await;
    assert_eq!(
        (status, body["reason"].clone()),
        (401, json!(["Unauthorized"]))
    );
}

#[tokio::test]
async fn lookup_for_a_user_and_profile_sources() {
    let dird = start(shared_tempdir(), json!({})).await;
    let (status, body) = dird
        .get(
            &format!("/0.1/directories/lookup/default/{USER}?term=alice"),
            "admin",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["Alice Martin"]);
    let (status, body) = dird
        .get(
            "/0.1/directories/default/sources?order=name&direction=desc",
            "admin",
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["total"].clone(), body["filtered"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(body["items"][0]["name"], "more");
    assert_eq!(body["items"][1]["name"], "contacts");
    assert_eq!(body["items"][1]["tenant_uuid"], MASTER);
    let (_, body) = dird
        .get("/0.1/directories/default/sources?search=MOR", "admin", None)
        .await;
    assert_eq!(
        (body["total"].clone(), body["filtered"].clone()),
        (json!(2), json!(1))
    );
    let (status, body) = dird
        .get("/0.1/directories/default/sources?limit=-1", "admin", None)
        .await;
    assert_eq!(
        (status, body["error_id"].clone()),
        (400, json!("invalid-data"))
    );
}

#[tokio::test]
async fn reverse_finds_a_name_from_a_number_and_is_always_200() {
    let dird = start(shared_tempdir(), json!({})).await;
    let path = |exten: &str| {
        format!(
            "/0.1/directories/reverse/default/{USER}?exten={}",
            url::form_urlencoded::byte_serialize(exten.as_bytes()).collect::<String>()
        )
    };
    let (status, body) = dird.get(&path("+33600000001"), "admin", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["display"], "Alice Martin");
    assert_eq!(body["exten"], "+33600000001");
    assert_eq!(body["source"], "contacts");
    assert_eq!(body["fields"]["firstname"], "Alice");
    let (_, body) = dird.get(&path("2001"), "admin", None).await;
    assert_eq!(
        (body["display"].clone(), body["source"].clone()),
        (json!("Marc Dupont"), json!("more"))
    );
    let (status, body) = dird.get(&path("100"), "admin", None).await;
    assert_eq!(status, 200, "exact numbers only; no match is still 200");
    assert_eq!(
        body,
        json!({"display": null, "exten": "100", "fields": {}, "source": null})
    );
}

#[tokio::test]
async fn tenants_never_see_each_others_profiles() {
    let dird = start(shared_tempdir(), json!({})).await;
    let (status, _) = dird
        .get(&lookup_path("default", "a"), "other-admin", None)
        .await;
    assert_eq!(
        status, 404,
        "the master tenant's profile is not visible from another tenant"
    );
    let (status, body) = dird
        .get(&lookup_path("other", "alice"), "other-admin", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["results"].as_array().map(Vec::len), Some(1));
    let (status, _) = dird
        .get(&lookup_path("other", "alice"), "admin", None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = dird
        .get(&lookup_path("default", "a"), "other-admin", Some(MASTER))
        .await;
    assert_eq!(status, 401, "a Wazo-Tenant the token cannot see");
    let (status, _) = dird
        .get(
            &format!("/0.1/directories/reverse/default/{USER}?exten=1001"),
            "other-admin",
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_broken_source_costs_its_results_only_and_recovers_by_itself() {
    let dir = shared_tempdir();
    let contacts = dir.path().join("contacts.csv");
    let dird = start(dir, json!({})).await;
    std::fs::remove_file(&contacts).expect("rm");
    let (status, body) = dird
        .get(&lookup_path("default", "mar"), "admin", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        names(&body),
        ["Marc Dupont"],
        "the other source still answers"
    );
    let started = std::time::Instant::now();
    let (status, body) = dird
        .get(&lookup_path("default", "mar"), "admin", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(names(&body), ["Marc Dupont"]);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "a source that is down is skipped at once: {:?}",
        started.elapsed()
    );
    write(
        &contacts,
        "id,firstname,lastname,number\n9,Marie,Curie,1009\n",
    );
    let mut recovered = Vec::new();
    for _ in 0..50 {
        let (_, body) = dird
            .get(&lookup_path("default", "mar"), "admin", None)
            .await;
        recovered = names(&body);
        if recovered.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        recovered,
        ["Marc Dupont", "Marie Curie"],
        "the source restarted by itself"
    );
}

#[tokio::test]
async fn a_changed_file_is_served_at_once() {
    let dir = shared_tempdir();
    let contacts = dir.path().join("contacts.csv");
    let dird = start(dir, json!({})).await;
    let (_, body) = dird
        .get(&lookup_path("default", "curie"), "admin", None)
        .await;
    assert_eq!(body["results"], json!([]));
    write(
        &contacts,
        "id,firstname,lastname,number\n9,Marie,Curie,1009\n",
    );
    let modified = std::time::SystemTime::now() + Duration::from_secs(2);
    std::fs::File::options()
        .write(true)
        .open(&contacts)
        .and_then(|f| f.set_modified(modified))
        .expect("touch");
    let (_, body) = dird
        .get(&lookup_path("default", "curie"), "admin", None)
        .await;
    assert_eq!(names(&body), ["Marie Curie"]);
}

#[tokio::test]
async fn invalid_declared_resources_stop_the_start_with_every_error() {
    let dir = shared_tempdir();
    let mut config = base_config(free_port(), directory_config(dir.path()));
    config["sources"][0]["separator"] = json!(";;");
    config["sources"][1]["backend"] = json!("gopher");
    config["profiles"][0]["services"]["lookup"]["options"] = json!({"timeout": -1});
    let path = integration_tests::daemon::write_config(dir.path(), &config);
    let (code, stderr) = integration_tests::daemon::run_to_exit(&path, &[]);
    assert_ne!(code, Some(0));
    for expected in [
        "sources[0] (contacts): separator",
        "unknown backend \"gopher\"",
        "profiles[0] (default)",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected} missing from:\n{stderr}"
        );
    }
}

#[tokio::test]
async fn sighup_reloads_declared_resources_by_diff() {
    let dir = shared_tempdir();
    let base = base_config(free_port(), directory_config(dir.path()));
    let mut dird = Daemon::start_in(dir, base.clone(), &[]).await;
    assert_eq!(
        names(
            &dird
                .get(&lookup_path("default", "mar"), "admin", None)
                .await
                .1
        ),
        ["Alice Martin", "Bob Marley", "Marc Dupont"]
    );

    // The `more` source changes its template, `other-tenant` goes away, `contacts` is untouched.
    let mut changed = base.clone();
    changed["sources"][1]["format_columns"]["name"] = json!("{label} (more)");
    changed["sources"]
        .as_array_mut()
        .expect("sources")
        .remove(2);
    changed["profiles"]
        .as_array_mut()
        .expect("profiles")
        .remove(1);
    let config_path = integration_tests::daemon::write_config(dird.dir.path(), &changed);
    dird.signal(nix::sys::signal::Signal::SIGHUP);
    let mut found = Vec::new();
    for _ in 0..50 {
        found = names(
            &dird
                .get(&lookup_path("default", "mar"), "admin", None)
                .await
                .1,
        );
        if found.contains(&"Marc Dupont (more)".to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(found, ["Alice Martin", "Bob Marley", "Marc Dupont (more)"]);
    let reconciled = dird
        .stderr()
        .lines()
        .rfind(|l| l.contains("source actors reconciled"))
        .unwrap_or_default()
        .to_owned();
    assert!(reconciled.contains("started=[]"), "{reconciled}");
    assert_eq!(
        reconciled.matches("restarted=[\"").count() + reconciled.matches("stopped=[\"").count(),
        2,
        "{reconciled}"
    );
    assert!(
        !reconciled.contains("\", \""),
        "one source restarted, one stopped, the third untouched: {reconciled}"
    );
    let (status, _) = dird
        .get(&lookup_path("other", "a"), "other-admin", None)
        .await;
    assert_eq!(status, 404, "the removed profile is gone");

    // An invalid configuration is refused and the running one stays.
    let mut broken = changed.clone();
    broken["sources"][0]["separator"] = json!("too long");
    std::fs::write(&config_path, yaml_serde::to_string(&broken).expect("yaml")).expect("write");
    dird.signal(nix::sys::signal::Signal::SIGHUP);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(dird.is_running(), "SIGHUP never stops the daemon");
    assert!(
        dird.stderr().contains("reload refused"),
        "{}",
        dird.stderr()
    );
    assert_eq!(
        names(
            &dird
                .get(&lookup_path("default", "mar"), "admin", None)
                .await
                .1
        ),
        ["Alice Martin", "Bob Marley", "Marc Dupont (more)"]
    );
}

#[tokio::test]
async fn a_disabled_service_takes_its_routes_away() {
    let dird = start(
        shared_tempdir(),
        json!({"enabled_plugins": {"services": {"lookup": false}}}),
    )
    .await;
    let (status, _) = dird
        .get(&lookup_path("default", "mar"), "admin", None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = dird
        .get("/0.1/directories/lookup/default/headers", "admin", None)
        .await;
    assert_eq!(
        status, 200,
        "headers need the display and profile services only"
    );
}

#[tokio::test]
async fn backends_lists_installed_and_enabled_kinds_only() {
    let dird = start(
        shared_tempdir(),
        json!({"enabled_plugins": {"backends": {"csv_ws": false, "unknown_kind": true}}}),
    )
    .await;
    let (status, body) = dird.get("/0.1/backends", "admin", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"total": 2, "filtered": 2, "items": [{"name": "csv"}, {"name": "ldap"}]})
    );
    let (_, body) = dird.get("/0.1/backends?search=LD", "admin", None).await;
    assert_eq!(body["items"], json!([{"name": "ldap"}]));
    let (status, _) = dird
        .get("/0.1/backends/csv_ws/sources", "admin", None)
        .await;
    assert_eq!(status, 404, "a disabled backend has no routes");
    let (status, _) = dird.get("/0.1/backends/csv/sources", "admin", None).await;
    assert_eq!(status, 200);
}
