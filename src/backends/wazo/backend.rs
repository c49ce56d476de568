//! Lookups in a `wazo` source: from the copy of its users when there is one, else from wazo-confd
//! with the requests wazo-dird makes (`search=` then a local filter, `exten=a,b` batches).

use super::users::{contact, Users};
use crate::backends::confd::client::{ConfdClient, ConfdError};
use crate::backends::confd::config::ConfdConfig;
use crate::backends::confd::copy::{Copy, CopyKind, Loader};
use crate::backends::{request_failed, Backend, Context, Deps, RawContact, SourceSpec};
use crate::backends::{Answer, ByExten};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// Columns wazo-confd can filter by a list of values (`exten=a,b`).
const BATCHED_COLUMNS: &[&str] = &["exten", "mobile_phone_number"];

/// The wazo-confd side of a source: its client and the stack's uuid (`xivo_id`), asked once.
#[derive(Debug)]
struct Directory {
    client: ConfdClient,
    spec: Arc<SourceSpec>,
    xivo_id: Mutex<Option<String>>,
}

impl Directory {
    async fn xivo_id(&self) -> Result<String, ConfdError> {
        if let Some(known) = self
            .xivo_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
        {
            return Ok(known);
        }
        let infos = self.client.get("infos", &[]).await?;
        let uuid = infos["uuid"].as_str().unwrap_or_default().to_owned();
        *self
            .xivo_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(uuid.clone());
        Ok(uuid)
    }

    /// The users of `GET /users?view=directory&recurse=true` plus `params`, as contacts.
    async fn users(&self, params: &[(&str, String)]) -> Result<Vec<RawContact>, ConfdError> {
        let xivo_id = self.xivo_id().await?;
        let mut query = vec![
            ("view", "directory".to_owned()),
            ("recurse", "true".to_owned()),
        ];
        query.extend(params.iter().cloned());
        let (items, _) = self.client.list("users", &query).await?;
        Ok(items.iter().map(|user| contact(user, &xivo_id)).collect())
    }

    /// Users indexed for this source.
    async fn indexed(&self, params: &[(&str, String)]) -> Result<Users, ConfdError> {
        let contacts = self.users(params).await?;
        Ok(Users::build(&self.spec, contacts))
    }
}

#[derive(Debug)]
struct WazoBackend {
    spec: Arc<SourceSpec>,
    directory: Arc<Directory>,
    /// `None` when copies are off: every lookup asks wazo-confd.
    copy: Option<Arc<Copy<Users>>>,
}

pub(super) async fn build(
    spec: Arc<SourceSpec>,
    config: ConfdConfig,
    deps: Deps,
) -> Result<Arc<dyn Backend>, String> {
    {
        let directory = Arc::new(Directory {
            client: ConfdClient::for_config(&config, &spec, &deps).await?,
            spec: Arc::clone(&spec),
            xivo_id: Mutex::new(None),
        });
        let source = Arc::clone(&directory);
        let loader: Loader<Users> = Arc::new(move || {
            let source = Arc::clone(&source);
            Box::pin(async move { source.indexed(&[]).await })
        });
        let copy = deps
            .confd
            .start_copy(CopyKind::Users, &spec.tenant_uuid, loader);
        Ok(Arc::new(WazoBackend {
            spec,
            directory,
            copy,
        }) as Arc<dyn Backend>)
    }
}

impl WazoBackend {
    fn warm(&self) -> Option<Arc<Users>> {
        self.copy.as_ref().and_then(|copy| copy.get())
    }

    /// Cold path of `match_all`, as wazo-dird asks: one `<column>=a,b` request per first-matched
    /// column when wazo-confd can filter them all, else one `search=` request per number.
    async fn fetch_matching(&self, extens: &[String]) -> Result<Users, ConfdError> {
        let columns = &self.spec.first_matched_columns;
        let batched = columns
            .iter()
            .all(|c| BATCHED_COLUMNS.contains(&c.as_str()))
            && extens.len() >= columns.len();
        let mut contacts = Vec::new();
        if batched {
            for column in columns {
                contacts.extend(
                    self.directory
                        .users(&[(column.as_str(), extens.join(","))])
                        .await?,
                );
            }
        } else {
            for exten in extens {
                contacts.extend(self.directory.users(&[("search", exten.clone())]).await?);
            }
        }
        Ok(Users::build(&self.spec, contacts))
    }
}

impl Backend for WazoBackend {
    fn search(self: Arc<Self>, term: String, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            if let Some(users) = self.warm() {
                return Ok(users.search(&term));
            }
            let params: Vec<(&str, String)> = if term.is_empty() {
                vec![]
            } else {
                vec![("search", term.clone())]
            };
            let users = self
                .directory
                .indexed(&params)
                .await
                .map_err(request_failed)?;
            Ok(users.search(&term))
        })
    }

    fn first_match(self: Arc<Self>, exten: String, _: Context) -> Answer<Option<RawContact>> {
        Box::pin(async move {
            if let Some(users) = self.warm() {
                return Ok(users.first_match(&exten));
            }
            let users = self
                .directory
                .indexed(&[("search", exten.clone())])
                .await
                .map_err(request_failed)?;
            Ok(users.first_match(&exten))
        })
    }

    fn match_all(self: Arc<Self>, extens: Vec<String>, _: Context) -> Answer<ByExten> {
        Box::pin(async move {
            if let Some(users) = self.warm() {
                return Ok(users.match_all(&extens));
            }
            let users = self.fetch_matching(&extens).await.map_err(request_failed)?;
            Ok(users.match_all(&extens))
        })
    }

    /// From the copy's number index; a source still cold asks wazo-confd for the numbers' forms.
    fn match_numbers(
        self: Arc<Self>,
        numbers: Arc<[crate::backends::Caller]>,
        context: Context,
    ) -> Answer<crate::backends::NumberHits> {
        Box::pin(async move {
            if let Some(users) = self.warm() {
                let tiers = numbers.iter().map(|caller| users.tiers(caller));
                return Ok(crate::backends::NumberHits::Tiered(tiers.collect()));
            }
            crate::backends::by_forms(self, numbers, context).await
        })
    }

    /// From the copy only: a source still cold answers the ordinary lookup alone.
    fn search_t9(self: Arc<Self>, digits: String, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            Ok(self
                .warm()
                .map(|users| users.dial(&digits))
                .unwrap_or_default())
        })
    }

    fn list(self: Arc<Self>, ids: Vec<String>, _: Context) -> Answer<Vec<RawContact>> {
        Box::pin(async move {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            if let Some(users) = self.warm() {
                return Ok(users.list(&ids));
            }
            let users = self.directory.indexed(&[]).await.map_err(request_failed)?;
            Ok(users.list(&ids))
        })
    }

    fn unique_column(&self) -> Option<&str> {
        Some("id")
    }

    fn warm_up(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Copy::warm_up(self.copy.clone())
    }
}

/// The confd answer of the contacts route, reduced to wazo-dird's keys.
pub(crate) fn contact_item(user: &Value) -> Value {
    const KEYS: &[&str] = &[
        "id",
        "uuid",
        "firstname",
        "lastname",
        "email",
        "exten",
        "mobile_phone_number",
        "voicemail_number",
    ];
    let mut item = serde_json::Map::new();
    for key in KEYS {
        if let Some(value) = user.get(*key) {
            item.insert((*key).to_owned(), value.clone());
        }
    }
    Value::Object(item)
}
