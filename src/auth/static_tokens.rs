//! Standalone authentication: tokens, their ACLs and the tenant tree come from a local YAML file, and
//! the daemon matches ACLs itself with wazo-auth's rules. For demos and deployments without wazo-auth.
//!
//! ```yaml
//! tokens:
//!   my-token: {user_uuid: ..., tenant_uuid: ..., acl: ["dird.#"]}
//! tenants:
//!   - {uuid: ..., name: master, parent_uuid: null}
//! ```

use super::{acl, CheckOutcome, Tenant, TokenInfo};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    tokens: HashMap<String, StaticToken>,
    #[serde(default)]
    tenants: Vec<FileTenant>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaticToken {
    user_uuid: Option<String>,
    tenant_uuid: String,
    #[serde(default)]
    acl: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTenant {
    uuid: String,
    name: String,
    parent_uuid: Option<String>,
}

/// The parsed tokens file.
#[derive(Debug)]
pub struct StaticTokens {
    tokens: HashMap<String, StaticToken>,
    tenants: Vec<Tenant>,
}

impl StaticTokens {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        let file: File =
            yaml_serde::from_str(&text).map_err(|e| format!("{}: invalid: {e}", path.display()))?;
        let tenants: Vec<Tenant> = file
            .tenants
            .into_iter()
            .map(|t| Tenant {
                uuid: t.uuid,
                name: t.name,
                parent_uuid: t.parent_uuid,
            })
            .collect();
        for (name, token) in &file.tokens {
            if !tenants.iter().any(|t| t.uuid == token.tenant_uuid) {
                return Err(format!(
                    "{}: token `{}` names tenant {} which is not in `tenants`",
                    path.display(),
                    mask(name),
                    token.tenant_uuid
                ));
            }
        }
        Ok(StaticTokens {
            tokens: file.tokens,
            tenants,
        })
    }

    /// The top tenant: the one without a parent (or its own parent).
    pub fn top_tenant(&self) -> Option<String> {
        self.tenants
            .iter()
            .find(|t| t.parent_uuid.is_none() || t.parent_uuid.as_deref() == Some(t.uuid.as_str()))
            .map(|t| t.uuid.clone())
    }

    pub fn check(&self, token: &str, required: &str, tenant: Option<&str>) -> CheckOutcome {
        let Some(entry) = self.tokens.get(token) else {
            return CheckOutcome::NotFound;
        };
        if !acl::is_allowed(&entry.acl, required, entry.user_uuid.as_deref()) {
            return CheckOutcome::Forbidden;
        }
        if let Some(tenant) = tenant {
            if !self
                .subtree(&entry.tenant_uuid)
                .iter()
                .any(|t| t.uuid == tenant)
            {
                return CheckOutcome::Forbidden;
            }
        }
        CheckOutcome::Valid
    }

    pub fn token_info(&self, token: &str) -> Option<TokenInfo> {
        self.tokens.get(token).map(|entry| TokenInfo {
            token: token.to_owned(),
            user_uuid: entry.user_uuid.clone(),
            tenant_uuid: Some(entry.tenant_uuid.clone()),
            acl: entry.acl.clone(),
        })
    }

    /// `tenant` and all its descendants, if `token` may see `tenant`.
    pub fn visible_tenants(&self, token: &str, tenant: &str) -> Option<Vec<Tenant>> {
        let entry = self.tokens.get(token)?;
        let own = self.subtree(&entry.tenant_uuid);
        own.iter()
            .any(|t| t.uuid == tenant)
            .then(|| self.subtree(tenant))
    }

    fn subtree(&self, root: &str) -> Vec<Tenant> {
        let mut found: Vec<Tenant> = self
            .tenants
            .iter()
            .filter(|t| t.uuid == root)
            .cloned()
            .collect();
        let mut index = 0;
        while index < found.len() {
            let parent = found[index].uuid.clone();
            for tenant in &self.tenants {
                let is_child =
                    tenant.parent_uuid.as_deref() == Some(parent.as_str()) && tenant.uuid != parent;
                if is_child && !found.iter().any(|f| f.uuid == tenant.uuid) {
                    found.push(tenant.clone());
                }
            }
            index += 1;
        }
        found
    }
}

/// The first characters of a secret, for messages that must not reveal it.
fn mask(secret: &str) -> String {
    format!("{}…", secret.chars().take(4).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
tokens:
  admin: {user_uuid: u-admin, tenant_uuid: top, acl: ["dird.#", "!dird.config.update"]}
  alice: {user_uuid: u-alice, tenant_uuid: sub, acl: ["dird.directories.lookup.*.me.read"]}
tenants:
  - {uuid: top, name: master, parent_uuid: null}
  - {uuid: sub, name: sub, parent_uuid: top}
  - {uuid: subsub, name: subsub, parent_uuid: sub}
  - {uuid: other, name: other, parent_uuid: top}
"#;

    fn tokens() -> StaticTokens {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tokens.yml");
        std::fs::write(&path, FILE).expect("write");
        StaticTokens::load(&path).expect("valid file")
    }

    #[test]
    fn checks_acl_and_tenant_visibility() {
        let tokens = tokens();
        assert_eq!(
            tokens.check("nobody", "dird.status.read", None),
            CheckOutcome::NotFound
        );
        assert_eq!(
            tokens.check("admin", "dird.status.read", None),
            CheckOutcome::Valid
        );
        assert_eq!(
            tokens.check("admin", "dird.config.update", None),
            CheckOutcome::Forbidden
        );
        assert_eq!(
            tokens.check("admin", "dird.status.read", Some("subsub")),
            CheckOutcome::Valid
        );
        assert_eq!(
            tokens.check(
                "alice",
                "dird.directories.lookup.default.u-alice.read",
                Some("subsub")
            ),
            CheckOutcome::Valid
        );
        assert_eq!(
            tokens.check("alice", "dird.directories.lookup.default.u-bob.read", None),
            CheckOutcome::Forbidden
        );
        assert_eq!(
            tokens.check(
                "alice",
                "dird.directories.lookup.default.u-alice.read",
                Some("other")
            ),
            CheckOutcome::Forbidden
        );
        assert_eq!(tokens.top_tenant().as_deref(), Some("top"));
    }

    #[test]
    fn visible_tenants_are_the_subtree() {
        let tokens = tokens();
        let names: Vec<String> = tokens
            .visible_tenants("alice", "sub")
            .expect("visible")
            .into_iter()
            .map(|t| t.uuid)
            .collect();
        assert_eq!(names, vec!["sub", "subsub"]);
        assert!(tokens.visible_tenants("alice", "top").is_none());
        assert_eq!(
            tokens
                .visible_tenants("admin", "top")
                .expect("visible")
                .len(),
            4
        );
    }
}
