//! Lookups, headers and reverse lookups over YAML-declared CSV sources, as phones and wazo-agid call
//! them: result shape, accents, timeouts of the profile, errors, tenants, and a source that is
//! broken then repaired without restarting the daemon.

use integration_tests::csv_directory::{lookup_path, names, start, write, MASTER, USER};
use integration_tests::daemon::shared_tempdir;
use serde_json::{json, Value};
use std::time::Duration;

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
