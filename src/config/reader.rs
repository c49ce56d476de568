//! Reads typed values out of a merged [`Tree`], collecting every error instead of stopping at the first.
//!
//! Each accessor records the key as known (so unknown keys can be reported as warnings) and, on a bad
//! value, records an error naming the key and the file it came from, then returns a harmless default
//! so that reading goes on and the admin sees all problems at once.

use super::tree::Tree;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One invalid configuration value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The dotted key, e.g. `rest_api.port`.
    pub key: String,
    /// The file (or "defaults", "command line") the bad value came from.
    pub origin: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: key `{}`: {}", self.origin, self.key, self.message)
    }
}

/// Typed access to a [`Tree`] that accumulates errors.
#[derive(Debug)]
pub struct Reader<'a> {
    tree: &'a Tree,
    errors: Vec<ConfigError>,
    known: BTreeSet<String>,
}

impl<'a> Reader<'a> {
    pub fn new(tree: &'a Tree) -> Self {
        Reader {
            tree,
            errors: Vec::new(),
            known: BTreeSet::new(),
        }
    }

    /// Records an error for `key` (also usable by cross-field validation).
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.push(ConfigError {
            key: key.to_owned(),
            origin: self.tree.origin(key).to_owned(),
            message: message.into(),
        });
    }

    /// The raw value at `key` (null when absent), marking the key and everything under it as known.
    pub fn raw(&mut self, key: &str) -> Value {
        self.known.insert(key.to_owned());
        self.tree.get(key).cloned().unwrap_or(Value::Null)
    }

    fn typed<T>(
        &mut self,
        key: &str,
        expected: &str,
        convert: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<T> {
        let value = self.raw(key);
        let converted = convert(&value);
        if converted.is_none() {
            self.error(
                key,
                format!("expected {expected}, found {}", describe(&value)),
            );
        }
        converted
    }

    /// A string; null, absent or another type is an error.
    pub fn string(&mut self, key: &str) -> String {
        self.typed(key, "a string", |v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// A string or null; an empty string counts as null.
    pub fn opt_string(&mut self, key: &str) -> Option<String> {
        self.typed(key, "a string or null", |v| match v {
            Value::Null => Some(None),
            Value::String(s) => Some((!s.is_empty()).then(|| s.clone())),
            _ => None,
        })
        .flatten()
    }

    /// A boolean (YAML `true`/`false`).
    pub fn bool(&mut self, key: &str) -> bool {
        self.typed(key, "true or false", Value::as_bool)
            .unwrap_or_default()
    }

    /// A TCP port, 1 to 65535.
    pub fn port(&mut self, key: &str) -> u16 {
        self.typed(key, "a port number (1-65535)", |v| {
            v.as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n > 0)
        })
        .unwrap_or(1)
    }

    /// A TCP port (1 to 65535) or null.
    pub fn opt_port(&mut self, key: &str) -> Option<u16> {
        self.typed(key, "a port number (1-65535) or null", |v| match v {
            Value::Null => Some(None),
            _ => v
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n > 0)
                .map(Some),
        })
        .flatten()
    }

    /// A non-negative integer.
    pub fn uint(&mut self, key: &str) -> u64 {
        self.typed(key, "a non-negative integer", Value::as_u64)
            .unwrap_or_default()
    }

    /// A non-negative integer or null.
    pub fn opt_uint(&mut self, key: &str) -> Option<u64> {
        self.typed(key, "a non-negative integer or null", |v| match v {
            Value::Null => Some(None),
            _ => v.as_u64().map(Some),
        })
        .flatten()
    }

    /// A number of seconds, >= 0.
    pub fn seconds(&mut self, key: &str) -> f64 {
        self.typed(key, "a number of seconds >= 0", |v| {
            v.as_f64().filter(|n| *n >= 0.0 && n.is_finite())
        })
        .unwrap_or_default()
    }

    /// A number of seconds > 0.
    pub fn positive_seconds(&mut self, key: &str) -> f64 {
        self.typed(key, "a number of seconds > 0", |v| {
            v.as_f64().filter(|n| *n > 0.0 && n.is_finite())
        })
        .unwrap_or(1.0)
    }

    /// A list of strings.
    pub fn string_list(&mut self, key: &str) -> Vec<String> {
        self.typed(key, "a list of strings", |v| {
            v.as_array()?
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
    }

    /// A dict of name → true/false (`enabled_plugins.*`).
    pub fn bool_map(&mut self, key: &str) -> BTreeMap<String, bool> {
        self.typed(key, "a dict of names to true/false", |v| match v {
            Value::Null => Some(BTreeMap::new()),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| v.as_bool().map(|b| (k.clone(), b)))
                .collect(),
            _ => None,
        })
        .unwrap_or_default()
    }

    /// One of `choices` (lowercase), given in any case.
    pub fn choice(&mut self, key: &str, choices: &[&str]) -> String {
        let expected = format!("one of {}", choices.join(", "));
        self.typed(key, &expected, |v| {
            // Python's logging takes level names in any case (`DEBUG`, `Info`).
            v.as_str()
                .map(str::to_lowercase)
                .filter(|s| choices.contains(&s.as_str()))
        })
        .unwrap_or_else(|| choices[0].to_owned())
    }

    /// Leaf keys of the tree that no accessor asked for, with their origin.
    pub fn unknown_keys(&self) -> super::UnknownKeys {
        self.tree
            .leaf_paths()
            .into_iter()
            .filter(|path| !is_known(&self.known, path))
            .map(|path| {
                let origin = self.tree.origin(&path).to_owned();
                (path, origin)
            })
            .collect()
    }

    /// Consumes the reader: the errors collected, if any.
    pub fn finish(self) -> Result<(), Vec<ConfigError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

fn is_known(known: &BTreeSet<String>, path: &str) -> bool {
    let mut candidate = path;
    loop {
        if known.contains(candidate) {
            return true;
        }
        match candidate.rsplit_once('.') {
            Some((parent, _)) => candidate = parent,
            None => return false,
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null or missing)".to_owned(),
        Value::String(s) => format!("the string {s:?}"),
        other => format!("`{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_every_error_with_its_origin() {
        let mut tree = Tree::default();
        tree.add_lower_layer(&json!({"rest_api": {"port": "x"}}), "conf.d/10-bad.yml");
        tree.add_lower_layer(
            &json!({"rest_api": {"port": 9489, "listen": 1}, "debug": "yes"}),
            "config.yml",
        );
        let mut reader = Reader::new(&tree);
        reader.port("rest_api.port");
        reader.string("rest_api.listen");
        reader.bool("debug");
        let errors = reader.finish().expect_err("three invalid values");
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0].origin, "conf.d/10-bad.yml");
        assert_eq!(errors[0].key, "rest_api.port");
        assert_eq!(errors[1].origin, "config.yml");
        assert!(
            errors[2].to_string().contains("key `debug`"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn unknown_keys_are_the_leaves_nobody_read() {
        let mut tree = Tree::default();
        tree.add_lower_layer(
            &json!({"a": {"b": 1, "c": 2}, "free": {"x": {"y": 1}}, "typo": 3}),
            "f.yml",
        );
        let mut reader = Reader::new(&tree);
        reader.uint("a.b");
        reader.raw("free");
        let unknown: Vec<String> = reader.unknown_keys().into_iter().map(|(k, _)| k).collect();
        assert_eq!(unknown, vec!["a.c".to_owned(), "typo".to_owned()]);
    }
}
