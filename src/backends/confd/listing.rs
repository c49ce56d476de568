//! The contacts routes of the sources that read wazo-confd
//! (`GET /0.1/backends/{wazo,conference}/sources/{uuid}/contacts`). As in wazo-dird, the listing is
//! wazo-confd's own: searched, sorted and paged by wazo-confd, asked with the source's token, each
//! item shaped as the kind shapes its contacts.

use super::client::ConfdClient;
use crate::backends::conference::Conference;
use crate::backends::wazo::Wazo;
use crate::backends::{BackendKind, Deps, SourceSpec};
use serde_json::{json, Value};

/// What wazo-confd's listing gave: the items of the page and wazo-confd's `total`.
#[derive(Debug)]
pub struct Listed {
    pub items: Vec<Value>,
    pub total: u64,
}

/// wazo-confd could not list (wazo-dird's `wazo-confd-error`), with what wazo-dird details.
#[derive(Debug, thiserror::Error)]
#[error("wazo-confd request error: {details}")]
pub struct ListError {
    pub details: Value,
}

/// What a contacts route lists: a wazo source's users, a conference source's conferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Users,
    Conferences,
}

impl Listing {
    /// What `source`'s kind lists, if wazo-confd lists it.
    pub fn of(source: &SourceSpec) -> Option<Listing> {
        match source.backend.as_str() {
            Wazo::NAME => Some(Listing::Users),
            Conference::NAME => Some(Listing::Conferences),
            _ => None,
        }
    }
}

/// The contacts of `source` as wazo-confd lists them with `query`: a wazo source's users
/// (`view=directory`), a conference source's conferences.
pub async fn list(
    deps: &Deps,
    source: &SourceSpec,
    listing: Listing,
    query: &[(&str, String)],
) -> Result<Listed, ListError> {
    let (path, view, item): (&str, Option<&str>, fn(&Value) -> Value) = match listing {
        Listing::Users => (
            "users",
            Some("directory"),
            crate::backends::wazo::contact_item,
        ),
        Listing::Conferences => (
            "conferences",
            None,
            crate::backends::conference::contact_item,
        ),
    };
    let client = ConfdClient::for_source(source, deps)
        .await
        .map_err(|error| ListError {
            details: json!({"original_error": error}),
        })?;
    let mut query: Vec<(&str, String)> = query.to_vec();
    if let Some(view) = view {
        query.insert(0, ("view", view.to_owned()));
    }
    match client.list(path, &query).await {
        Ok((items, total)) => Ok(Listed {
            items: items.iter().map(item).collect(),
            total,
        }),
        Err(error) => Err(ListError {
            details: json!({
                "wazo_confd_config": {"host": client.host, "port": client.port, "timeout": client.timeout},
                "original_error": error.to_string(),
            }),
        }),
    }
}
