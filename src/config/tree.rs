//! The merged configuration as a JSON tree, with the file each value came from: what
//! `GET /0.1/config` shows, what the typed sections are read from, and where an error points.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A merged configuration: the values, and the origin (a file, `defaults`, `command line`…) of
/// each value the layers set.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    root: Map<String, Value>,
    origins: BTreeMap<String, String>,
}

impl Tree {
    /// The tree of what the `config` crate merged, each value with its origin.
    pub fn from_merged(merged: &config::Value) -> Self {
        let mut tree = Tree::default();
        if let Value::Object(root) = to_json(merged, "", &mut tree.origins) {
            tree.root = root;
        }
        tree
    }

    /// The value at a dotted path.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut segments = path.split('.');
        let first = segments.next()?;
        let mut current = self.root.get(first)?;
        for segment in segments {
            current = current.as_object()?.get(segment)?;
        }
        Some(current)
    }

    /// Replaces the value at a dotted path (`None`: removes it), which comes from `origin`.
    pub fn set(&mut self, path: &str, value: Option<Value>, origin: &str) {
        let (parent, key) = match path.rsplit_once('.') {
            Some((parent, key)) => (Some(parent), key),
            None => (None, path),
        };
        let map = match parent {
            None => Some(&mut self.root),
            Some(parent) => parent.split('.').try_fold(&mut self.root, |map, segment| {
                map.get_mut(segment)?.as_object_mut()
            }),
        };
        let Some(map) = map else { return };
        match value {
            Some(value) => {
                map.insert(key.to_owned(), value);
            }
            None => {
                map.remove(key);
            }
        }
        self.origins.insert(path.to_owned(), origin.to_owned());
    }

    /// Where the value at `path` (or its nearest parent that has one) came from.
    pub fn origin(&self, path: &str) -> &str {
        let mut candidate = path;
        loop {
            if let Some(origin) = self.origins.get(candidate) {
                return origin;
            }
            match candidate.rsplit_once('.') {
                Some((parent, _)) => candidate = parent,
                None => return "defaults",
            }
        }
    }

    /// The dotted paths of every value that is not a non-empty dict.
    pub fn leaf_paths(&self) -> Vec<String> {
        let mut paths = Vec::new();
        collect_leaves(&self.root, "", &mut paths);
        paths
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.root.clone())
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The JSON of a merged value, recording each origin under its path.
fn to_json(value: &config::Value, path: &str, origins: &mut BTreeMap<String, String>) -> Value {
    use config::ValueKind;
    if let Some(origin) = value.origin() {
        origins.insert(path.to_owned(), origin.to_owned());
    }
    match &value.kind {
        ValueKind::Nil => Value::Null,
        ValueKind::Boolean(b) => Value::Bool(*b),
        ValueKind::I64(n) => Value::from(*n),
        ValueKind::U64(n) => Value::from(*n),
        // Layers hold JSON numbers, which never need 128 bits.
        ValueKind::I128(n) => Value::from(*n as f64),
        ValueKind::U128(n) => Value::from(*n as f64),
        ValueKind::Float(f) => Value::from(*f),
        ValueKind::String(s) => Value::String(s.clone()),
        ValueKind::Table(table) => Value::Object(
            table
                .iter()
                .map(|(key, inner)| (key.clone(), to_json(inner, &join(path, key), origins)))
                .collect(),
        ),
        // A list is one value: its items have the list's origin.
        ValueKind::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| to_json(item, path, &mut BTreeMap::new()))
                .collect(),
        ),
    }
}

fn collect_leaves(map: &Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (key, value) in map {
        let path = join(prefix, key);
        match value {
            Value::Object(inner) if !inner.is_empty() => collect_leaves(inner, &path, out),
            _ => out.push(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::layers::{merge, Layer};
    use super::*;
    use serde_json::json;

    #[test]
    fn last_layer_wins_dicts_merge_lists_replace() {
        let merged = merge(vec![
            Layer::new(
                "second.yml",
                json!({"a": {"x": 2, "y": 3}, "l": [2, 3], "b": true}),
            ),
            Layer::new("first.yml", json!({"a": {"x": 1}, "l": [1]})),
        ])
        .expect("merged");
        let tree = Tree::from_merged(&merged);
        assert_eq!(tree.get("a.x"), Some(&json!(1)));
        assert_eq!(tree.get("a.y"), Some(&json!(3)));
        assert_eq!(tree.get("l"), Some(&json!([1])), "a list is replaced whole");
        assert_eq!(tree.origin("a.x"), "first.yml");
        assert_eq!(tree.origin("a.y"), "second.yml");
        assert_eq!(tree.origin("b"), "second.yml");
        assert_eq!(tree.origin("l"), "first.yml");
    }

    #[test]
    fn set_replaces_a_value_and_its_origin() {
        let merged = merge(vec![Layer::new(
            "defaults",
            json!({"debug": false, "auth": {"host": "h"}}),
        )])
        .expect("merged");
        let mut tree = Tree::from_merged(&merged);
        tree.set("debug", Some(json!(true)), "PATCH /config");
        tree.set("auth.host", None, "cli");
        assert_eq!(tree.get("debug"), Some(&json!(true)));
        assert_eq!(tree.get("auth.host"), None);
        assert_eq!(tree.origin("debug"), "PATCH /config");
    }
}
