//! Reading and querying the CSV file.

use super::CsvConfig;
use crate::backends::{Answer, Caller, NumberHits};
use crate::backends::{Backend, Context, Fields, RawContact, SourceSpec};
use crate::numbers::{Countries, LazyIndex, Needle, NumberIndex, Rule};
use crate::text::fold;
use crate::text::t9::T9Index;
use crate::text::trigram::TrigramIndex;
use actors::Failure;
use serde_json::Value;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// The rows of the file as of its last modification, with a trigram index of their searched columns.
#[derive(Debug)]
struct Table {
    modified: Option<SystemTime>,
    rows: Vec<Row>,
    index: TrigramIndex,
    /// Each value of the first-matched columns, to the rows holding it (in file order): a reverse
    /// lookup is one hash probe, not a scan.
    exact: std::collections::HashMap<String, Vec<u32>>,
    /// The same values by E.164 number and last digits, in the tenant's rule.
    numbers: LazyIndex,
    /// The names of the searched name columns, for dial-pad searches.
    t9: T9Index,
}

#[derive(Debug)]
struct Row {
    fields: Fields,
    /// Folded values of the searched columns, for case- and accent-insensitive search.
    searchable: Vec<String>,
    /// The digits of the searched values written as numbers, for lookups by digits.
    numbers: Vec<String>,
}

/// A `csv` source.
#[derive(Debug)]
pub struct CsvBackend {
    spec: Arc<SourceSpec>,
    config: CsvConfig,
    table: RwLock<Arc<Table>>,
    countries: Arc<Countries>,
}

pub(super) async fn build(
    spec: Arc<SourceSpec>,
    config: CsvConfig,
    countries: Arc<Countries>,
) -> Result<Arc<dyn Backend>, String> {
    let rule = countries.rule(&spec.tenant_uuid);
    let table = load(spec.clone(), config.clone(), rule).await?;
    Ok(Arc::new(CsvBackend {
        spec,
        config,
        table: RwLock::new(Arc::new(table)),
        countries,
    }) as Arc<dyn Backend>)
}

/// The file read and indexed, its numbers in `rule`.
async fn load(spec: Arc<SourceSpec>, config: CsvConfig, rule: Rule) -> Result<Table, String> {
    tokio::task::spawn_blocking(move || read_table(&spec, &config, rule))
        .await
        .map_err(|e| format!("reading the file failed: {e}"))?
}

fn read_table(spec: &SourceSpec, config: &CsvConfig, rule: Rule) -> Result<Table, String> {
    let path = &config.file;
    let started = std::time::Instant::now();
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let separator = config.separator.bytes().next().unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header row of {path}: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{path}: {e}"))?;
        let fields: Fields = headers
            .iter()
            .zip(record.iter())
            .map(|(header, value)| (header.clone(), Value::String(value.to_owned())))
            .collect();
        let searched = || {
            let columns = spec.searched_columns.iter();
            columns.filter_map(|column| fields.get(column).and_then(Value::as_str))
        };
        let searchable = searched().map(fold).collect();
        let numbers = searched()
            .filter_map(crate::numbers::number_digits)
            .collect();
        rows.push(Row {
            fields,
            searchable,
            numbers,
        });
    }
    let read_ms = started.elapsed().as_millis();
    let index = TrigramIndex::build(rows.iter().map(|row| {
        row.searchable
            .iter()
            .chain(&row.numbers)
            .map(String::as_str)
    }));
    let names = crate::backends::name_columns(spec);
    let t9 = T9Index::build(
        rows.iter()
            .map(|row| crate::backends::t9_name(&names, &row.fields)),
    );
    let mut exact: std::collections::HashMap<String, Vec<u32>> = std::collections::HashMap::new();
    for (position, row) in rows.iter().enumerate() {
        let position = u32::try_from(position).unwrap_or(u32::MAX);
        for column in &spec.first_matched_columns {
            if let Some(value) = row.fields.get(column).and_then(Value::as_str) {
                let holders = exact.entry(value.to_owned()).or_default();
                if holders.last() != Some(&position) {
                    holders.push(position);
                }
            }
        }
    }
    let numbers = LazyIndex::built(number_index(&rows, spec, rule));
    // What loading costs: reading, then the trigram, exact, number and dial-pad indexes.
    let indexed_ms = started.elapsed().as_millis() - read_ms;
    tracing::info!(source = %spec.name, rows = rows.len(), file = %path, read_ms, indexed_ms, "csv file loaded");
    Ok(Table {
        modified,
        rows,
        index,
        exact,
        numbers,
        t9,
    })
}

/// The numbers of the first-matched columns of `rows`, keyed in `rule`.
fn number_index(rows: &[Row], spec: &SourceSpec, rule: Rule) -> NumberIndex {
    NumberIndex::build(
        rule,
        rows.iter().map(|row| {
            spec.first_matched_columns
                .iter()
                .filter_map(|column| row.fields.get(column).and_then(Value::as_str))
        }),
    )
}

impl Table {
    /// `caller`'s rows by tier: the exact string, then the index of its numbers (keyed again
    /// first if the tenant's country changed).
    fn tiers(&self, spec: &SourceSpec, caller: &Caller) -> crate::numbers::Tiers<RawContact> {
        let index = self
            .numbers
            .get(caller.rule, |rule| number_index(&self.rows, spec, rule));
        let mut rows = index.find(caller);
        rows.exact = self.exact.get(&caller.raw).and_then(|r| r.first().copied());
        rows.map(|row| {
            self.rows
                .get(row as usize)
                .map(|row| RawContact::from_fields(row.fields.clone()))
                .unwrap_or_default()
        })
    }

    /// The first row (in file order) whose first-matched columns hold `exten`.
    fn first_holding(&self, exten: &str) -> Option<&Row> {
        let position = *self.exact.get(exten)?.first()?;
        self.rows.get(position as usize)
    }
}

impl CsvBackend {
    /// The rows as last read.
    fn current(&self) -> Result<Arc<Table>, Failure> {
        self.table
            .read()
            .map(|t| Arc::clone(&t))
            .map_err(|_| Failure::Broken("lock poisoned".into()))
    }

    /// The current rows, re-read first when the file changed since the last read.
    async fn table(&self) -> Result<Arc<Table>, Failure> {
        let current = self.current()?;
        let modified = std::fs::metadata(&self.config.file)
            .and_then(|m| m.modified())
            .map_err(|e| Failure::Broken(format!("cannot read {}: {e}", self.config.file)))?;
        if current.modified == Some(modified) {
            return Ok(current);
        }
        let rule = self.countries.rule(&self.spec.tenant_uuid);
        let fresh = Arc::new(
            load(Arc::clone(&self.spec), self.config.clone(), rule)
                .await
                .map_err(Failure::Broken)?,
        );
        if let Ok(mut table) = self.table.write() {
            *table = Arc::clone(&fresh);
        }
        tracing::info!(source = %self.spec.name, rows = fresh.rows.len(), "csv file changed: reloaded");
        Ok(fresh)
    }
}

impl Backend for CsvBackend {
    fn search(self: Arc<Self>, term: String, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            let table = self.table().await?;
            let needle = Needle::new(&term, fold);
            // A large file's search (its trigram candidates included) leaves the runtime thread.
            crate::contacts::scan(table.rows.len(), move || {
                table
                    .index
                    .candidates_of_any(needle.needles())
                    .into_iter()
                    .filter_map(|position| table.rows.get(position as usize))
                    .filter(|row| {
                        let texts = row.searchable.iter().map(String::as_str);
                        needle.found_in(texts, row.numbers.iter().map(String::as_str))
                    })
                    .map(|row| RawContact::from_fields(row.fields.clone()))
                    .collect()
            })
            .await
            .map_err(Failure::Request)
        })
    }

    fn first_match(self: Arc<Self>, exten: String, _: Context) -> Answer<Option<RawContact>> {
        Box::pin(async move {
            let table = self.table().await?;
            Ok(table
                .first_holding(&exten)
                .map(|row| RawContact::from_fields(row.fields.clone())))
        })
    }

    fn match_all(
        self: Arc<Self>,
        extens: Vec<String>,
        _: Context,
    ) -> Answer<std::collections::HashMap<String, RawContact>> {
        Box::pin(async move {
            let table = self.table().await?;
            let mut found = std::collections::HashMap::new();
            for exten in extens {
                if let Some(row) = table.first_holding(&exten) {
                    found.insert(exten, RawContact::from_fields(row.fields.clone()));
                }
            }
            Ok(found)
        })
    }

    fn match_numbers(self: Arc<Self>, numbers: Arc<[Caller]>, _: Context) -> Answer<NumberHits> {
        Box::pin(async move {
            let table = self.table().await?;
            // After a change of the tenant's country the numbers are keyed again (about 0.1 s
            // for 20,000 numbers): on a blocking thread, not the sources' runtime.
            let stale = numbers.iter().any(|c| !table.numbers.is_in(c.rule));
            let spec = Arc::clone(&self.spec);
            let tiers = move || numbers.iter().map(|c| table.tiers(&spec, c)).collect();
            if !stale {
                return Ok(NumberHits::Tiered(tiers()));
            }
            let tiers = tokio::task::spawn_blocking(tiers)
                .await
                .map_err(|e| Failure::Request(format!("keying the numbers failed: {e}")))?;
            Ok(NumberHits::Tiered(tiers))
        })
    }

    /// From the rows as last read: a dial-pad search also runs the ordinary `search`, which reads
    /// the file again when it changed (one `stat` a request, not two).
    fn search_t9(self: Arc<Self>, digits: String, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            let table = self.current()?;
            let rows = table.t9.candidates(&digits).into_iter();
            Ok(rows
                .filter_map(|position| table.rows.get(position as usize))
                .map(|row| RawContact::from_fields(row.fields.clone()))
                .collect())
        })
    }

    fn list(self: Arc<Self>, ids: Vec<String>, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            let Some(unique) = self.config.unique_column.clone() else {
                return Ok(Vec::new());
            };
            let table = self.table().await?;
            Ok(table
                .rows
                .iter()
                .filter(|row| {
                    row.fields
                        .get(&unique)
                        .and_then(Value::as_str)
                        .is_some_and(|id| ids.iter().any(|i| i == id))
                })
                .map(|row| RawContact::from_fields(row.fields.clone()))
                .collect())
        })
    }

    fn unique_column(&self) -> Option<&str> {
        self.config.unique_column.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn spec(file: &std::path::Path, separator: &str) -> Arc<SourceSpec> {
        let extra =
            serde_json::json!({"file": file, "separator": separator, "unique_column": "id"});
        Arc::new(SourceSpec {
            uuid: "u".into(),
            tenant_uuid: "t".into(),
            name: "my_csv".into(),
            backend: "csv".into(),
            searched_columns: vec!["firstname".into(), "lastname".into()],
            first_matched_columns: vec!["number".into(), "mobile".into()],
            format_columns: BTreeMap::new(),
            extra_fields: extra.as_object().cloned().unwrap_or_default(),
            timeout: None,
        })
    }

    fn deps() -> crate::backends::Deps {
        crate::backends::Deps {
            storage: crate::storage::Storage::new(
                None,
                2,
                Some(usize::MAX),
                std::time::Duration::from_secs(30),
                std::time::Duration::ZERO,
            )
            .expect("no storage"),
            confd: std::sync::Arc::new(crate::backends::confd::ConfdHub::new(None)),
            cloud: std::sync::Arc::default(),
            countries: std::sync::Arc::default(),
        }
    }

    /// Built as the source actors build it: the stored fields read by the kind.
    async fn kind_build(spec: Arc<SourceSpec>) -> Result<Arc<dyn Backend>, String> {
        let csv = crate::backends::kind("csv").expect("csv");
        csv.build(spec, deps()).await
    }

    fn names(contacts: &[RawContact]) -> Vec<String> {
        let mut names: Vec<String> = contacts
            .iter()
            .map(|c| {
                c.fields["firstname"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        names.sort();
        names
    }

    /// The first names `backend` finds for `term`, sorted.
    async fn found(backend: &Arc<dyn Backend>, term: &str) -> Vec<String> {
        let results = Arc::clone(backend)
            .search(term.into(), Context::default())
            .await
            .expect("search");
        names(&results)
    }

    #[tokio::test]
    async fn searches_matches_and_lists() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("contacts.csv");
        std::fs::write(&file, "id|firstname|lastname|number|mobile\n1|Alice|Martin|1001|\n2|Élodie|Béranger|1002|+33600\n3|Bob|Marley|1003|\n")
            .expect("write");
        let backend = kind_build(spec(&file, "|")).await.expect("built");
        assert_eq!(found(&backend, "mar").await, ["Alice", "Bob"]);
        assert_eq!(found(&backend, "ELO").await, ["Élodie"]);
        assert_eq!(found(&backend, "beranger").await, ["Élodie"]);
        let context = Context::default();
        let first = |exten: &str| Arc::clone(&backend).first_match(exten.into(), context.clone());
        let hit = first("+33600").await.expect("match");
        assert_eq!(hit.expect("found").fields["id"], "2");
        assert!(first("100").await.expect("match").is_none(), "exact only");
        let extens = vec!["1001".into(), "9".into(), "1003".into()];
        let all = Arc::clone(&backend)
            .match_all(extens, context.clone())
            .await
            .expect("all");
        assert_eq!(all.len(), 2);
        let listed = Arc::clone(&backend)
            .list(vec!["3".into(), "1".into()], context)
            .await
            .expect("list");
        assert_eq!(names(&listed), ["Alice", "Bob"]);
    }

    #[tokio::test]
    async fn a_changed_file_is_read_again_and_a_missing_one_breaks_the_backend() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("contacts.csv");
        std::fs::write(
            &file,
            "id|firstname|lastname|number|mobile\n1|Alice|Martin|1001|\n",
        )
        .expect("write");
        let backend = kind_build(spec(&file, "|")).await.expect("built");
        assert_eq!(found(&backend, "mar").await, ["Alice"]);
        // A later modification time: the next request reads the file again.
        std::fs::write(
            &file,
            "id|firstname|lastname|number|mobile\n4|Marc|Dupont|1004|\n",
        )
        .expect("rewrite");
        let modified = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_modified(modified))
            .expect("touch");
        assert_eq!(found(&backend, "mar").await, ["Marc"]);
        // A file that disappears breaks the backend (its actor is rebuilt with backoff).
        std::fs::remove_file(&file).expect("rm");
        assert!(matches!(
            Arc::clone(&backend)
                .search("x".into(), Context::default())
                .await,
            Err(Failure::Broken(_))
        ));
    }

    #[tokio::test]
    async fn a_missing_file_cannot_build() {
        let error = kind_build(spec(std::path::Path::new("/nonexistent/contacts.csv"), ","))
            .await
            .expect_err("fails");
        assert!(error.contains("/nonexistent/contacts.csv"), "{error}");
    }
}
