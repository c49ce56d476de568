//! Reading the merged tree into the typed [`Config`], with every error at once.
//!
//! serde stops at the first value it cannot read. So each error is recorded with its key and the
//! file that set the key, the key is put back to its built-in default, and the tree is read again,
//! until it reads: an administrator sees every wrong key of every file in one start. Keys that no
//! section knows are not errors (wazo-dird tolerates them): they are returned, to be logged.

use super::{Config, Tree, UnknownKeys};
use std::fmt;

/// One wrong key: where it was set, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The dotted key (`rest_api.port`), or `(file)` for a file that cannot be read.
    pub key: String,
    /// The file (or `command line`, `defaults`…) that set it.
    pub origin: String,
    pub message: String,
}

impl ConfigError {
    /// An error about `key`, pointing at the layer that set it in `tree`.
    pub fn at(tree: &Tree, key: &str, message: impl Into<String>) -> Self {
        ConfigError {
            key: key.to_owned(),
            origin: tree.origin(key).to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: key `{}`: {}", self.origin, self.key, self.message)
    }
}

/// Keys whose content no section reads: free-form, read by the declared resources' own
/// validators (`sources`, `displays`, `profiles`), or names that are tolerated whatever they are.
const FREE_FORM: &[&str] = &[
    "services",
    "source_config_dir",
    "lookup_timeout",
    "rest_api.cors",
    "sources",
    "displays",
    "profiles",
    "enabled_plugins",
    "uuid",
];

/// Reads `tree` into the typed configuration; `defaults` is the tree of the built-in defaults
/// alone. Returns the config and the unknown keys, or every error found.
pub fn read(tree: &Tree, defaults: &Tree) -> Result<(Config, UnknownKeys), Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut working = tree.clone();
    let config = loop {
        let error = match serde_path_to_error::deserialize::<_, Config>(working.to_value()) {
            Ok(config) => break config,
            Err(error) => error,
        };
        let path = error.path().to_string();
        // An item of a list is reported as the list: the list is one value of one file.
        let key = path.split('[').next().unwrap_or_default().to_owned();
        errors.push(ConfigError::at(tree, &key, error.inner().to_string()));
        let default = defaults.get(&key).cloned();
        if key.is_empty() || key == "." || working.get(&key) == default.as_ref() {
            // The default itself does not read: nothing more can be learnt.
            return Err(errors);
        }
        working.set(&key, default, "defaults");
    };
    errors.extend(super::check_together(&config, tree));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((config, unknown_keys(tree, defaults)))
}

/// The keys set in `tree` that are neither in the defaults nor under a free-form key, sorted.
fn unknown_keys(tree: &Tree, defaults: &Tree) -> UnknownKeys {
    let mut paths = tree.leaf_paths();
    paths.sort();
    paths
        .into_iter()
        .filter(|path| defaults.get(path).is_none() && !is_free_form(path))
        .map(|path| {
            let origin = tree.origin(&path).to_owned();
            (path, origin)
        })
        .collect()
}

fn is_free_form(path: &str) -> bool {
    FREE_FORM.iter().any(|key| {
        path == *key
            || path
                .strip_prefix(key)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::super::layers::{merge, Layer};
    use super::super::DEFAULTS_YAML;
    use super::*;
    use serde_json::{json, Value};

    fn tree_of(layers: Vec<Layer>) -> Tree {
        Tree::from_merged(&merge(layers).expect("merged"))
    }

    fn defaults() -> Layer {
        let value: Value = yaml_serde::from_str(DEFAULTS_YAML).expect("defaults");
        Layer::new("defaults", value)
    }

    #[test]
    fn every_wrong_key_is_reported_once_with_its_file() {
        let tree = tree_of(vec![
            defaults(),
            Layer::new(
                "config.yml",
                json!({"rest_api": {"port": 9489, "listen": 1}, "debug": "yes"}),
            ),
            Layer::new("conf.d/10-bad.yml", json!({"rest_api": {"port": "x"}})),
        ]);
        let errors = read(&tree, &tree_of(vec![defaults()])).expect_err("three wrong keys");
        let found: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.key.as_str(), e.origin.as_str()))
            .collect();
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            found.contains(&("rest_api.port", "conf.d/10-bad.yml")),
            "{found:?}"
        );
        assert!(
            found.contains(&("rest_api.listen", "config.yml")),
            "{found:?}"
        );
        assert!(found.contains(&("debug", "config.yml")), "{found:?}");
    }

    #[test]
    fn a_key_of_the_auth_server_is_named_in_full() {
        let tree = tree_of(vec![
            defaults(),
            Layer::new("f.yml", json!({"auth": {"port": 0}})),
        ]);
        let errors = read(&tree, &tree_of(vec![defaults()])).expect_err("port 0");
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(
            (errors[0].key.as_str(), errors[0].origin.as_str()),
            ("auth.port", "f.yml")
        );
    }

    #[test]
    fn unknown_keys_are_the_leaves_no_section_reads() {
        let tree = tree_of(vec![
            defaults(),
            Layer::new(
                "f.yml",
                json!({"rest_api": {"typo": 1, "cors": {"allow_origin": "*"}},
                       "services": {"x": {"y": 1}}, "mystery": 3,
                       "enabled_plugins": {"backends": {"custom": true}}}),
            ),
        ]);
        let (_, unknown) = read(&tree, &tree_of(vec![defaults()])).expect("valid");
        let keys: Vec<&str> = unknown.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, vec!["mystery", "rest_api.typo"]);
        assert!(unknown.iter().all(|(_, origin)| origin == "f.yml"));
    }

    #[test]
    fn the_defaults_read_alone() {
        let defaults = tree_of(vec![defaults()]);
        let (config, unknown) = read(&defaults, &defaults).expect("the defaults are valid");
        assert!(unknown.is_empty(), "{unknown:?}");
        assert_eq!(config.source_actors.restart_backoff_max, 1.5);
        assert_eq!(config.source_actors.mailbox, 4096);
    }

    /// Why the merged tree is read by serde and not by the `config` crate's own
    /// `try_deserialize` (decision 0005): that one reads values loosely (a quoted port is a
    /// number, `"yes"` is true, which wazo-dird, reading YAML, never accepted) and stops at the
    /// first wrong key, where an administrator must see every one.
    #[test]
    fn configs_own_reader_is_loose_and_stops_at_the_first_error() {
        #[derive(Debug, serde::Deserialize)]
        struct Probe {
            port: u16,
            debug: bool,
        }
        let loose = config::Config::builder()
            .add_source(Layer::new("f.yml", json!({"port": "9489", "debug": "yes"})))
            .build()
            .expect("built")
            .try_deserialize::<Probe>()
            .expect("config reads strings as numbers and booleans");
        assert_eq!((loose.port, loose.debug), (9489, true));
        let wrong = config::Config::builder()
            .add_source(Layer::new("f.yml", json!({"port": "web", "debug": "loud"})))
            .build()
            .expect("built")
            .try_deserialize::<Probe>()
            .expect_err("two wrong keys");
        let text = wrong.to_string();
        assert!(
            text.contains("port") != text.contains("debug"),
            "one error, about one key: {text}"
        );
    }
}
