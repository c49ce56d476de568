//! Talking to the directory. Each source keeps `ldap_connections` bound connections; ldap3
//! multiplexes concurrent operations on each, so there is no lock. A lost connection, or one that
//! timed out, breaks the source: its actor reconnects with backoff, and lookups skip it meanwhile.

use super::config::{LdapConfig, UniqueColumnFormat};
use super::filter;
use crate::backends::{Answer, ByExten};
use crate::backends::{Backend, Context, Fields, RawContact, SourceSpec};
use actors::Failure;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry, SearchOptions};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
struct LdapBackend {
    spec: Arc<SourceSpec>,
    config: LdapConfig,
    connections: Vec<Ldap>,
    next: AtomicUsize,
    /// The attributes fetched: the plain `{name}` placeholders of `format_columns` plus the unique
    /// column, or every user attribute (and the unique column) without format columns.
    attributes: Vec<String>,
}

/// Connects and binds one connection.
async fn connect(config: &LdapConfig) -> Result<Ldap, String> {
    let settings = LdapConnSettings::new()
        .set_conn_timeout(Duration::from_secs_f64(config.ldap_network_timeout))
        .set_starttls(config.starttls())
        .set_no_tls_verify(!config.verify_certificate());
    let (connection, mut ldap) = LdapConnAsync::with_settings(settings, &config.ldap_uri)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", config.ldap_uri))?;
    ldap3::drive!(connection);
    let username = config.ldap_username.as_deref().unwrap_or("");
    let password = config.ldap_password.as_deref().unwrap_or("");
    ldap.with_timeout(Duration::from_secs_f64(config.ldap_timeout))
        .simple_bind(username, password)
        .await
        .and_then(|result| result.success())
        .map_err(|e| format!("cannot bind to {} as {:?}: {e}", config.ldap_uri, username))?;
    Ok(ldap)
}

/// `{name}` placeholders of the templates (only plain names, as wazo-dird requests them).
fn placeholders(templates: impl Iterator<Item = String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for template in templates {
        let mut rest = template.as_str();
        while let Some(start) = rest.find('{') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else { break };
            let name = &after[..end];
            if !name.is_empty()
                && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_owned());
            }
            rest = &after[end + 1..];
        }
    }
    names
}

pub(super) async fn build(
    spec: Arc<SourceSpec>,
    config: LdapConfig,
) -> Result<Arc<dyn Backend>, String> {
    if spec.searched_columns.is_empty() && config.ldap_custom_filter.is_none() {
        return Err("an ldap source needs searched_columns or ldap_custom_filter".into());
    }
    let mut attributes = placeholders(spec.format_columns.values().cloned());
    if attributes.is_empty() {
        attributes.push("*".into());
    }
    if let Some(unique) = &config.unique_column {
        if !attributes.contains(unique) {
            attributes.push(unique.clone());
        }
    }
    let mut connections = Vec::new();
    for _ in 0..config.connections() {
        connections.push(connect(&config).await?);
    }
    Ok(Arc::new(LdapBackend {
        spec,
        config,
        connections,
        next: AtomicUsize::new(0),
        attributes,
    }) as Arc<dyn Backend>)
}

/// A result code means the server answered (bad filter, no such base…): that request failed, the
/// connection is fine. Anything else breaks the source, whose actor then connects anew: an I/O
/// error or a closed connection, and a timeout too, because a connection that timed out may be
/// stuck for minutes (a firewall dropping packets leaves TCP in its retransmission backoff) and
/// must not be used again.
fn failure(source: &str, error: LdapError) -> Failure {
    match error {
        LdapError::LdapResult { .. } => Failure::Request(format!("{source}: {error}")),
        other => Failure::Broken(format!("{source}: {other}")),
    }
}

impl LdapBackend {
    fn connection(&self) -> Ldap {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len();
        self.connections[index].clone()
    }

    /// The contacts of the entries `filter` finds (at most `size_limit`; 0: the server's limit).
    async fn contacts(&self, filter: &str, size_limit: i32) -> Result<Vec<RawContact>, Failure> {
        let entries = self
            .search_entries(filter, size_limit, &self.attributes)
            .await?;
        Ok(entries.into_iter().map(RawContact::from_fields).collect())
    }

    /// Runs a subtree search; entries received before a size limit are kept.
    async fn search_entries(
        &self,
        filter: &str,
        size_limit: i32,
        attributes: &[String],
    ) -> Result<Vec<Fields>, Failure> {
        let mut ldap = self.connection();
        let result = ldap
            .with_timeout(Duration::from_secs_f64(self.config.ldap_timeout))
            .with_search_options(SearchOptions::new().sizelimit(size_limit))
            .search(
                &self.config.ldap_base_dn,
                Scope::Subtree,
                filter,
                attributes,
            )
            .await
            .map_err(|e| failure(&self.spec.name, e))?;
        // 4 = sizeLimitExceeded: the entries received are still good.
        if result.1.rc != 0 && result.1.rc != 4 {
            return Err(Failure::Request(format!(
                "{}: {}",
                self.spec.name,
                LdapError::from(result.1)
            )));
        }
        Ok(result
            .0
            .into_iter()
            .map(|entry| self.fields(SearchEntry::construct(entry)))
            .collect())
    }

    /// First value of each attribute; a binary unique column becomes a UUID string.
    fn fields(&self, entry: SearchEntry) -> Fields {
        let mut fields = Fields::new();
        for (name, values) in entry.attrs {
            if let Some(first) = values.into_iter().next() {
                fields.insert(name, Value::String(first));
            }
        }
        if let Some(unique) = &self.config.unique_column {
            if let Some(bytes) = entry
                .bin_attrs
                .get(unique)
                .and_then(|values| values.first())
            {
                let text = match self.config.unique_column_format {
                    UniqueColumnFormat::BinaryUuid => {
                        uuid::Uuid::from_slice(bytes).map(|u| u.to_string()).ok()
                    }
                    UniqueColumnFormat::String => None,
                };
                if let Some(text) = text {
                    fields.insert(unique.clone(), Value::String(text));
                }
            }
        }
        fields
    }
}

impl Backend for LdapBackend {
    fn search(self: Arc<Self>, term: String, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            let Some(filter) = filter::search(
                &self.spec.searched_columns,
                self.config.ldap_custom_filter.as_deref(),
                &term,
            ) else {
                return Ok(Vec::new());
            };
            self.contacts(&filter, 0).await
        })
    }

    fn first_match(self: Arc<Self>, exten: String, _: Context) -> Answer<Option<RawContact>> {
        Box::pin(async move {
            let Some(filter) = filter::first_match(
                &self.spec.first_matched_columns,
                self.config.ldap_custom_filter.as_deref(),
                &exten,
            ) else {
                return Ok(None);
            };
            Ok(self.contacts(&filter, 1).await?.into_iter().next())
        })
    }

    fn match_all(self: Arc<Self>, extens: Vec<String>, _: Context) -> Answer<ByExten> {
        Box::pin(async move {
            let filter = filter::match_all(
                &self.spec.first_matched_columns,
                self.config.ldap_custom_filter.as_deref(),
                &extens,
            );
            let entries = self.search_entries(&filter, 0, &self.attributes).await?;
            let mut found = HashMap::new();
            for column in &self.spec.first_matched_columns {
                for entry in &entries {
                    if let Some(value) = entry
                        .get(column)
                        .and_then(Value::as_str)
                        .filter(|v| extens.iter().any(|e| e == v))
                    {
                        found.insert(value.to_owned(), RawContact::from_fields(entry.clone()));
                    }
                }
            }
            Ok(found)
        })
    }

    /// One search for every form of the numbers; what the directory answers (by its own
    /// matching rules, `telephoneNumberMatch` ignoring spaces) is compared here by tier.
    fn match_numbers(
        self: Arc<Self>,
        numbers: Arc<[crate::backends::Caller]>,
        _: Context,
    ) -> Answer<crate::backends::NumberHits> {
        Box::pin(async move {
            let filter = filter::match_all(
                &self.spec.first_matched_columns,
                self.config.ldap_custom_filter.as_deref(),
                &crate::backends::forms_of(&numbers),
            );
            // The numbers are fetched to be compared, then dropped unless the source shows them
            // (the fields stay what a lookup answers).
            let columns = &self.spec.first_matched_columns;
            let shown = |name: &str| self.attributes.iter().any(|a| a == "*" || a == name);
            let mut attributes = self.attributes.clone();
            attributes.extend(columns.iter().filter(|c| !shown(c)).cloned());
            let entries = self.search_entries(&filter, 0, &attributes).await?;
            let contacts: Vec<RawContact> =
                entries.into_iter().map(RawContact::from_fields).collect();
            let tiers = crate::backends::tiers_on(columns, &numbers, &contacts);
            let hidden = |mut contact: RawContact| {
                contact.fields.retain(|name, _| shown(name));
                contact
            };
            Ok(crate::backends::NumberHits::Tiered(
                tiers.into_iter().map(|t| t.map(hidden)).collect(),
            ))
        })
    }

    fn list(self: Arc<Self>, ids: Vec<String>, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            let Some(unique) = self.config.unique_column.clone() else {
                return Ok(Vec::new());
            };
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let binary = self.config.unique_column_format == UniqueColumnFormat::BinaryUuid;
            let filter = filter::by_ids(&unique, &ids, binary);
            self.contacts(&filter, 0).await
        })
    }

    fn unique_column(&self) -> Option<&str> {
        self.config.unique_column.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn only_plain_placeholders_are_fetched() {
        let names = placeholders(
            [
                "{givenName} {sn}".to_owned(),
                "{sn}".to_owned(),
                "{a[0]} {b.c} {{x}} {mobile}".to_owned(),
            ]
            .into_iter(),
        );
        assert_eq!(
            names,
            ["givenName", "sn", "mobile"],
            "indexed, dotted and escaped fields are not attributes"
        );
    }
}
