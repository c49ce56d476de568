//! Querying the web service. A web service that cannot be reached breaks the source (its actor is
//! rebuilt with backoff and skipped meanwhile); a slow one costs its timeout; any answer but 200
//! means no contact (the reference web service answers 404 when nothing matches).

use super::config::CsvWsConfig;
use crate::backends::Answer;
use crate::backends::{Backend, Context, Fields, RawContact, SourceSpec};
use actors::Failure;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Seconds of a request when the source sets no `timeout` (wazo-dird's default).
const DEFAULT_TIMEOUT: f64 = 10.0;

#[derive(Debug)]
struct CsvWsBackend {
    spec: Arc<SourceSpec>,
    config: CsvWsConfig,
    http: reqwest::Client,
}

pub(super) async fn build(
    spec: Arc<SourceSpec>,
    config: CsvWsConfig,
) -> Result<Arc<dyn Backend>, String> {
    let timeout = Duration::from_secs_f64(spec.timeout.unwrap_or(DEFAULT_TIMEOUT));
    let http = crate::backends::http::client(timeout, &config.verify_certificate).await?;
    Ok(Arc::new(CsvWsBackend { spec, config, http }) as Arc<dyn Backend>)
}

/// Splits a CSV answer into rows keyed by the header row; empty lines are skipped.
fn parse(text: &str, delimiter: u8) -> Vec<Fields> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return Vec::new();
    };
    reader
        .records()
        .filter_map(Result::ok)
        .filter(|record| record.iter().any(|cell| !cell.is_empty()))
        .map(|record| {
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), Value::String(v.to_owned())))
                .collect()
        })
        .collect()
}

impl CsvWsBackend {
    /// GETs `url` with `params`: the rows of a 200 answer, nothing for any other status.
    async fn fetch(&self, url: &str, params: &[(String, String)]) -> Result<Vec<Fields>, Failure> {
        let response = self
            .http
            .get(url)
            .query(params)
            .send()
            .await
            .map_err(|error| {
                let message = format!("{}: {error}", self.spec.name);
                if error.is_connect() {
                    Failure::Broken(message)
                } else {
                    Failure::Request(message)
                }
            })?;
        if response.status() != reqwest::StatusCode::OK {
            return Ok(Vec::new());
        }
        // The charset of the Content-Type decides; `text/*` without one is ISO-8859-1 (HTTP/1.1).
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let default_charset = if content_type.starts_with("text/") {
            "iso-8859-1"
        } else {
            "utf-8"
        };
        let text = response
            .text_with_charset(default_charset)
            .await
            .map_err(|e| Failure::Request(e.to_string()))?;
        Ok(parse(
            &text,
            self.config.delimiter.bytes().next().unwrap_or(b','),
        ))
    }

    fn params(columns: &[String], value: &str) -> Vec<(String, String)> {
        columns
            .iter()
            .map(|column| (column.clone(), value.to_owned()))
            .collect()
    }

    fn exact(&self, row: &Fields, exten: &str) -> bool {
        self.spec
            .first_matched_columns
            .iter()
            .any(|column| row.get(column).and_then(Value::as_str) == Some(exten))
    }
}

impl Backend for CsvWsBackend {
    fn search(self: Arc<Self>, term: String, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            let params = Self::params(&self.spec.searched_columns, &term);
            let rows = self.fetch(&self.config.lookup_url, &params).await?;
            Ok(rows.into_iter().map(RawContact::from_fields).collect())
        })
    }

    fn first_match(self: Arc<Self>, exten: String, _: Context) -> Answer<Option<RawContact>> {
        Box::pin(async move {
            if self.spec.first_matched_columns.is_empty() {
                return Ok(None);
            }
            let params = Self::params(&self.spec.first_matched_columns, &exten);
            let rows = self.fetch(&self.config.lookup_url, &params).await?;
            Ok(rows
                .into_iter()
                .find(|row| self.exact(row, &exten))
                .map(RawContact::from_fields))
        })
    }

    fn list(self: Arc<Self>, ids: Vec<String>, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            let (Some(unique), Some(list_url)) = (
                self.config.unique_column.clone(),
                self.config.list_url.clone(),
            ) else {
                return Ok(Vec::new());
            };
            let rows = self.fetch(&list_url, &[]).await?;
            Ok(rows
                .into_iter()
                .filter(|row| {
                    row.get(&unique)
                        .and_then(Value::as_str)
                        .is_some_and(|id| ids.iter().any(|i| i == id))
                })
                .map(RawContact::from_fields)
                .collect())
        })
    }

    fn unique_column(&self) -> Option<&str> {
        self.config.unique_column.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_rows_by_header_and_skips_blank_lines() {
        let rows = parse("id|firstname\n1|Andrée\n\n42|Benoît\n", b'|');
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["firstname"], "Benoît");
        assert!(parse("", b',').is_empty());
    }
}
