//! Lookups and reverse lookups on a 25,000-contact phonebook scan no table: without the in-memory
//! copy they are index scans (PostgreSQL's own statistics say so), with it the table is read once.

use integration_tests::daemon::Daemon;
use integration_tests::postgres::TestDatabase;
use integration_tests::users::{
    self, create_phonebook, create_phonebook_source, create_profile, get_ok,
};
use serde_json::{json, Value};
use std::time::Duration;

const TOKENS: &str = "tokens:\n  admin: {user_uuid: 10000000-0000-4000-8000-00000000000a, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ['dird.#']}\ntenants:\n  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}\n";

async fn get(dird: &Daemon, path: &str) -> Value {
    get_ok(dird, path, "admin").await
}

/// The scans of `dird_contact_fields` so far: (sequential, index), as PostgreSQL counts them.
async fn scans(client: &tokio_postgres::Client) -> (i64, i64) {
    client
        .batch_execute("SELECT pg_stat_clear_snapshot()")
        .await
        .expect("snapshot");
    let row = client
        .query_one("SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'dird_contact_fields'", &[])
        .await
        .expect("stats");
    (row.get(0), row.get(1))
}

/// A daemon (with or without the in-memory contact copy) serving a profile over a 25,000-contact
/// phonebook imported through the API.
async fn large_phonebook(cache: bool) -> (Daemon, TestDatabase) {
    let (dird, database) = users::start_configured(
        TOKENS,
        "admin",
        json!({"contact_cache": {"enabled": cache}}),
    )
    .await;
    let book = create_phonebook(&dird, "admin", "Big").await;
    let mut csv = String::from("firstname,lastname,number,email\n");
    for i in 0..25_000 {
        csv.push_str(&format!(
            "First{i},Last{i},{},user{i}@example.com\n",
            100_000 + i
        ));
    }
    let (status, imported) = dird
        .post_bytes(
            &format!("/0.1/phonebooks/{book}/contacts/import"),
            "admin",
            "text/csv; charset=utf-8",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(imported["created"].as_array().map(Vec::len), Some(25_000));
    let body = json!({"phonebook_uuid": book, "searched_columns": ["firstname", "lastname", "email"], "first_matched_columns": ["number"],
                      "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}"}});
    let source = create_phonebook_source(&dird, "admin", body).await;
    create_profile(&dird, "admin", &source).await;
    (dird, database)
}

/// Three lookups and three reverse lookups, checked.
async fn look_up(dird: &Daemon) {
    for i in [7, 12_345, 24_999] {
        let found = get(
            dird,
            &format!("/0.1/directories/lookup/default?term=last{i}"),
        )
        .await;
        assert!(
            names_contain(&found, &format!("First{i} Last{i}")),
            "{found}"
        );
        let reverse = get(
            dird,
            &format!(
                "/0.1/directories/reverse/default/10000000-0000-4000-8000-00000000000a?exten={}",
                100_000 + i
            ),
        )
        .await;
        assert_eq!(reverse["display"], format!("First{i} Last{i}"));
    }
}

/// Statistics reach `pg_stat_user_tables` once the backend that counted them flushes them: at
/// most once a second while it works, and within 10 s once it is idle (PGSTAT_IDLE_INTERVAL).
async fn flushed() {
    tokio::time::sleep(Duration::from_millis(11_000)).await;
}

/// Without the in-memory copy every lookup is a query: after the import (which analyzes the
/// tables) lookups, reverse lookups and a contact-list search use indexes, never a sequential
/// scan of the fields table.
#[tokio::test]
async fn a_large_phonebook_is_searched_through_indexes() {
    let (dird, database) = large_phonebook(false).await;
    let client = database.client().await;
    flushed().await;
    let (seq_before, idx_before) = scans(&client).await;
    look_up(&dird).await;
    let page = get(&dird, "/0.1/phonebooks").await;
    let book = page["items"][0]["uuid"].as_str().expect("uuid").to_owned();
    let page = get(
        &dird,
        &format!("/0.1/phonebooks/{book}/contacts?search=user24998%40&limit=5"),
    )
    .await;
    assert_eq!(page["total"], 1, "{page}");
    flushed().await;
    let (seq_after, idx_after) = scans(&client).await;
    assert!(
        idx_after >= idx_before + 7,
        "index scans counted: {idx_before} → {idx_after}"
    );
    assert_eq!(
        seq_after, seq_before,
        "no sequential scan of dird_contact_fields"
    );
}

/// With the in-memory copy (the default), the phonebook is read once; then lookups and reverse
/// lookups do not touch the fields table at all (the previous test shows that the same requests
/// are counted when they reach PostgreSQL).
#[tokio::test]
async fn a_large_phonebook_held_in_memory_is_read_once() {
    let (dird, database) = large_phonebook(true).await;
    let client = database.client().await;
    look_up(&dird).await;
    // The copy loads in the background after the first lookup.
    let loaded = |dird: &Daemon| dird.stderr().contains("contacts copied in memory");
    for _ in 0..600 {
        if loaded(&dird) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(loaded(&dird), "the phonebook was never copied in memory");
    flushed().await;
    let before = scans(&client).await;
    look_up(&dird).await;
    look_up(&dird).await;
    flushed().await;
    assert_eq!(scans(&client).await, before, "lookups answered from memory");
}

fn names_contain(body: &Value, name: &str) -> bool {
    body["results"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["column_values"][0] == name))
}

/// When `dird_contact_fields` was last analyzed by hand (not by autovacuum), as PostgreSQL says.
async fn last_analyze(client: &tokio_postgres::Client) -> Option<std::time::SystemTime> {
    client
        .batch_execute("SELECT pg_stat_clear_snapshot()")
        .await
        .expect("snapshot");
    client
        .query_one(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'dird_contact_fields'",
            &[],
        )
        .await
        .expect("stats")
        .get(0)
}

/// Every import ends with `ANALYZE` of the contact tables, however small: on a freshly imported
/// phonebook of 300 contacts, the SQL path's plan took 266 to 383 ms without statistics.
#[tokio::test]
async fn an_import_of_300_contacts_or_3_personal_ones_analyzes_the_contact_tables() {
    let (dird, database) = users::start_configured(TOKENS, "admin", json!({})).await;
    let client = database.client().await;
    assert_eq!(last_analyze(&client).await, None, "a new database");
    let book = create_phonebook(&dird, "admin", "Small").await;
    let mut csv = String::from("firstname,lastname,number\n");
    for i in 0..300 {
        csv.push_str(&format!("First{i},Last{i},{}\n", 200_000 + i));
    }
    let (status, _) = dird
        .post_bytes(
            &format!("/0.1/phonebooks/{book}/contacts/import"),
            "admin",
            "text/csv; charset=utf-8",
            csv.into_bytes(),
        )
        .await;
    assert_eq!(status, 201);
    integration_tests::eventually(
        Duration::from_secs(12),
        "analyzed after the phonebook import",
        || async { last_analyze(&client).await.is_some() },
    )
    .await;
    let first = last_analyze(&client).await;
    let (status, _) = users::post_csv(
        &dird,
        "/0.1/personal/import",
        "admin",
        "firstname,number\nA,1\nB,2\nC,3\n",
    )
    .await;
    assert_eq!(status, 201);
    integration_tests::eventually(
        Duration::from_secs(12),
        "analyzed after the personal import",
        || async { last_analyze(&client).await > first },
    )
    .await;
}
