//! A daemon with YAML-declared CSV sources, a display and profiles in two tenants (static auth), for
//! the directory tests.

use crate::daemon::{base_config, merge, set_mode, static_auth, Daemon};
use crate::free_port;
use serde_json::{json, Value};
use std::path::Path;

pub const MASTER: &str = "20000000-0000-4000-8000-000000000001";
pub const OTHER: &str = "20000000-0000-4000-8000-000000000002";
pub const USER: &str = "10000000-0000-4000-8000-000000000001";
pub const TOKENS: &str = r#"
tokens:
  admin: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ["dird.#"]}
  other-admin: {user_uuid: 10000000-0000-4000-8000-000000000002, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ["dird.#"]}
tenants:
  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}
  - {uuid: 20000000-0000-4000-8000-000000000002, name: other, parent_uuid: null}
"#;
pub const CONTACTS: &str = "id,firstname,lastname,number,mobile,company\n\
1,Alice,Martin,1001,+33600000001,Wazo\n\
2,Élodie,Béranger,1002,,\n\
3,Bob,Marley,1003,,Tuff Gong\n\
4,Алиса,Смирнова,1004,,\n";

/// Writes a file readable by the daemon.
pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    set_mode(path, 0o644);
}

/// The configuration: sources `contacts` and `more` and a display in the master tenant, profile
/// `default`; profile `other` and its source in tenant `OTHER`.
pub fn directory_config(dir: &Path) -> Value {
    let auth = static_auth(dir, TOKENS);
    write(&dir.join("contacts.csv"), CONTACTS);
    write(
        &dir.join("more.csv"),
        "key;label;phone\nk1;Marc Dupont;2001\n",
    );
    json!({
        "auth": auth,
        "source_actors": {"restart_backoff_min": 0.2, "restart_backoff_max": 0.4},
        "sources": [
            {
                "backend": "csv", "name": "contacts", "file": dir.join("contacts.csv"), "unique_column": "id",
                "searched_columns": ["firstname", "lastname"], "first_matched_columns": ["number", "mobile"],
                "format_columns": {"name": "{firstname} {lastname}", "reverse": "{firstname} {lastname}", "info": "{company}"},
            },
            {
                "backend": "csv", "name": "more", "file": dir.join("more.csv"), "separator": ";", "unique_column": "key",
                "searched_columns": ["label"], "first_matched_columns": ["phone"],
                "format_columns": {"name": "{label}", "number": "{phone}", "reverse": "{label}"},
            },
            {"backend": "csv", "name": "other-tenant", "tenant_uuid": OTHER, "file": dir.join("contacts.csv"), "searched_columns": ["firstname"]},
        ],
        "displays": [{"name": "default", "columns": [
            {"title": "Nom", "type": "name", "field": "name"},
            {"title": "Numéro", "type": "number", "field": "number"},
            {"title": "Société", "field": "info", "default": "n/a"},
            {"title": "Absent", "field": "nothing", "default": "default value"},
            {"title": "Favori", "type": "favorite", "field": "favorite"},
        ]}],
        "profiles": [
            {"name": "default", "display": {"name": "default"}, "services": {
                "lookup": {"sources": [{"name": "contacts"}, {"name": "more"}]},
                "reverse": {"sources": [{"name": "contacts"}, {"name": "more"}]},
            }},
            {"name": "other", "tenant_uuid": OTHER, "services": {"lookup": {"sources": [{"name": "other-tenant"}]}}},
        ],
    })
}

/// Starts the daemon with `overrides` merged into the configuration.
pub async fn start(dir: tempfile::TempDir, overrides: Value) -> Daemon {
    let mut config = base_config(free_port(), directory_config(dir.path()));
    merge(&mut config, overrides);
    Daemon::start_in(dir, config, &[]).await
}

/// The first column of every result, sorted.
pub fn names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| r["column_values"][0].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The lookup URL of `term` in `profile`.
pub fn lookup_path(profile: &str, term: &str) -> String {
    let term: String = url::form_urlencoded::byte_serialize(term.as_bytes()).collect();
    format!("/0.1/directories/lookup/{profile}?term={term}")
}
