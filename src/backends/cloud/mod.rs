//! What the `google` and `office365` backends share: the `auth` field of their sources (the
//! wazo-auth that keeps each user's OAuth token), the user's token itself, each user's address
//! book kept in memory ([`book`]), and the matching of lookups in it.
//!
//! A user's address book is fetched whole with the user's OAuth token, kept for
//! `cloud_contacts.cache_ttl` seconds, then fetched again in the background while the kept copy
//! answers; lookups, reverse lookups, favorites and the contacts route all read it. A user without
//! such an account (wazo-auth answers 404) gets nothing, quickly.

pub mod book;
mod external;
pub mod google;
pub mod listing;
mod matching;
pub mod office365;

use crate::auth::AuthService;
use crate::backends::confd::config::{Endpoint, EndpointConfig};
use crate::backends::confd::ConfdHub;
use crate::backends::http::{client, Verify};
use crate::backends::{Context, Deps, FieldErrors, RawContact, SourceSpec};
use book::Books;
use futures_util::future::BoxFuture;
pub use matching::{anywhere, first_match, listed};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// The `cloud_contacts` section of the configuration.
#[derive(Debug, Clone)]
pub struct CloudSettings {
    /// How long a user's address book answers before it is fetched again.
    pub cache_ttl: Duration,
    /// The longest an HTTP call to wazo-auth, Google or Microsoft Graph may take.
    pub timeout: Duration,
    /// Where Google's People API answers (`https://people.googleapis.com`).
    pub google_url: String,
    /// Where Microsoft Graph answers (`https://graph.microsoft.com`): endpoints and paging links
    /// on Graph's own address are sent here instead.
    pub microsoft_url: String,
}

impl Default for CloudSettings {
    fn default() -> Self {
        CloudSettings {
            cache_ttl: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
            google_url: GOOGLE_URL.to_owned(),
            microsoft_url: MICROSOFT_URL.to_owned(),
        }
    }
}

pub const GOOGLE_URL: &str = "https://people.googleapis.com";
pub const MICROSOFT_URL: &str = "https://graph.microsoft.com";

/// Shared by every `google` and `office365` source: the settings, the daemon's own token, and
/// the address books of each source, which its backend and its contacts route read alike.
#[derive(Debug, Default)]
pub struct CloudHub {
    pub settings: CloudSettings,
    /// The daemon's service token (renewed by the auth service), used to read users' OAuth
    /// tokens when a source has no credentials of its own.
    pub service: Option<Arc<AuthService>>,
    books: Mutex<HashMap<String, Weak<Books>>>,
}

impl CloudHub {
    pub fn new(settings: CloudSettings, service: Option<Arc<AuthService>>) -> Self {
        CloudHub {
            settings,
            service,
            books: Mutex::new(HashMap::new()),
        }
    }

    /// The address books of `spec`, shared with whoever reads the same source definition; a
    /// changed definition (its endpoint, its auth) starts empty.
    pub fn books(
        self: &Arc<Self>,
        spec: &Arc<SourceSpec>,
        confd: &Arc<ConfdHub>,
        fetcher: book::Fetcher,
    ) -> Arc<Books> {
        let mut books = self
            .books
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        books.retain(|_, held| held.strong_count() > 0);
        if let Some(held) = books.get(&spec.uuid).and_then(Weak::upgrade) {
            if held.spec() == spec.as_ref() {
                return held;
            }
        }
        let tokens = WazoTokens::new(spec, confd, self.service.clone());
        let created = Arc::new(Books::new(
            Arc::clone(spec),
            self.settings.cache_ttl,
            tokens,
            fetcher,
        ));
        books.insert(spec.uuid.clone(), Arc::downgrade(&created));
        created
    }

    /// The address books of the source `uuid` while its backend or a contacts request holds them.
    pub fn held(&self, uuid: &str) -> Option<Arc<Books>> {
        self.books
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(uuid)
            .and_then(Weak::upgrade)
    }
}

/// The wazo-auth of a source (`auth`), with wazo-dird's defaults for what is missing.
pub fn auth_endpoint(spec: &SourceSpec) -> Endpoint {
    let empty = Map::new();
    let auth = spec
        .extra_fields
        .get("auth")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    Endpoint::from_json(auth, "/api/auth", "0.1")
}

/// The wazo-auth token that reads users' OAuth tokens: the source's own credentials when it has
/// some (the sources a new tenant gets name wazo-dird's key file), else the daemon's service token,
/// else the caller's own token (what wazo-dird always sends).
#[derive(Debug)]
pub struct WazoTokens {
    own: Option<Arc<crate::backends::confd::TokenSource>>,
    service: Option<Arc<AuthService>>,
}

impl WazoTokens {
    fn new(spec: &SourceSpec, confd: &Arc<ConfdHub>, service: Option<Arc<AuthService>>) -> Self {
        // The stored `auth` (a body's credentials were dropped; those of the sources provisioned
        // for a new tenant are kept), read as any endpoint is.
        let credentials = spec
            .extra_fields
            .get("auth")
            .and_then(|auth| serde_json::from_value::<EndpointConfig>(auth.clone()).ok())
            .and_then(|auth| auth.credentials());
        WazoTokens {
            own: credentials.map(|c| confd.token_for(&auth_endpoint(spec), &c)),
            service,
        }
    }

    /// The token to send to wazo-auth for the caller `context`.
    async fn token(&self, context: &Context) -> Result<String, String> {
        if let Some(own) = &self.own {
            return own.token().await;
        }
        if let Some(token) = self.service.as_ref().and_then(|s| s.service_token()) {
            return Ok(token);
        }
        context
            .token
            .clone()
            .ok_or_else(|| "no wazo-auth token to read the user's external token with".to_owned())
    }
}

/// A page to ask a provider for: its URL and query.
pub type Page = (String, Vec<(&'static str, String)>);

/// What differs between Google's People API and Microsoft Graph.
#[derive(Debug)]
pub struct Provider {
    /// wazo-auth's name of the user's account (`google`, `microsoft`).
    pub external: &'static str,
    /// The provider's name, in logs and errors.
    pub label: &'static str,
    /// The first page of a source's address book.
    pub first_page: fn(&SourceSpec, &CloudSettings) -> Page,
    /// The page after `current`, as the answer `page` links it.
    pub next_page: fn(&Value, &str, &CloudSettings) -> Option<Page>,
    /// Where a page holds its contacts.
    pub items: &'static str,
    /// A contact as the backend keeps it.
    pub convert: fn(&Value) -> Map<String, Value>,
    /// What reverse lookups show when the source has no `reverse` format column.
    pub reverse_from: &'static str,
    /// The field search results are sorted by; `None`: the provider's order.
    pub sort_by: Option<&'static str>,
}

/// How a source of `provider` fetches a user's book: the user's OAuth token from wazo-auth, then
/// every page, each call under `cloud_contacts.timeout`.
pub async fn fetcher(deps: &Deps, provider: &'static Provider) -> Result<book::Fetcher, String> {
    let settings = deps.cloud.settings.clone();
    let http = client(settings.timeout, &Verify::Enabled(true)).await?;
    let fetcher: book::Fetcher = Arc::new(
        move |spec: Arc<SourceSpec>, wazo_token: String, user: String| {
            let (http, settings) = (http.clone(), settings.clone());
            Box::pin(async move {
                use book::FetchError::{Auth, Provider};
                let auth = auth_endpoint(&spec);
                let to_auth = client(settings.timeout.min(auth.timeout()), &auth.verify)
                    .await
                    .map_err(Auth)?;
                let token = match external::access_token(
                    &to_auth,
                    &auth,
                    provider.external,
                    &user,
                    &wazo_token,
                )
                .await
                .map_err(Auth)?
                {
                    external::External::AccessToken(token) => token,
                    external::External::NoAccount => return Ok(book::Fetched::NoAccount),
                };
                let label = provider.label;
                let mut next = Some((provider.first_page)(&spec, &settings));
                let mut contacts = Vec::new();
                while let Some((url, query)) = next.take() {
                    let response = http
                        .get(&url)
                        .query(&query)
                        .bearer_auth(&token)
                        .header("Accept", "application/json")
                        .send()
                        .await
                        .map_err(|e| Provider(format!("{label} {url}: {e}")))?;
                    let status = response.status();
                    if status == reqwest::StatusCode::UNAUTHORIZED
                        || status == reqwest::StatusCode::FORBIDDEN
                    {
                        tracing::info!(source = %spec.name, %user, %status, "{label} refused the user's token");
                        return Ok(book::Fetched::NoAccount);
                    }
                    if !status.is_success() {
                        return Err(Provider(format!("{label} {url} answered {status}")));
                    }
                    let page: Value = response
                        .json()
                        .await
                        .map_err(|e| Provider(format!("{label} {url}: {e}")))?;
                    let items = page[provider.items]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    contacts.extend(items.iter().map(|item| contact(item, &spec, provider)));
                    next = (provider.next_page)(&page, &url, &settings);
                }
                Ok(book::Fetched::Book(contacts))
            }) as BoxFuture<'static, Result<book::Fetched, book::FetchError>>
        },
    );
    Ok(fetcher)
}

/// A provider's contact as the backend keeps it, with a `reverse` field when the source's
/// `format_columns` have none (what wazo-dird shows then).
fn contact(item: &Value, spec: &SourceSpec, provider: &Provider) -> RawContact {
    let mut fields = (provider.convert)(item);
    if !spec.format_columns.contains_key("reverse") {
        let shown = fields
            .get(provider.reverse_from)
            .cloned()
            .unwrap_or(Value::Null);
        fields.insert("reverse".into(), shown);
    }
    RawContact::from_fields(fields)
}

/// Builds the backend of a source of `provider`.
pub fn build(
    spec: Arc<SourceSpec>,
    deps: Deps,
    provider: &'static Provider,
) -> BoxFuture<'static, Result<Arc<dyn crate::backends::Backend>, String>> {
    Box::pin(async move {
        let fetcher = fetcher(&deps, provider).await?;
        let books = deps.cloud.books(&spec, &deps.confd, fetcher);
        let backend: Arc<dyn crate::backends::Backend> = Arc::new(CloudBackend {
            spec,
            books,
            sort_by: provider.sort_by,
        });
        Ok(backend)
    })
}

/// The own fields of a `google` source: `auth`, the wazo-auth that keeps the users' OAuth tokens.
#[derive(Debug, Deserialize, Serialize)]
pub struct CloudAuth {
    #[serde(default)]
    pub auth: EndpointConfig,
}

impl CloudAuth {
    fn check(&mut self) -> FieldErrors {
        check_auth(&mut self.auth)
    }
}

/// `auth`, completed with wazo-dird's defaults (`localhost:443`, https, `/api/auth`, `0.1`) and
/// checked; its credentials keys are dropped from a body, as wazo-dird drops them.
fn check_auth(auth: &mut EndpointConfig) -> FieldErrors {
    auth.complete("/api/auth", "0.1");
    auth.without_credentials();
    let mut errors = FieldErrors::new();
    auth.check("auth", false, &mut errors);
    errors
}

/// A `google` or `office365` source: every lookup reads the caller's address book.
#[derive(Debug)]
pub struct CloudBackend {
    pub spec: Arc<SourceSpec>,
    pub books: Arc<Books>,
    /// The field search results are sorted by (`office365`: `givenName`, as wazo-dird); `None`:
    /// the provider's order.
    pub sort_by: Option<&'static str>,
}

impl CloudBackend {
    async fn book(&self, context: &Context) -> Result<book::Book, actors::Failure> {
        self.books
            .get(context)
            .await
            .map_err(crate::backends::request_failed)
    }
}

impl crate::backends::Backend for CloudBackend {
    fn search(
        self: Arc<Self>,
        term: String,
        context: Context,
    ) -> futures_util::future::BoxFuture<'static, Result<Vec<RawContact>, actors::Failure>> {
        Box::pin(async move {
            let book = self.book(&context).await?;
            let mut found = book.search(&term);
            if let Some(field) = self.sort_by {
                found.sort_by(|a, b| {
                    let text = |c: &RawContact| {
                        c.fields
                            .get(field)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    text(a).cmp(&text(b))
                });
            }
            Ok(found)
        })
    }

    fn first_match(
        self: Arc<Self>,
        exten: String,
        context: Context,
    ) -> futures_util::future::BoxFuture<'static, Result<Option<RawContact>, actors::Failure>> {
        Box::pin(async move {
            let book = self.book(&context).await?;
            Ok(first_match(&book, &self.spec.first_matched_columns, &exten).cloned())
        })
    }

    fn match_all(
        self: Arc<Self>,
        extens: Vec<String>,
        context: Context,
    ) -> futures_util::future::BoxFuture<
        'static,
        Result<HashMap<String, RawContact>, actors::Failure>,
    > {
        Box::pin(async move {
            let book = self.book(&context).await?;
            Ok(extens
                .into_iter()
                .filter_map(|exten| {
                    let found =
                        first_match(&book, &self.spec.first_matched_columns, &exten).cloned();
                    found.map(|contact| (exten, contact))
                })
                .collect())
        })
    }

    fn match_numbers(
        self: Arc<Self>,
        numbers: Arc<[crate::backends::Caller]>,
        context: Context,
    ) -> futures_util::future::BoxFuture<
        'static,
        Result<crate::backends::NumberHits, actors::Failure>,
    > {
        Box::pin(async move {
            let book = self.book(&context).await?;
            let columns = &self.spec.first_matched_columns;
            let tiers = numbers.iter().map(|caller| book.tiers(columns, caller));
            Ok(crate::backends::NumberHits::Tiered(tiers.collect()))
        })
    }

    fn search_t9(
        self: Arc<Self>,
        digits: String,
        context: Context,
    ) -> futures_util::future::BoxFuture<'static, Result<Vec<RawContact>, actors::Failure>> {
        Box::pin(async move { Ok(self.book(&context).await?.dial(&digits)) })
    }

    fn list(
        self: Arc<Self>,
        ids: Vec<String>,
        context: Context,
    ) -> futures_util::future::BoxFuture<'static, Result<Vec<RawContact>, actors::Failure>> {
        Box::pin(async move {
            let book = self.book(&context).await?;
            Ok(listed(&book, &ids))
        })
    }

    fn unique_column(&self) -> Option<&str> {
        Some("id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(auth: Value) -> SourceSpec {
        SourceSpec {
            uuid: "u".into(),
            tenant_uuid: "t".into(),
            name: "google".into(),
            backend: "google".into(),
            searched_columns: vec![],
            first_matched_columns: vec![],
            format_columns: Default::default(),
            extra_fields: json!({ "auth": auth })
                .as_object()
                .cloned()
                .unwrap_or_default(),
            timeout: None,
        }
    }

    #[test]
    fn a_provisioned_sources_own_credentials_are_used_else_none() {
        let confd = Arc::new(ConfdHub::new(None));
        let own = |auth: Value| WazoTokens::new(&spec(auth), &confd, None).own.is_some();
        assert!(own(
            json!({"host": "localhost", "port": 9497, "key_file": "/k.yml"})
        ));
        assert!(own(
            json!({"username": "u", "password": "p", "port": "9497"})
        ));
        assert!(!own(json!({"host": "localhost", "port": 443})));
        assert!(!own(json!({"key_file": "", "username": null})));
    }
}
