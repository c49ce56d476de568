//! PostgreSQL: the schema created on an empty database, a wazo-dird database taken over without
//! touching its data, a database of an unknown revision refused, and a server that is down at start
//! and comes back (twice) without restarting the daemon.

use integration_tests::daemon::{base_config, static_auth, Daemon};
use integration_tests::free_port;
use integration_tests::postgres::{Cluster, TestDatabase};
use serde_json::{json, Value};
use std::time::Duration;

const TOKENS: &str = r#"
tokens:
  t: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ["dird.#"]}
tenants:
  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}
"#;
const SCHEMA: &str = include_str!("../../src/storage/schema.sql");

async fn daemon(db_uri: &str) -> Daemon {
    let dir = integration_tests::daemon::shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let config = base_config(free_port(), json!({"db_uri": db_uri, "auth": auth}));
    Daemon::start_in(dir, config, &[]).await
}

async fn strings(client: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .await
        .expect(sql)
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect()
}

/// Every row of every dird table, as text, to compare a database before and after.
async fn contents(client: &tokio_postgres::Client) -> Vec<String> {
    let mut all = Vec::new();
    for table in strings(
        client,
        "SELECT tablename::text FROM pg_tables WHERE tablename LIKE 'dird\\_%' ORDER BY 1",
    )
    .await
    {
        let rows = strings(client, &format!("SELECT t::text FROM {table} t ORDER BY 1")).await;
        all.extend(rows.into_iter().map(|row| format!("{table}: {row}")));
    }
    all
}

#[tokio::test]
async fn an_empty_database_gets_wazo_dirds_schema() {
    let database = TestDatabase::create().await;
    let dird = daemon(&database.uri()).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    let client = database.client().await;
    assert_eq!(
        strings(
            &client,
            "SELECT version_num::text FROM alembic_version_dird"
        )
        .await,
        vec!["5a67556fbbf1"]
    );
    let tables = strings(
        &client,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .await;
    assert_eq!(
        tables,
        [
            "alembic_version_dird",
            "dird_contact",
            "dird_contact_fields",
            "dird_display",
            "dird_display_column",
            "dird_favorite",
            "dird_phonebook",
            "dird_profile",
            "dird_profile_service",
            "dird_profile_service_source",
            "dird_service",
            "dird_source",
            "dird_tenant",
            "dird_user",
        ]
    );
    // Names that wazo-dird's own code and migrations rely on.
    let constraints = strings(
        &client,
        "SELECT conname::text FROM pg_constraint WHERE conrelid::regclass::text LIKE 'dird\\_%'",
    )
    .await;
    for name in [
        "dird_contact_hash_user_uuid",
        "dird_contact_hash_phonebook_uuid",
        "dird_phonebook_name_tenant_uuid",
        "dird_phonebook_name_check",
        "dird_source_tenant_name",
        "dird_profile_tenant_name",
        "dird_favorite_pkey",
        "dird_profile_display_uuid_tenant_fkey",
        "dird_source_phonebook_fkey",
        "dird_service_name_key",
    ] {
        assert!(
            constraints.iter().any(|c| c == name),
            "constraint {name} missing"
        );
    }
    let indexes = strings(
        &client,
        "SELECT indexname::text FROM pg_indexes WHERE tablename LIKE 'dird\\_%'",
    )
    .await;
    for name in [
        "ix_dird_contact_fields_name",
        "ix_dird_contact_fields_value",
        "dird_contact_fields__idx__contact_uuid",
    ] {
        assert!(indexes.iter().any(|i| i == name), "index {name} missing");
    }
    let extensions = strings(&client, "SELECT extname::text FROM pg_extension").await;
    for name in ["uuid-ossp", "hstore", "unaccent"] {
        assert!(
            extensions.iter().any(|e| e == name),
            "extension {name} missing"
        );
    }
}

#[tokio::test]
async fn a_wazo_dird_database_is_taken_over_with_its_data() {
    let database = TestDatabase::create().await;
    let client = database.client().await;
    // A database as wazo-dird leaves it at its baseline revision, with data.
    client.batch_execute(SCHEMA).await.expect("schema");
    client
        .batch_execute(
            "INSERT INTO alembic_version_dird VALUES ('2adc8aff56ea');
             INSERT INTO dird_tenant (uuid, country) VALUES ('20000000-0000-4000-8000-000000000001', 'FR');
             INSERT INTO dird_user VALUES ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001');
             INSERT INTO dird_source (uuid, name, tenant_uuid, backend, searched_columns, format_columns, extra_fields)
                VALUES ('30000000-0000-4000-8000-000000000001', 'Mes contacts', '20000000-0000-4000-8000-000000000001', 'csv',
                        ARRAY['firstname','lastname'], 'name=>\"{firstname} {lastname}\"', '{\"file\": \"/tmp/x.csv\"}');
             INSERT INTO dird_favorite VALUES ('42', '10000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001');
             INSERT INTO dird_display (uuid, tenant_uuid, name) VALUES ('40000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', 'défaut');
             INSERT INTO dird_display_column (display_uuid, field, title, type) VALUES ('40000000-0000-4000-8000-000000000001', 'name', 'Nom', 'name');
             INSERT INTO dird_profile (uuid, tenant_uuid, name, display_uuid, display_tenant_uuid)
                VALUES ('50000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', 'default',
                        '40000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001');
             INSERT INTO dird_service (uuid, name) VALUES ('60000000-0000-4000-8000-000000000001', 'lookup'), ('60000000-0000-4000-8000-000000000002', 'reverse');
             INSERT INTO dird_profile_service (uuid, profile_uuid, profile_tenant_uuid, service_uuid, config) VALUES
                ('70000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001',
                 '60000000-0000-4000-8000-000000000001', '{\"timeout\": 2.5, \"options\": null}'),
                ('70000000-0000-4000-8000-000000000002', '50000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001',
                 '60000000-0000-4000-8000-000000000002', '{\"timeout\": 9, \"options\": {\"timeout\": 0.5}}');
             INSERT INTO dird_profile_service_source VALUES ('70000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001',
                 '20000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001');
             INSERT INTO dird_phonebook (name, tenant_uuid) VALUES ('Société', '20000000-0000-4000-8000-000000000001');
             INSERT INTO dird_contact (uuid, user_uuid, hash) VALUES ('c1', '10000000-0000-4000-8000-000000000001', 'h1');
             INSERT INTO dird_contact_fields (name, value, contact_uuid) VALUES ('firstname', 'Élodie', 'c1');",
        )
        .await
        .expect("data");
    let before = contents(&client).await;

    let mut dird = daemon(&database.uri()).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    assert_eq!(
        strings(
            &client,
            "SELECT version_num::text FROM alembic_version_dird"
        )
        .await,
        vec!["5a67556fbbf1"]
    );
    let configs: Vec<Value> = client
        .query(
            "SELECT config::text FROM dird_profile_service ORDER BY uuid",
            &[],
        )
        .await
        .expect("configs")
        .iter()
        .map(|row| serde_json::from_str(&row.get::<_, String>(0)).expect("json"))
        .collect();
    assert_eq!(
        configs[0],
        json!({"options": {"timeout": 2.5}}),
        "the top-level timeout moved into options"
    );
    assert_eq!(
        configs[1],
        json!({"options": {"timeout": 0.5}}),
        "an existing options.timeout wins"
    );

    let after: Vec<String> = contents(&client).await;
    let unchanged = |rows: &[String]| -> Vec<String> {
        rows.iter()
            .filter(|r| !r.starts_with("dird_profile_service:"))
            .cloned()
            .collect()
    };
    assert_eq!(
        unchanged(&after),
        unchanged(&before),
        "no other data changed"
    );

    // A second start on the migrated database changes nothing at all.
    dird.stop();
    let dird = daemon(&database.uri()).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    assert_eq!(contents(&client).await, after);
}

#[tokio::test]
async fn a_database_of_an_unknown_revision_is_not_touched() {
    let database = TestDatabase::create().await;
    let client = database.client().await;
    client
        .batch_execute("CREATE TABLE alembic_version_dird (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version_dird VALUES ('0123456789ab');")
        .await
        .expect("fixture");
    let dird = daemon(&database.uri()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, body) = dird.get("/0.1/status", "t", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["database"]["status"], "fail");
    assert!(dird.stderr().contains("0123456789ab"), "{}", dird.stderr());
    let tables = strings(
        &client,
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
    )
    .await;
    assert_eq!(tables, vec!["alembic_version_dird"], "nothing was created");
}

/// Writes sent the moment the daemon answers, while it creates the schema of a new database, wait
/// for it (`db_startup_wait`) instead of answering 503.
#[tokio::test]
async fn the_first_writes_after_start_wait_for_the_schema_instead_of_failing() {
    let database = TestDatabase::create().await;
    let dird = daemon(&database.uri()).await;
    let writes = (0..5).map(|i| {
        let body = json!({"name": format!("d{i}"), "columns": [{"field": "fn", "title": "Nom"}]});
        let dird = &dird;
        async move {
            dird.send(
                reqwest::Method::POST,
                "/0.1/displays",
                "t",
                None,
                Some(&body.to_string()),
            )
            .await
        }
    });
    for (status, body) in futures_util::future::join_all(writes).await {
        assert_eq!(status, 201, "{body}");
    }
    let (_, displays) = dird.get("/0.1/displays", "t", None).await;
    assert_eq!(displays["total"], 5, "{displays}");
}

#[tokio::test]
async fn postgresql_down_at_start_then_back_is_picked_up_without_restart() {
    let cluster = Cluster::init(free_port());
    let dird = daemon(&cluster.uri()).await;
    let (status, body) = dird.get("/0.1/status", "t", None).await;
    assert_eq!(status, 200, "the daemon serves while the database is down");
    assert_eq!(body["database"]["status"], "fail");
    // A database that is really unreachable answers 503 once the first attempt failed, not after
    // the whole `db_startup_wait`.
    let started = std::time::Instant::now();
    let (status, body) = dird
        .send(
            reqwest::Method::POST,
            "/0.1/displays",
            "t",
            None,
            Some(r#"{"name": "d", "columns": [{"field": "fn"}]}"#),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    cluster.start();
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    let client = integration_tests::postgres::connect(&cluster.uri()).await;
    assert_eq!(
        strings(
            &client,
            "SELECT version_num::text FROM alembic_version_dird"
        )
        .await,
        vec!["5a67556fbbf1"]
    );
    drop(client);

    cluster.stop();
    dird.wait_for_status("t", "database", "fail", Duration::from_secs(15))
        .await;
    cluster.start();
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
}

#[tokio::test]
async fn a_locked_table_costs_a_request_its_statement_timeout_not_forever() {
    let database = TestDatabase::create().await;
    let dir = integration_tests::daemon::shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let config = base_config(
        free_port(),
        json!({"db_uri": database.uri(), "auth": auth, "db_statement_timeout": 0.3}),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    let mut client = database.client().await;
    let transaction = client.transaction().await.expect("transaction");
    transaction
        .batch_execute("LOCK TABLE dird_phonebook IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let started = std::time::Instant::now();
    let (status, body) = tokio::time::timeout(
        Duration::from_secs(5),
        dird.get("/0.1/phonebooks", "t", None),
    )
    .await
    .expect("the request waited for the lock: no statement timeout");
    let elapsed = started.elapsed();
    assert!(status >= 500, "{status} {body}");
    assert!(
        elapsed < Duration::from_secs(2),
        "answered after {elapsed:?}: the statement was cancelled at its timeout"
    );
    transaction.rollback().await.expect("rollback");
    let (status, body) = dird.get("/0.1/phonebooks", "t", None).await;
    assert_eq!(status, 200, "the lock gone, the pool serves again: {body}");
}

/// Whether the contact search index this daemon adds exists and is valid.
async fn search_index_valid(client: &tokio_postgres::Client) -> Option<bool> {
    client
        .query_opt(
            "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid \
             WHERE c.relname = 'dird_contact_fields__idx__unaccent_value_trgm'",
            &[],
        )
        .await
        .expect("pg_index")
        .map(|row| row.get(0))
}

async fn wait_for_valid_index(client: &tokio_postgres::Client, within: Duration) {
    let started = std::time::Instant::now();
    while search_index_valid(client).await != Some(true) {
        assert!(
            started.elapsed() < within,
            "the search index is not built: {:?}",
            search_index_valid(client).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn taking_over_a_busy_wazo_dird_database_blocks_neither_it_nor_the_daemon() {
    let database = TestDatabase::create().await;
    let client = database.client().await;
    client.batch_execute(SCHEMA).await.expect("schema");
    client
        .batch_execute(
            "INSERT INTO alembic_version_dird VALUES ('5a67556fbbf1');
             INSERT INTO dird_tenant (uuid) VALUES ('20000000-0000-4000-8000-000000000001');
             INSERT INTO dird_user VALUES ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001');
             INSERT INTO dird_contact (uuid, user_uuid, hash) VALUES ('c1', '10000000-0000-4000-8000-000000000001', 'h1');",
        )
        .await
        .expect("data");
    // wazo-dird, beside us, is in the middle of writing a contact.
    let mut writer = database.client().await;
    let writing = writer.transaction().await.expect("transaction");
    writing
        .batch_execute("INSERT INTO dird_contact_fields (name, value, contact_uuid) VALUES ('firstname', 'Alice', 'c1')")
        .await
        .expect("insert");

    let dird = daemon(&database.uri()).await;
    // An index built inside the migration's transaction would wait for that writer, and the
    // database would stay down; built concurrently afterwards, it waits alone.
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(10))
        .await;
    let (status, body) = dird.get("/0.1/personal", "t", None).await;
    assert_eq!(status, 200, "{body}");
    // Meanwhile other writers are not queued behind the index build.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let other = database.client().await;
    other
        .batch_execute(
            "SET statement_timeout = '3s';
             INSERT INTO dird_contact_fields (name, value, contact_uuid) VALUES ('lastname', 'Martin', 'c1')",
        )
        .await
        .expect("a write while the index is being built");
    assert_ne!(
        search_index_valid(&client).await,
        Some(true),
        "it waits for the writer"
    );

    writing.commit().await.expect("commit");
    wait_for_valid_index(&client, Duration::from_secs(10)).await;
}

#[tokio::test]
async fn an_invalid_search_index_left_by_a_failed_build_is_built_again() {
    let database = TestDatabase::create().await;
    let client = database.client().await;
    let mut dird = daemon(&database.uri()).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    assert_eq!(search_index_valid(&client).await, Some(true));
    dird.stop();
    // What an interrupted CREATE INDEX CONCURRENTLY leaves behind.
    client
        .batch_execute(
            "UPDATE pg_index SET indisvalid = false \
             WHERE indexrelid = 'dird_contact_fields__idx__unaccent_value_trgm'::regclass",
        )
        .await
        .expect("invalidate");
    assert_eq!(search_index_valid(&client).await, Some(false));
    let dird = daemon(&database.uri()).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    wait_for_valid_index(&client, Duration::from_secs(10)).await;
}

/// A pool larger than a third of PostgreSQL's `max_connections` is warned about at start, and a
/// connection PostgreSQL refuses answers 503 with, in the body and the log, PostgreSQL's own reason
/// (tokio-postgres alone says "db error"). The daemon runs as a role limited to 3 connections,
/// owner of its database (the machine's server, trust authentication).
#[tokio::test]
async fn a_refused_connection_says_postgresqls_reason_and_a_large_pool_is_warned_about() {
    let database = TestDatabase::create().await;
    let role = format!("dird_limited_{}", uuid::Uuid::new_v4().simple());
    let admin = database.client().await;
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN CONNECTION LIMIT 3; \
             ALTER DATABASE {} OWNER TO {role}; ALTER SCHEMA public OWNER TO {role}",
            database.name
        ))
        .await
        .expect("a limited role");
    let mut uri = url::Url::parse(&database.uri()).expect("uri");
    uri.set_username(&role).expect("username");
    let max: i32 = admin
        .query_one("SELECT current_setting('max_connections')::int", &[])
        .await
        .expect("max_connections")
        .get(0);
    let dir = integration_tests::daemon::shared_tempdir();
    let auth = static_auth(dir.path(), TOKENS);
    let pool = i64::from(max) / 3 + 1;
    let config = base_config(
        free_port(),
        json!({"db_uri": uri.as_str(), "auth": auth, "db_pool_size": pool}),
    );
    let dird = Daemon::start_in(dir, config, &[]).await;
    dird.wait_for_status("t", "database", "ok", Duration::from_secs(15))
        .await;
    assert!(
        dird.stderr()
            .contains("db_pool_size exceeds a third of PostgreSQL's max_connections"),
        "{}",
        dird.stderr()
    );
    // Twenty writes at once want more connections than the role may open.
    let writes = (0..20).map(|i| {
        let body = json!({"name": format!("d{i}"), "columns": [{"field": "fn"}]}).to_string();
        let dird = &dird;
        async move {
            dird.send(
                reqwest::Method::POST,
                "/0.1/displays",
                "t",
                None,
                Some(&body),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(writes).await;
    let refused: Vec<&Value> = answers
        .iter()
        .filter(|(status, _)| *status == 503)
        .map(|(_, body)| body)
        .collect();
    assert!(!refused.is_empty(), "{answers:?}");
    for body in &refused {
        assert!(
            body["details"]["reason"]
                .as_str()
                .is_some_and(|reason| reason.contains("too many connections for role")),
            "{body}"
        );
    }
    assert!(
        dird.stderr().contains("too many connections for role"),
        "{}",
        dird.stderr()
    );
    drop(dird);
    drop(admin);
    let cleanup = integration_tests::postgres::connect(&format!(
        "{}/postgres",
        integration_tests::postgres::server_uri()
    ))
    .await;
    drop(database);
    // The database goes with `database`; the role once nothing is left that it owns.
    for _ in 0..50 {
        if cleanup
            .batch_execute(&format!("DROP ROLE IF EXISTS {role}"))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
