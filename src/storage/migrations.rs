//! Creates wazo-dird's schema on an empty database, or takes over a wazo-dird database at the
//! revision we are compatible with, without touching its data.
//!
//! wazo-dird records its schema revision in `alembic_version_dird`. We create exactly the schema of
//! revision [`HEAD_REVISION`] (same tables, columns, constraints and index names), so that wazo-dird
//! and this daemon can take over each other's database.

use tokio_postgres::Client;

/// The wazo-dird schema revision this daemon creates and serves.
pub const HEAD_REVISION: &str = "5a67556fbbf1";

/// wazo-dird's baseline revision; its only successor, [`HEAD_REVISION`], is a data migration that
/// moves a profile service's top-level `timeout` into its `options`.
pub const BASELINE_REVISION: &str = "2adc8aff56ea";

/// The data migration from [`BASELINE_REVISION`] to [`HEAD_REVISION`]: a service config
/// `{"timeout": t, ...}` becomes `{"options": {"timeout": t, ...}, ...}`, an existing
/// `options.timeout` winning over the top-level one.
const MOVE_TIMEOUT_INTO_OPTIONS: &str = r"
UPDATE dird_profile_service
SET config = (
    (config::jsonb - 'timeout')
    || jsonb_build_object(
        'options',
        jsonb_build_object('timeout', config::jsonb -> 'timeout')
        || CASE WHEN jsonb_typeof(config::jsonb -> 'options') = 'object' THEN config::jsonb -> 'options' ELSE '{}'::jsonb END
    )
)::json
WHERE json_typeof(config) = 'object' AND config::jsonb ? 'timeout'
";

/// An arbitrary constant: the advisory lock that serialises migrations of several instances.
const MIGRATION_LOCK: i64 = 0x0d1d_0001;

const SCHEMA: &str = include_str!("schema.sql");

/// The name of the search index this daemon adds to wazo-dird's schema.
pub const SEARCH_INDEX_NAME: &str = "dird_contact_fields__idx__unaccent_value_trgm";

/// What this daemon adds to wazo-dird's schema (idempotent, nothing else changes): a trigram index
/// on the unaccented contact values, so that a lookup in a large phonebook is an index scan
/// instead of a scan of every field (`pg_trgm` serves `ILIKE '%term%'`). `unaccent()` is only
/// stable (its dictionary is looked up), so the index goes through an immutable wrapper naming the
/// dictionary; wazo-dird ignores both.
const SEARCH_FUNCTION: &str = r"
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION dird_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
";

fn search_index(concurrently: bool) -> String {
    let how = if concurrently { "CONCURRENTLY " } else { "" };
    format!(
        "CREATE INDEX {how}IF NOT EXISTS {SEARCH_INDEX_NAME} \
         ON dird_contact_fields USING gin (dird_unaccent(value) gin_trgm_ops)"
    )
}

/// Whether the search index exists and is valid (`None`: it does not exist).
async fn search_index_valid(client: &Client) -> Result<Option<bool>, String> {
    let row = client
        .query_opt(
            "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid \
             WHERE c.relname = $1",
            &[&SEARCH_INDEX_NAME],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.map(|row| row.get(0)))
}

/// Builds the search index of a database that was not empty, without blocking it: concurrently,
/// outside any transaction, so that writes to the contacts (ours and a wazo-dird's beside us) go on
/// while it is built. An invalid index left by a failed attempt is dropped and built again. Lookups
/// work without it (they are only slower), so the daemon serves meanwhile; the caller retries on
/// error.
pub async fn ensure_search_index(client: &Client) -> Result<(), String> {
    if search_index_valid(client).await? == Some(true) {
        return Ok(());
    }
    // Minutes on a large database: no statement timeout for this session's statements.
    client
        .batch_execute("SET statement_timeout = 0")
        .await
        .map_err(|e| e.to_string())?;
    let built = async {
        client
            .batch_execute(SEARCH_FUNCTION)
            .await
            .map_err(|e| format!("cannot add the search function: {e}"))?;
        if search_index_valid(client).await? == Some(false) {
            tracing::warn!(index = SEARCH_INDEX_NAME, "dropping the invalid index a failed build left");
            client
                .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {SEARCH_INDEX_NAME}"))
                .await
                .map_err(|e| format!("cannot drop the invalid search index: {e}"))?;
        }
        tracing::info!(index = SEARCH_INDEX_NAME, "building the contact search index (concurrently)");
        let started = std::time::Instant::now();
        client
            .batch_execute(&search_index(true))
            .await
            .map_err(|e| format!("cannot build the contact search index: {e}"))?;
        tracing::info!(index = SEARCH_INDEX_NAME, took = ?started.elapsed(), "contact search index built");
        Ok::<(), String>(())
    }
    .await;
    let reset = client.batch_execute("RESET statement_timeout").await;
    built?;
    reset.map_err(|e| e.to_string())
}

/// What [`run`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrated {
    /// An empty database got the whole schema, search index included.
    Created,
    /// A wazo-dird database was taken over (migrated or already at the head revision); its search
    /// index is left to [`ensure_search_index`].
    TakenOver,
}

/// Brings the database to [`HEAD_REVISION`], or explains why it cannot.
pub async fn run(client: &mut Client) -> Result<Migrated, String> {
    let transaction = client.transaction().await.map_err(|e| e.to_string())?;
    // A data migration of a large wazo-dird database may take longer than db_statement_timeout.
    transaction
        .batch_execute("SET LOCAL statement_timeout = 0")
        .await
        .map_err(|e| e.to_string())?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(|e| e.to_string())?;
    let version_table: Option<String> = transaction
        .query_one("SELECT to_regclass('alembic_version_dird')::text", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    if version_table.is_some() {
        let row = transaction
            .query_opt("SELECT version_num FROM alembic_version_dird", &[])
            .await
            .map_err(|e| e.to_string())?;
        let revision: Option<String> = row.map(|r| r.get(0));
        return match revision.as_deref() {
            Some(HEAD_REVISION) => {
                transaction.commit().await.map_err(|e| e.to_string())?;
                tracing::info!(revision = HEAD_REVISION, "database schema is up to date");
                Ok(Migrated::TakenOver)
            }
            Some(BASELINE_REVISION) => {
                let moved = transaction.execute(MOVE_TIMEOUT_INTO_OPTIONS, &[]).await.map_err(|e| e.to_string())?;
                transaction
                    .execute("UPDATE alembic_version_dird SET version_num = $1", &[&HEAD_REVISION])
                    .await
                    .map_err(|e| e.to_string())?;
                transaction.commit().await.map_err(|e| e.to_string())?;
                tracing::info!(from = BASELINE_REVISION, to = HEAD_REVISION, moved, "database migrated");
                Ok(Migrated::TakenOver)
            }
            other => Err(format!(
                "the database is at wazo-dird revision {}; this daemon serves revision {HEAD_REVISION}: \
                 upgrade it with wazo-dird first",
                other.unwrap_or("(none)")
            )),
        };
    }
    let existing: Option<String> = transaction
        .query_one("SELECT to_regclass('dird_source')::text", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    if existing.is_some() {
        return Err("the database has dird tables but no alembic_version_dird: refusing to guess its revision".into());
    }
    transaction
        .batch_execute(SCHEMA)
        .await
        .map_err(|e| format!("cannot create the schema: {e}"))?;
    transaction
        .execute(
            "INSERT INTO alembic_version_dird (version_num) VALUES ($1)",
            &[&HEAD_REVISION],
        )
        .await
        .map_err(|e| e.to_string())?;
    // The tables are empty: the index is built at once, in the same transaction.
    transaction
        .batch_execute(&format!("{SEARCH_FUNCTION}{};", search_index(false)))
        .await
        .map_err(|e| format!("cannot add the contact search index: {e}"))?;
    transaction.commit().await.map_err(|e| e.to_string())?;
    tracing::info!(revision = HEAD_REVISION, "database schema created");
    Ok(Migrated::Created)
}
