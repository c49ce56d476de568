//! Personal contacts beyond the API: the `personal` backend in lookups, reverse lookups and the
//! personal view, and CSV imports (per-line failures, charsets, a 10,000-row file).

use integration_tests::daemon::Daemon;
use integration_tests::users::{call, start};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn the_personal_backend_serves_lookups_reverse_and_the_personal_view() {
    let (dird, _database) = start().await;
    let source = json!({"name": "personal", "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number", "mobile"],
                        "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"}});
    let (status, created) = call(
        &dird,
        Method::POST,
        "/0.1/backends/personal/sources",
        "alice",
        Some(&source.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let (status, body) = call(
        &dird,
        Method::POST,
        "/0.1/backends/personal/sources",
        "alice",
        Some(r#"{"name": "p2", "file": "/x"}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("file").is_none(),
        "personal has no field of its own: unknown keys are dropped, as wazo-dird does: {body}"
    );
    let (status, _) = call(
        &dird,
        Method::DELETE,
        &format!(
            "/0.1/backends/personal/sources/{}",
            body["uuid"].as_str().unwrap_or_default()
        ),
        "alice",
        None,
    )
    .await;
    assert_eq!(status, 204);
    let columns = json!([{"title": "Nom", "field": "name"}, {"title": "Perso", "type": "personal", "field": "personal"}, {"title": "Favori", "type": "favorite", "field": "favorite"}]);
    let (_, display) = call(
        &dird,
        Method::POST,
        "/0.1/displays",
        "alice",
        Some(&json!({"name": "d", "columns": columns}).to_string()),
    )
    .await;
    let refs = json!([{"uuid": created["uuid"]}]);
    let profile = json!({"name": "default", "display": {"uuid": display["uuid"]}, "services": {"lookup": {"sources": refs}, "reverse": {"sources": refs}, "favorites": {"sources": refs}}});
    assert_eq!(
        call(
            &dird,
            Method::POST,
            "/0.1/profiles",
            "alice",
            Some(&profile.to_string())
        )
        .await
        .0,
        201
    );

    let (_, elodie) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"firstname": "Élodie", "lastname": "Béranger", "number": "1002"}"#),
    )
    .await;
    call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"firstname": "Marc", "lastname": "100%_real", "mobile": "+33600000009"}"#),
    )
    .await;
    call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "bob",
        Some(r#"{"firstname": "Eloise", "lastname": "Bob's"}"#),
    )
    .await;

    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=ELO",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        body["results"].as_array().map(Vec::len),
        Some(1),
        "alice's only, accent-insensitive: {body}"
    );
    assert_eq!(
        body["results"][0]["column_values"],
        json!(["Élodie Béranger", true, false])
    );
    assert_eq!(body["results"][0]["backend"], "personal");
    assert_eq!(
        body["results"][0]["relations"]["source_entry_id"],
        elodie["id"]
    );
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=100%25",
        "alice",
        None,
    )
    .await;
    assert_eq!(
        body["results"][0]["column_values"][0], "Marc 100%_real",
        "% is literal"
    );
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=0%25_",
        "alice",
        None,
    )
    .await;
    assert_eq!(body["results"].as_array().map(Vec::len), Some(1));
    let (_, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/lookup/default?term=el",
        "bob",
        None,
    )
    .await;
    assert_eq!(
        body["results"][0]["column_values"][0], "Eloise Bob's",
        "bob's own"
    );

    let (_, body) = call(&dird, Method::GET, "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten=%2B33600000009", "alice", None).await;
    assert_eq!(
        body["display"], "Marc 100%_real",
        "the path's user drives personal contacts"
    );

    let favorite = format!(
        "/0.1/directories/favorites/personal/{}",
        elodie["id"].as_str().expect("id")
    );
    assert_eq!(
        call(&dird, Method::PUT, &favorite, "alice", None).await.0,
        204
    );
    let (status, body) = call(
        &dird,
        Method::GET,
        "/0.1/directories/personal/default",
        "alice",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut rows: Vec<Value> = body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["column_values"].clone())
        .collect();
    rows.sort_by_key(ToString::to_string);
    assert_eq!(
        rows,
        [
            json!(["Marc 100%_real", true, false]),
            json!(["Élodie Béranger", true, true])
        ]
    );
}

async fn import(dird: &Daemon, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    dird.post_bytes("/0.1/personal/import", token, content_type, body)
        .await
}

#[tokio::test]
async fn csv_import_reports_each_bad_line_and_reads_the_charset() {
    let (dird, database) = start().await;
    let (_, existing) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(r#"{"id": "taken", "firstname": "Existing"}"#),
    )
    .await;
    assert_eq!(existing["id"], "taken");
    let csv = "firstname,lastname,number\nAlice,Martin,1001\nBob,Marley\nÉlodie,Béranger,1002,extra\nAlice,Martin,1001\n";
    let (status, body) = import(&dird, "alice", "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["created"].as_array().map(Vec::len),
        Some(2),
        "an identical row counts as the contact it is: {body}"
    );
    assert_eq!(body["created"][0]["id"], body["created"][1]["id"]);
    let lines: Vec<u64> = body["failed"]
        .as_array()
        .expect("failed")
        .iter()
        .map(|f| f["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(lines, [3, 4], "too few and too many fields");
    let (status, body) = import(
        &dird,
        "alice",
        "text/csv",
        b"id,firstname\ntaken,Again\n".to_vec(),
    )
    .await;
    assert_eq!(status, 400, "nothing created (an existing id): {body}");

    // CP1252 (and its ISO-8859-1 subset).
    let latin: Vec<u8> = "firstname,lastname\nFrançoise,Dupré\n"
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let (status, body) = import(&dird, "alice", "text/csv; charset=cp1252", latin).await;
    assert_eq!(
        (status, body["created"][0]["firstname"].clone()),
        (201, json!("Françoise")),
        "{body}"
    );
    let (status, _) = import(&dird, "alice", "text/csv", vec![0xff, 0xfe, b'\n']).await;
    assert_eq!(status, 400, "undecodable UTF-8");
    let (status, body) = import(
        &dird,
        "alice",
        "text/csv; charset=klingon",
        b"firstname\nKahless\n".to_vec(),
    )
    .await;
    assert_eq!(status, 400, "unknown charset: {body}");

    // A large import is one transaction.
    let mut big = String::from("firstname,lastname,number\n");
    for i in 0..10_000 {
        big.push_str(&format!("First{i},Last{i},{}\n", 100_000 + i));
    }
    let started = std::time::Instant::now();
    let (status, body) = import(&dird, "bob", "text/csv; charset=utf-8", big.into_bytes()).await;
    let elapsed = started.elapsed();
    assert_eq!(
        (status, body["created"].as_array().map(Vec::len)),
        (201, Some(10_000))
    );
    eprintln!("10,000-row import: {elapsed:?}");
    let client = database.client().await;
    let count: i64 = client
        .query_one("SELECT count(*) FROM dird_contact WHERE user_uuid = '10000000-0000-4000-8000-00000000000b'", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 10_000);
}

/// Lookups of the daemon's database session waiting for a lock.
async fn waiting_on_a_lock(database: &integration_tests::postgres::TestDatabase) -> i64 {
    let client = database.client().await;
    client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .expect("pg_stat_activity")
        .get(0)
}

#[tokio::test]
async fn a_cold_copy_sends_a_bounded_number_of_lookups_to_the_database() {
    let (dird, database) = start().await;
    let source = json!({"name": "personal", "searched_columns": ["firstname", "lastname"],
                        "format_columns": {"name": "{firstname} {lastname}"}});
    let (status, created) = integration_tests::users::call_json(
        &dird,
        Method::POST,
        "/0.1/backends/personal/sources",
        "alice",
        source,
    )
    .await;
    assert_eq!(status, 200, "{created}");
    integration_tests::users::create_profile(&dird, "alice", &created).await;
    let contact = json!({"firstname": "Alice", "lastname": "Perso"}).to_string();
    let (status, _) = call(
        &dird,
        Method::POST,
        "/0.1/personal",
        "alice",
        Some(&contact),
    )
    .await;
    assert_eq!(status, 201);

    // PostgreSQL holds every read of the contact fields: alice's copy cannot load, and each lookup
    // that goes to SQL waits.
    let mut locker = database.client().await;
    let lock = locker.transaction().await.expect("transaction");
    lock.batch_execute("LOCK TABLE dird_contact_fields IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let lookups = (0..24).map(|_| {
        let dird = &dird;
        async move {
            let started = std::time::Instant::now();
            let (status, body) = dird
                .get("/0.1/directories/lookup/default?term=ali", "alice", None)
                .await;
            (
                status,
                body["results"].as_array().map_or(0, Vec::len),
                started.elapsed(),
            )
        }
    });
    let (answers, waiting) = tokio::join!(futures_util::future::join_all(lookups), async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        waiting_on_a_lock(&database).await
    });
    // The copy's load and at most COLD_LOOKUPS (4) lookups wait in PostgreSQL; without the bound
    // every lookup took a pool connection and waited there.
    assert!(
        (1..=5).contains(&waiting),
        "{waiting} sessions waiting on the lock"
    );
    assert!(
        answers.iter().all(|(status, _, _)| *status == 200),
        "{answers:?}"
    );
    let quick = answers
        .iter()
        .filter(|(_, _, took)| *took < std::time::Duration::from_millis(300))
        .count();
    assert!(
        quick >= 20,
        "the shed lookups answer at once, without the source: {answers:?}"
    );
    let (_, status) = dird.get("/0.1/status", "alice", None).await;
    let shed = status["sources"][created["uuid"].as_str().unwrap_or_default()]["shed"].as_u64();
    assert!(shed.is_some_and(|shed| shed >= 20), "{status}");

    lock.rollback().await.expect("unlock");
    let mut found = 0;
    for _ in 0..100 {
        let (_, body) = dird
            .get("/0.1/directories/lookup/default?term=ali", "alice", None)
            .await;
        found = body["results"].as_array().map_or(0, Vec::len);
        if found == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(found, 1, "alice's contact once the database answers");
}
