//! The read model of stored contacts: a user's personal contacts and a phonebook's contacts are the
//! same rows (`dird_contact`, `dird_contact_fields`) owned by a user or a phonebook, read here for
//! both the lookups of the `personal` and `phonebook` backends and the resources that serve them.
//!
//! Lookups (search, exact match, by id) are answered from the owner's in-memory copy when it is
//! current (`storage::contact_cache`), else in SQL (`dird_unaccent(value) ILIKE
//! dird_unaccent('%term%')`, served by the trigram index; equality of values, served by the index on
//! `value`). Reads for the API (every contact, one contact) always go to SQL.

use crate::numbers::Caller;
use crate::storage::contact_cache::Snapshot;
pub use crate::storage::contact_cache::{Change, Contact, Owner};
use crate::storage::{Storage, StorageError};
use crate::text::like_literal;
use deadpool_postgres::GenericClient;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// An in-memory scan of more rows than this runs on a blocking thread: a few milliseconds of CPU
/// on a runtime thread would delay the timers (deadlines, probes) of every source on that thread.
pub const BLOCKING_SCAN_ROWS: usize = 20_000;

/// Runs `work`, a scan of `rows` rows, on a blocking thread when it is large, else in place.
pub async fn scan<T: Send + 'static>(
    rows: usize,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    if rows <= BLOCKING_SCAN_ROWS {
        return Ok(work());
    }
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => Ok(done),
        // A panic stays a panic: the supervisor treats it as the worker's.
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(error) => Err(format!("the scan was cancelled: {error}")),
    }
}

/// What a lookup asks of an owner's contacts.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// A field among `columns` contains `term` (case- and accent-insensitive).
    Search { columns: Vec<String>, term: String },
    /// A field among `columns` equals one of `values`.
    Matching {
        columns: Vec<String>,
        values: Vec<String>,
    },
    /// The contacts whose fields may hold one of these numbers in some form (exact, E.164, last
    /// digits; the caller compares them by tier on its columns).
    Numbers {
        columns: Vec<String>,
        callers: Arc<[Caller]>,
    },
    /// The contacts whose names in `columns` spell `digits` on a keypad ([`crate::text::t9`]).
    /// In SQL (a cold copy) within one field and not by initials, until the copy is loaded.
    Dial {
        columns: Vec<String>,
        digits: String,
    },
    /// The contacts whose id is among these.
    ByIds(Vec<String>),
}

/// How many lookups of one source a cold copy (not loaded yet, or dropped for the memory bound)
/// sends to PostgreSQL at once. The others skip the source at once rather than queue for the
/// database: a burst of lookups during a load costs those lookups this source's results, never a
/// pile of queries (each instance's pool and PostgreSQL's `max_connections` stay free for writes).
pub const COLD_LOOKUPS: usize = 4;

/// The contacts of `owner` that `lookup` asks for; `None` when the owner's copy is cold and `cold`
/// (the source's bound on such lookups) has no permit left. Without copies at all
/// (`contact_cache.enabled: false`) every lookup goes to PostgreSQL, unbounded, as wazo-dird's.
pub async fn lookup(
    storage: &Storage,
    owner: &Owner,
    lookup: Lookup,
    cold: &tokio::sync::Semaphore,
) -> Result<Option<Vec<Contact>>, StorageError> {
    if let Some(copy) = copy(storage, owner) {
        return from_copy(copy, lookup).await.map(Some);
    }
    let _permit = match storage.contact_cache() {
        Some(_) => match cold.try_acquire() {
            Ok(permit) => Some(permit),
            Err(_) => return Ok(None),
        },
        None => None,
    };
    in_sql(storage, owner, lookup).await.map(Some)
}

async fn in_sql(
    storage: &Storage,
    owner: &Owner,
    lookup: Lookup,
) -> Result<Vec<Contact>, StorageError> {
    let client = storage.client().await?;
    let id = owner.id();
    match lookup {
        Lookup::Search { columns, term } => {
            let pattern = format!("%{}%", like_literal(&term));
            // A term written as a number also finds the values written as numbers by their digits.
            let digits = crate::numbers::Needle::new(&term, str::to_owned)
                .digits
                .map(|digits| format!("%{digits}%"));
            let condition = "EXISTS (SELECT 1 FROM dird_contact_fields s WHERE s.contact_uuid = c.uuid \
                             AND s.name = ANY($2) AND (dird_unaccent(s.value) ILIKE dird_unaccent($3) \
                             OR ($4::text IS NOT NULL AND s.value ~ $5 \
                             AND regexp_replace(s.value, '[^0-9]', '', 'g') LIKE $4)))";
            let number = NUMBER_PATTERN;
            where_(
                &client,
                owner,
                condition,
                &[&id, &columns, &pattern, &digits, &number],
            )
            .await
        }
        Lookup::Dial { columns, digits } => {
            let pattern = crate::text::t9::pattern(&digits);
            let condition =
                "EXISTS (SELECT 1 FROM dird_contact_fields s WHERE s.contact_uuid = c.uuid \
                             AND s.name = ANY($2) AND lower(dird_unaccent(s.value)) ~ $3)";
            where_(&client, owner, condition, &[&id, &columns, &pattern]).await
        }
        Lookup::Matching { columns, values } => {
            // The matching values drive (index on `value`), not the owner's contacts.
            let condition = "c.uuid = ANY(ARRAY(SELECT s.contact_uuid FROM dird_contact_fields s \
                             WHERE s.name = ANY($2) AND s.value = ANY($3)))";
            where_(&client, owner, condition, &[&id, &columns, &values]).await
        }
        Lookup::Numbers { columns, callers } => {
            // The exact forms drive through the index on `value`; the owner's numbers written
            // otherwise are compared by their last digits.
            let forms = crate::backends::forms_of(&callers);
            let suffixes: Vec<String> = callers
                .iter()
                .filter_map(|c| c.keys.as_ref()?.suffix.clone())
                .collect();
            let condition = "(c.uuid = ANY(ARRAY(SELECT s.contact_uuid FROM dird_contact_fields s \
                             WHERE s.name = ANY($2) AND s.value = ANY($3))) \
                             OR (cardinality($4::text[]) > 0 AND EXISTS (SELECT 1 FROM dird_contact_fields s \
                             WHERE s.contact_uuid = c.uuid AND s.name = ANY($2) \
                             AND regexp_replace(s.value, '[^0-9]', '', 'g') LIKE ANY(ARRAY(SELECT '%' || x FROM unnest($4::text[]) x)))))";
            where_(
                &client,
                owner,
                condition,
                &[&id, &columns, &forms, &suffixes],
            )
            .await
        }
        Lookup::ByIds(ids) => where_(&client, owner, "c.uuid = ANY($2)", &[&id, &ids]).await,
    }
}

/// A value written as a number, as PostgreSQL's regular expressions say it
/// ([`crate::numbers::looks_like_number`]).
const NUMBER_PATTERN: &str =
    "^\\s*\\+?[0-9 ./()\u{a0}\u{202f}\t-]*[0-9][0-9 ./()\u{a0}\u{202f}\t-]*\\s*$";

/// Refreshes the planner's statistics of the contact tables after a bulk write (an import), so
/// that the next lookups in SQL use the indexes at once instead of at autovacuum's next pass: on a
/// freshly imported phonebook of 300 contacts a lookup's plan took 266 to 383 ms before, 1.4 ms
/// after. A failure is logged; the write it follows stands.
pub async fn analyze(client: &impl GenericClient) {
    if let Err(error) = client
        .batch_execute("ANALYZE dird_contact, dird_contact_fields")
        .await
    {
        tracing::warn!(%error, "cannot analyze the contact tables after an import");
    }
}

/// Every contact of `owner` (SQL).
pub async fn all(client: &impl GenericClient, owner: &Owner) -> Result<Vec<Contact>, StorageError> {
    where_(client, owner, "TRUE", &[&owner.id()]).await
}

/// The contact `id` of `owner`, if it has it (SQL).
pub async fn get(
    client: &impl GenericClient,
    owner: &Owner,
    id: &str,
) -> Result<Option<Contact>, StorageError> {
    Ok(where_(client, owner, "c.uuid = $2", &[&owner.id(), &id])
        .await?
        .into_iter()
        .next())
}

/// Records a committed change of `owner`'s contacts: its in-memory copy, if any, shows it when
/// this returns (the changed contacts are read again by id).
pub async fn changed(storage: &Storage, owner: &Owner, change: Change) {
    if let Some(cache) = storage.contact_cache() {
        cache.apply(owner, change, fetch(storage, owner)).await;
    }
}

/// Loads the owner's in-memory copy, if there is none yet; answers once it is loaded or its load
/// failed (logged).
pub async fn warm_up(storage: &Storage, owner: &Owner) {
    if let Some(cache) = storage.contact_cache() {
        cache.loaded(owner, fetch(storage, owner)).await;
    }
}

/// The owner's current in-memory copy, if any (its load starts otherwise).
fn copy(storage: &Storage, owner: &Owner) -> Option<Arc<Snapshot>> {
    storage
        .contact_cache()?
        .snapshot(owner, fetch(storage, owner))
}

/// Reads `owner`'s contacts for its copy: all of them, or those among some ids.
fn fetch(
    storage: &Storage,
    owner: &Owner,
) -> impl Fn(
    Option<Vec<String>>,
) -> futures_util::future::BoxFuture<'static, Result<Vec<Contact>, String>>
       + Send
       + Sync
       + 'static {
    let (storage, owner) = (storage.clone(), owner.clone());
    move |ids: Option<Vec<String>>| {
        let (storage, owner) = (storage.clone(), owner.clone());
        Box::pin(async move {
            let client = storage.client().await.map_err(|e| e.to_string())?;
            let read = match ids {
                None => all(&client, &owner).await,
                Some(ids) => {
                    where_(&client, &owner, "c.uuid = ANY($2)", &[&owner.id(), &ids]).await
                }
            };
            read.map_err(|e| e.to_string())
        })
    }
}

async fn from_copy(copy: Arc<Snapshot>, lookup: Lookup) -> Result<Vec<Contact>, StorageError> {
    Ok(match lookup {
        Lookup::Search { columns, term } => scan(copy.len(), move || copy.search(&columns, &term))
            .await
            .map_err(StorageError::Unavailable)?,
        Lookup::Matching { columns, values } => copy.matching(&columns, &values),
        Lookup::Numbers { callers, .. } => scan(copy.len(), move || copy.numbers(&callers))
            .await
            .map_err(StorageError::Unavailable)?,
        Lookup::Dial { columns, digits } => scan(copy.len(), move || copy.dial(&columns, &digits))
            .await
            .map_err(StorageError::Unavailable)?,
        Lookup::ByIds(ids) => copy.by_ids(&ids),
    })
}

impl Owner {
    fn id(&self) -> &str {
        match self {
            Owner::User(id) | Owner::Phonebook(id) => id,
        }
    }

    /// The condition on `c` (a `dird_contact` row) that it belongs to the owner `$1`.
    fn condition(&self) -> &'static str {
        match self {
            Owner::User(_) => "c.user_uuid = $1",
            Owner::Phonebook(_) => "c.phonebook_uuid = $1::text::uuid",
        }
    }
}

/// The contacts of `owner` satisfying `condition` (on `c`; `$1` is the owner), with all their
/// fields in the order they were stored ([`assemble`]).
async fn where_(
    client: &impl GenericClient,
    owner: &Owner,
    condition: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<Contact>, StorageError> {
    let sql = format!(
        "SELECT f.contact_uuid, f.name, f.value FROM dird_contact_fields f \
         WHERE f.contact_uuid IN (SELECT c.uuid FROM dird_contact c WHERE {} AND {condition}) \
         ORDER BY f.id",
        owner.condition()
    );
    let rows = client
        .query(&sql, params)
        .await
        .map_err(StorageError::Query)?;
    Ok(assemble(&rows, owner).into_values().collect())
}

/// The contacts of `owner` by uuid, from `(contact_uuid, name, value)` rows in stored order. A
/// personal contact's missing value reads as `""`, a phonebook contact's as `null`.
pub(crate) fn assemble(rows: &[tokio_postgres::Row], owner: &Owner) -> BTreeMap<String, Contact> {
    let missing = match owner {
        Owner::User(_) => || Value::String(String::new()),
        Owner::Phonebook(_) => || Value::Null,
    };
    let mut contacts: BTreeMap<String, Contact> = BTreeMap::new();
    for row in rows {
        let uuid: String = row.get(0);
        let contact = contacts
            .entry(uuid.clone())
            .or_insert_with(|| Contact::from_iter([("id".to_owned(), Value::String(uuid))]));
        let value: Option<String> = row.get(2);
        contact.insert(row.get(1), value.map_or_else(missing, Value::String));
    }
    contacts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn large_scans_leave_the_runtime_thread_and_small_ones_stay() {
        let here = std::thread::current().id();
        let small = scan(10, move || std::thread::current().id()).await;
        assert_eq!(small.ok(), Some(here));
        let large = scan(BLOCKING_SCAN_ROWS + 1, move || std::thread::current().id()).await;
        assert!(large.is_ok_and(|there| there != here));
    }
}
