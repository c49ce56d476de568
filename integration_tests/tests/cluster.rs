//! Two instances on one database and one broker: a change made through either is served by the
//! other within a second (each follows the other's source, display and profile events); 50
//! concurrent edits through both leave both on the database's state; a committed write succeeds
//! even when the catalog cannot be read back at once, and shows as soon as it can.

use integration_tests::broker::clean_up;
use integration_tests::daemon::{base_config, set_mode, shared_tempdir, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::peers::{
    instance, lookup, names, phonebook_loads, phonebook_of_alice, send, within, TOKENS,
};
use integration_tests::postgres::TestDatabase;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn within_a_second(what: &str, check: impl AsyncFn() -> bool) -> Duration {
    within(
        Duration::from_secs(1),
        &format!("{what} served by the other instance"),
        check,
    )
    .await
}

async fn first_name(dird: &Daemon) -> Value {
    let (status, body) = dird
        .get("/0.1/directories/lookup/default?term=ali", "t", None)
        .await;
    if status == 200 {
        body["results"][0]["column_values"][0].clone()
    } else {
        json!(status)
    }
}

#[tokio::test]
async fn a_change_through_one_instance_is_served_by_the_other_within_a_second() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let database = TestDatabase::create().await;
    let files = shared_tempdir();
    let csv = files.path().join("contacts.csv");
    std::fs::write(&csv, "id,firstname,lastname\n1,Alice,Martin\n").expect("csv");
    set_mode(&csv, 0o644);
    let a = instance(&database, &exchange).await;
    let b = instance(&database, &exchange).await;

    let source = json!({"name": "contacts", "file": csv, "unique_column": "id", "searched_columns": ["firstname"], "format_columns": {"name": "{firstname} {lastname}"}});
    let (_, created) = a
        .send(
            Method::POST,
            "/0.1/backends/csv/sources",
            "t",
            None,
            Some(&source.to_string()),
        )
        .await;
    let uuid = created["uuid"].as_str().expect("source").to_owned();
    let (_, display) = a
        .send(
            Method::POST,
            "/0.1/displays",
            "t",
            None,
            Some(&json!({"name": "d", "columns": [{"field": "name"}]}).to_string()),
        )
        .await;
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": {"lookup": {"sources": [{"uuid": uuid}]}}});
    let (status, profile) = a
        .send(
            Method::POST,
            "/0.1/profiles",
            "t",
            None,
            Some(&profile.to_string()),
        )
        .await;
    assert_eq!(status, 201);
    let created_in = within_a_second("a new profile", || async {
        first_name(&b).await == json!("Alice Martin")
    })
    .await;

    let mut edited = source.clone();
    edited["format_columns"] = json!({"name": "{lastname}, {firstname}"});
    let (status, _) = a
        .send(
            Method::PUT,
            &format!("/0.1/backends/csv/sources/{uuid}"),
            "t",
            None,
            Some(&edited.to_string()),
        )
        .await;
    assert_eq!(status, 204);
    let edited_in = within_a_second("an edited source", || async {
        first_name(&b).await == json!("Martin, Alice")
    })
    .await;

    // And the other way round.
    let profile_uuid = profile["uuid"].as_str().expect("profile").to_owned();
    let (status, _) = b
        .send(
            Method::DELETE,
            &format!("/0.1/profiles/{profile_uuid}"),
            "t",
            None,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let deleted_in = within_a_second("a deleted profile", || async {
        first_name(&a).await == json!(404)
    })
    .await;
    eprintln!("propagation: created {created_in:?}, edited {edited_in:?}, deleted {deleted_in:?}");
    clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
}

#[tokio::test]
async fn contacts_changed_through_one_instance_are_looked_up_on_the_other_at_once() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let database = TestDatabase::create().await;
    let a = instance(&database, &exchange).await;
    let b = instance(&database, &exchange).await;
    let (book, contacts, alice) = phonebook_of_alice(&a).await;
    let columns = json!({"searched_columns": ["firstname"], "format_columns": {"name": "{firstname} {lastname}"}});
    let mut phonebook_source = columns.clone();
    phonebook_source["phonebook_uuid"] = book["uuid"].clone();
    let (_, phonebook_source) = send(
        &a,
        Method::POST,
        "/0.1/backends/phonebook/sources".into(),
        phonebook_source,
    )
    .await;
    let mut personal_source = columns.clone();
    personal_source["name"] = json!("personal");
    let (_, personal_source) = send(
        &a,
        Method::POST,
        "/0.1/backends/personal/sources".into(),
        personal_source,
    )
    .await;
    let (_, display) = send(
        &a,
        Method::POST,
        "/0.1/displays".into(),
        json!({"name": "d", "columns": [{"field": "name"}]}),
    )
    .await;
    let refs = json!([{"uuid": phonebook_source["uuid"]}, {"uuid": personal_source["uuid"]}]);
    let (status, _) = send(&a, Method::POST, "/0.1/profiles".into(), json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": {"lookup": {"sources": refs}}})).await;
    assert_eq!(status, 201);
    within_a_second("the profile", || async {
        names(&b, "ali").await == ["Alice Martin"]
    })
    .await;
    // b now holds the phonebook in memory, and a too once it looked it up.
    assert_eq!(names(&a, "ali").await, ["Alice Martin"]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(names(&b, "ali").await, ["Alice Martin"]);
    assert_eq!(names(&a, "ali").await, ["Alice Martin"]);
    let loaded = (phonebook_loads(&a), phonebook_loads(&b));
    assert!(loaded.0 >= 1 && loaded.1 >= 1, "both copied the phonebook");

    let (status, _) = send(
        &a,
        Method::POST,
        contacts.clone(),
        json!({"firstname": "Alicia", "lastname": "Keys"}),
    )
    .await;
    assert_eq!(status, 201);
    let added = within_a_second("a new phonebook contact", || async {
        names(&b, "ali").await == ["Alice Martin", "Alicia Keys"]
    })
    .await;
    let (status, _) = send(
        &a,
        Method::DELETE,
        format!("{contacts}/{}", alice["id"].as_str().expect("id")),
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let deleted = within_a_second("a deleted phonebook contact", || async {
        names(&b, "ali").await == ["Alicia Keys"]
    })
    .await;
    let (status, _) = send(
        &a,
        Method::POST,
        "/0.1/personal".into(),
        json!({"firstname": "Alina", "lastname": "Perso"}),
    )
    .await;
    assert_eq!(status, 201);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = send(
        &a,
        Method::POST,
        "/0.1/personal".into(),
        json!({"firstname": "Alix", "lastname": "Perso"}),
    )
    .await;
    assert_eq!(status, 201);
    let personal = within_a_second("new personal contacts", || async {
        names(&b, "ali").await == ["Alicia Keys", "Alina Perso", "Alix Perso"]
    })
    .await;
    // Both instances applied each change to their copies: none read a phonebook again.
    assert_eq!(
        (phonebook_loads(&a), phonebook_loads(&b)),
        loaded,
        "a write reloaded a copy"
    );
    eprintln!("contact propagation: added {added:?}, deleted {deleted:?}, personal {personal:?}");
    clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
}

/// Whether the first result of a lookup of `term` on `dird` is marked favorite (column 1).
async fn first_is_favorite(dird: &Daemon, term: &str) -> Option<bool> {
    lookup(dird, term).await["results"][0]["column_values"][1].as_bool()
}

#[tokio::test]
async fn a_favorite_changed_through_one_instance_is_marked_on_the_other_at_once() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let database = TestDatabase::create().await;
    let a = instance(&database, &exchange).await;
    let b = instance(&database, &exchange).await;
    let (book, _, alice) = phonebook_of_alice(&a).await;
    let (_, source) = send(
        &a,
        Method::POST,
        "/0.1/backends/phonebook/sources".into(),
        json!({"phonebook_uuid": book["uuid"], "searched_columns": ["firstname"]}),
    )
    .await;
    let (_, display) = send(
        &a,
        Method::POST,
        "/0.1/displays".into(),
        json!({"name": "d", "columns": [{"field": "firstname"}, {"field": "favorite", "type": "favorite"}]}),
    )
    .await;
    let refs = json!([{"uuid": source["uuid"]}]);
    let (status, _) = send(&a, Method::POST, "/0.1/profiles".into(), json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": {"lookup": {"sources": refs}, "favorites": {"sources": refs}}})).await;
    assert_eq!(status, 201);
    within_a_second("the profile", || async {
        first_is_favorite(&b, "ali").await == Some(false)
    })
    .await;
    // b now holds the user's (empty) favorites in memory.
    assert_eq!(first_is_favorite(&b, "ali").await, Some(false));

    let favorite = format!(
        "/0.1/directories/favorites/company/{}",
        alice["id"].as_str().expect("id")
    );
    let (status, _) = send(&a, Method::PUT, favorite.clone(), Value::Null).await;
    assert_eq!(status, 204);
    within_a_second("the new favorite", || async {
        first_is_favorite(&b, "ali").await == Some(true)
    })
    .await;
    assert_eq!(
        first_is_favorite(&a, "ali").await,
        Some(true),
        "at once where it was made"
    );

    let (status, _) = send(&a, Method::DELETE, favorite, Value::Null).await;
    assert_eq!(status, 204);
    assert_eq!(first_is_favorite(&a, "ali").await, Some(false));
    within_a_second("the removed favorite", || async {
        first_is_favorite(&b, "ali").await == Some(false)
    })
    .await;
    clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
}

/// The (uuid, name) pairs of a listing, sorted.
fn pairs(items: &Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = items["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    (
                        item["uuid"].as_str().unwrap_or_default().to_owned(),
                        item["name"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs
}

async fn stored_pairs(database: &TestDatabase, table: &str) -> Vec<(String, String)> {
    let client = database.client().await;
    let mut pairs: Vec<(String, String)> = client
        .query(&format!("SELECT uuid::text, name FROM {table}"), &[])
        .await
        .expect("stored items")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn two_instances_taking_fifty_concurrent_edits_converge_on_the_database() {
    let exchange = format!("dird-test-{}", uuid::Uuid::new_v4().simple());
    let database = TestDatabase::create().await;
    let a = instance(&database, &exchange).await;
    let b = instance(&database, &exchange).await;
    let instances = [&a, &b];
    let display = |name: &str| json!({"name": name, "columns": [{"field": "name"}]});
    let source = |name: &str| json!({"name": name, "file": "/nonexistent.csv", "unique_column": "id", "searched_columns": ["name"]});

    let mut displays = Vec::new();
    let mut sources = Vec::new();
    for i in 0..6 {
        let (status, created) = send(
            &a,
            Method::POST,
            "/0.1/displays".into(),
            display(&format!("d{i}")),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        displays.push(created["uuid"].as_str().expect("uuid").to_owned());
        let (status, created) = send(
            &b,
            Method::POST,
            "/0.1/backends/csv/sources".into(),
            source(&format!("s{i}")),
        )
        .await;
        assert_eq!(status, 200, "{created}");
        sources.push(created["uuid"].as_str().expect("uuid").to_owned());
    }

    // 50 edits at once, half through each instance: both rename the same items, create new
    // ones and delete some of those being renamed.
    let edits = (0..50).map(|i| {
        let dird = instances[i % 2];
        let (method, path, body) = match i {
            0..=11 => (
                Method::PUT,
                format!("/0.1/displays/{}", displays[i % 6]),
                display(&format!("d{}-{i}", i % 6)),
            ),
            12..=23 => (
                Method::PUT,
                format!("/0.1/backends/csv/sources/{}", sources[i % 6]),
                source(&format!("s{}-{i}", i % 6)),
            ),
            24..=35 => (
                Method::POST,
                "/0.1/displays".into(),
                display(&format!("new-d{i}")),
            ),
            36..=45 => (
                Method::POST,
                "/0.1/backends/csv/sources".into(),
                source(&format!("new-s{i}")),
            ),
            46 | 47 => (
                Method::DELETE,
                format!("/0.1/displays/{}", displays[i - 46]),
                Value::Null,
            ),
            _ => (
                Method::DELETE,
                format!("/0.1/backends/csv/sources/{}", sources[i - 48]),
                Value::Null,
            ),
        };
        async move {
            let (status, body) = send(dird, method, path, body).await;
            // A rename racing with the delete of its item may find it gone.
            assert!(
                [200, 201, 204, 404].contains(&status),
                "edit {i}: {status} {body}"
            );
        }
    });
    futures_util::future::join_all(edits).await;

    let stored_displays = stored_pairs(&database, "dird_display").await;
    let stored_sources = stored_pairs(&database, "dird_source").await;
    assert_eq!(stored_displays.len(), 6 - 2 + 12);
    assert_eq!(stored_sources.len(), 6 - 2 + 10);
    let started = Instant::now();
    loop {
        let mut converged = true;
        for dird in instances {
            let (_, listed) = dird.get("/0.1/displays", "t", None).await;
            converged &= pairs(&listed) == stored_displays;
            let (_, listed) = dird.get("/0.1/backends/csv/sources", "t", None).await;
            converged &= pairs(&listed) == stored_sources;
        }
        if converged {
            eprintln!("converged {:?} after the last edit", started.elapsed());
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the instances did not converge on the database's sources and displays within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    clean_up(&exchange, Some(&format!("{exchange}-queue"))).await;
}

#[tokio::test]
async fn a_committed_write_succeeds_while_the_catalog_cannot_be_read_and_shows_once_it_can() {
    let database = TestDatabase::create().await;
    let dir = shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let config = base_config(
        free_port(),
        json!({"auth": auth, "db_uri": database.uri(), "db_statement_timeout": 0.5}),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;

    // Re-reading the catalog reads dird_profile, which a long transaction now locks; creating a
    // display does not touch it.
    let mut locker = database.client().await;
    let lock = locker.transaction().await.expect("transaction");
    lock.batch_execute("LOCK TABLE dird_profile IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let (status, created) = send(
        &dird,
        Method::POST,
        "/0.1/displays".into(),
        json!({"name": "committed", "columns": [{"field": "name"}]}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (_, listed) = dird.get("/0.1/displays", "t", None).await;
    assert!(
        pairs(&listed).is_empty(),
        "the catalog could not have read it: {listed}"
    );

    lock.rollback().await.expect("unlock");
    let started = Instant::now();
    loop {
        let (_, listed) = dird.get("/0.1/displays", "t", None).await;
        if pairs(&listed) == stored_pairs(&database, "dird_display").await
            && !pairs(&listed).is_empty()
        {
            eprintln!(
                "caught up {:?} after the lock was released",
                started.elapsed()
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the catalog did not catch up: {listed}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
