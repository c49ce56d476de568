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

/// What this daemon adds to wazo-dird's schema, on every start (idempotent, nothing else changes):
/// a trigram index on the unaccented contact values, so that a lookup in a large phonebook is an
/// index scan instead of a scan of every field (`pg_trgm` serves `ILIKE '%term%'`). `unaccent()`
/// is only stable (its dictionary is looked up), so the index goes through an immutable wrapper
/// naming the dictionary; wazo-dird ignores both.
pub const SEARCH_INDEX: &str = r"
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION dird_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
CREATE INDEX IF NOT EXISTS dird_contact_fields__idx__unaccent_value_trgm
    ON dird_contact_fields USING gin (dird_unaccent(value) gin_trgm_ops);
";

async fn add_search_index(transaction: &tokio_postgres::Transaction<'_>) -> Result<(), String> {
    transaction
        .batch_execute(SEARCH_INDEX)
        .await
        .map_err(|e| format!("cannot add the contact search index: {e}"))
}

/// Brings the database to [`HEAD_REVISION`], or explains why it cannot.
pub async fn run(client: &mut Client) -> Result<(), String> {
    let transaction = client.transaction().await.map_err(|e| e.to_string())?;
    // Building indexes on a large wazo-dird database takes longer than db_statement_timeout.
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
                add_search_index(&transaction).await?;
                transaction.commit().await.map_err(|e| e.to_string())?;
                tracing::info!(revision = HEAD_REVISION, "database schema is up to date");
                Ok(())
            }
            Some(BASELINE_REVISION) => {
                let moved = transaction.execute(MOVE_TIMEOUT_INTO_OPTIONS, &[]).await.map_err(|e| e.to_string())?;
                transaction
                    .execute("UPDATE alembic_version_dird SET version_num = $1", &[&HEAD_REVISION])
                    .await
                    .map_err(|e| e.to_string())?;
                add_search_index(&transaction).await?;
                transaction.commit().await.map_err(|e| e.to_string())?;
                tracing::info!(from = BASELINE_REVISION, to = HEAD_REVISION, moved, "database migrated");
                Ok(())
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
    add_search_index(&transaction).await?;
    transaction.commit().await.map_err(|e| e.to_string())?;
    tracing::info!(revision = HEAD_REVISION, "database schema created");
    Ok(())
}
