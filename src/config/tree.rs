//! The merged configuration tree and where each of its keys came from.
//!
//! wazo-dird merges its files "first wins": the command line beats the `conf.d` files, which beat the
//! main file, which beats the built-in defaults; among `conf.d` files the first in alphabetical order
//! wins. Dicts merge key by key, any other value (lists included) is taken whole from the winner.
//! Each key remembers its origin so that a validation error can name the file to fix.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A merged configuration with the origin (a file name, "defaults", "command line") of each key.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    root: Map<String, Value>,
    /// Dotted key path → origin of the layer that inserted the value at that path.
    origins: BTreeMap<String, String>,
}

impl Tree {
    /// Adds a layer of lower priority than every layer added before: it only fills keys that are absent.
    pub fn add_lower_layer(&mut self, layer: &Value, origin: &str) {
        if let Value::Object(layer) = layer {
            fill(&mut self.root, layer, origin, "", &mut self.origins);
        }
    }

    /// The value at a dotted path (`rest_api.port`).
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut segments = path.split('.');
        let first = segments.next()?;
        let mut current = self.root.get(first)?;
        for segment in segments {
            current = current.as_object()?.get(segment)?;
        }
        Some(current)
    }

    /// Replaces the value at a dotted path whose parent dict exists (used for live changes like `debug`).
    pub fn set(&mut self, path: &str, value: Value, origin: &str) {
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
        if let Some(map) = map {
            map.insert(key.to_owned(), value);
            self.origins.insert(path.to_owned(), origin.to_owned());
        }
    }

    /// The origin of the value at `path`: the layer that inserted it or its closest ancestor.
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

    /// Every leaf path (a non-dict value or an empty dict) of the tree, dotted.
    pub fn leaf_paths(&self) -> Vec<String> {
        let mut paths = Vec::new();
        collect_leaves(&self.root, "", &mut paths);
        paths
    }

    /// The whole tree as JSON.
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

fn fill(
    target: &mut Map<String, Value>,
    layer: &Map<String, Value>,
    origin: &str,
    prefix: &str,
    origins: &mut BTreeMap<String, String>,
) {
    for (key, value) in layer {
        let path = join(prefix, key);
        match (target.get_mut(key), value) {
            (None, _) => {
                target.insert(key.clone(), value.clone());
                origins.insert(path, origin.to_owned());
            }
            (Some(Value::Object(existing)), Value::Object(lower)) => {
                fill(existing, lower, origin, &path, origins);
            }
            // A higher layer already set this key: it wins, lists and scalars are never merged.
            (Some(_), _) => {}
        }
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
    use super::*;
    use serde_json::json;

    #[test]
    fn first_layer_wins_dicts_merge_lists_replace() {
        let mut tree = Tree::default();
        tree.add_lower_layer(&json!({"a": {"x": 1}, "l": [1]}), "first.yml");
        tree.add_lower_layer(
            &json!({"a": {"x": 2, "y": 3}, "l": [2, 3], "b": true}),
            "second.yml",
        );
        assert_eq!(tree.get("a.x"), Some(&json!(1)));
        assert_eq!(tree.get("a.y"), Some(&json!(3)));
        assert_eq!(tree.get("l"), Some(&json!([1])));
        assert_eq!(tree.origin("a.x"), "first.yml");
        assert_eq!(tree.origin("a.y"), "second.yml");
        assert_eq!(tree.origin("b"), "second.yml");
    }

    #[test]
    fn set_replaces_a_value_and_its_origin() {
        let mut tree = Tree::default();
        tree.add_lower_layer(&json!({"debug": false, "auth": {"host": "h"}}), "defaults");
        tree.set("debug", json!(true), "PATCH /config");
        tree.set("auth.host", json!("x"), "cli");
        assert_eq!(tree.get("debug"), Some(&json!(true)));
        assert_eq!(tree.get("auth.host"), Some(&json!("x")));
        assert_eq!(tree.origin("debug"), "PATCH /config");
    }
}
