//! One way to read a source. Each backend kind declares its own fields once, as a typed config
//! ([`BackendKind::Config`]), with its name, its check and its build (Quickwit's typed source
//! factory). Every definition of a source, whatever it comes from (a REST body, the YAML
//! configuration, a database row, upstream's included, read again after a peer's event), is read
//! by the same function, [`Kind::read`], and the build reads the stored fields with it again: what
//! a write accepts, the source starts with.
//!
//! Keys a kind does not know are dropped from REST bodies and stored rows (as wazo-dird drops
//! them) and refused in YAML, where a typo must not pass unseen.

use super::{Backend, Deps, SourceSpec};
use crate::validation::FieldErrors;
use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::marker::PhantomData;
use std::sync::Arc;

/// A backend being built: the backend, or why it cannot start (retried with backoff).
pub type Built = BoxFuture<'static, Result<Arc<dyn Backend>, String>>;

/// A backend kind, declared once: its fields, what serde cannot check of them, how to build it.
pub trait BackendKind: Send + Sync + 'static {
    /// The kind's name: in paths, in `enabled_plugins.backends`, in `dird_source.backend`.
    const NAME: &'static str;
    /// Sort columns of `GET /backends/{kind}/sources` besides `name`.
    const SORT_COLUMNS: &'static [&'static str] = &[];
    /// The source's name is not its own but its phonebook's: `name` is neither required nor
    /// taken from the body, and needs not be unique.
    const VIRTUAL_NAME: bool = false;
    /// The `timeout` a source of this kind has when none is given (csv_ws: its HTTP timeout,
    /// which wazo-dird shows in the body).
    const DEFAULT_TIMEOUT: Option<f64> = None;
    /// The kind's own fields, with their defaults; serialized, they are what is stored and shown.
    type Config: DeserializeOwned + Serialize + Send + 'static;

    /// Checks what the types do not say (a URL's scheme, a length, a range) and completes the
    /// config (defaults that depend on other fields); each problem is reported under its field.
    fn check(_config: &mut Self::Config) -> FieldErrors {
        FieldErrors::new()
    }

    /// Builds the backend of a source (connects, opens files…); an `Err` is retried with backoff.
    fn build(spec: Arc<SourceSpec>, config: Self::Config, deps: Deps) -> Built;
}

/// Where a definition comes from: what is done with the keys its kind does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A REST body: dropped silently, as wazo-dird does.
    Api,
    /// The YAML configuration: refused.
    Declared,
    /// A database row (what upstream's daemon wrote included): dropped.
    Stored,
}

/// A backend kind, whatever its config type (what [`super::KINDS`] lists).
pub trait Kind: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn sort_columns(&self) -> &'static [&'static str];
    fn virtual_name(&self) -> bool;
    fn default_timeout(&self) -> Option<f64>;
    /// Reads the kind's own fields (a definition less its common fields): their normalized form,
    /// defaults filled in, or every problem found, field by field (wazo-dird's `details`).
    fn read(
        &self,
        fields: &Map<String, Value>,
        origin: Origin,
    ) -> Result<Map<String, Value>, FieldErrors>;
    /// Builds the backend of `spec`, whose fields are read again by [`Kind::read`]'s parser.
    fn build(&self, spec: Arc<SourceSpec>, deps: Deps) -> Built;
}

impl std::fmt::Debug for dyn Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kind({})", self.name())
    }
}

/// A [`BackendKind`] as a [`Kind`].
pub struct Typed<K>(PhantomData<fn() -> K>);

impl<K> std::fmt::Debug for Typed<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Typed")
    }
}

impl<K> Typed<K> {
    pub const fn new() -> Self {
        Typed(PhantomData)
    }
}

impl<K> Default for Typed<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: BackendKind> Typed<K> {
    /// The one parser of a kind's fields: serde, the unknown keys as `origin` wants them, then
    /// the kind's own check.
    fn parse(fields: &Map<String, Value>, origin: Origin) -> Result<K::Config, FieldErrors> {
        let mut unknown = Vec::new();
        let parsed: Result<K::Config, _> = serde_path_to_error::deserialize(
            serde_ignored::Deserializer::new(Value::Object(fields.clone()), &mut |path| {
                unknown.push(path.to_string())
            }),
        );
        let mut errors = FieldErrors::new();
        if origin == Origin::Declared {
            for path in unknown {
                let message = "Unknown field.";
                insert(
                    &mut errors,
                    &path,
                    json!({"constraint_id": "unknown", "constraint": "unknown", "message": message}),
                );
            }
        }
        match parsed {
            Ok(mut config) => {
                errors.extend(K::check(&mut config));
                if errors.is_empty() {
                    Ok(config)
                } else {
                    Err(errors)
                }
            }
            Err(error) => {
                let message = error.inner().to_string();
                let path = match error.path().to_string() {
                    root if root == "." => field_of(&message).unwrap_or("_schema").to_owned(),
                    path => path,
                };
                insert(&mut errors, &path, serde_detail(&message));
                Err(errors)
            }
        }
    }
}

impl<K: BackendKind> Kind for Typed<K> {
    fn name(&self) -> &'static str {
        K::NAME
    }
    fn sort_columns(&self) -> &'static [&'static str] {
        K::SORT_COLUMNS
    }
    fn virtual_name(&self) -> bool {
        K::VIRTUAL_NAME
    }
    fn default_timeout(&self) -> Option<f64> {
        K::DEFAULT_TIMEOUT
    }

    fn read(
        &self,
        fields: &Map<String, Value>,
        origin: Origin,
    ) -> Result<Map<String, Value>, FieldErrors> {
        let config = Self::parse(fields, origin)?;
        match serde_json::to_value(config) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Ok(Map::new()),
            Err(error) => Err(Map::from_iter([(
                "_schema".to_owned(),
                json!({"constraint_id": "invalid", "message": error.to_string()}),
            )])),
        }
    }

    fn build(&self, spec: Arc<SourceSpec>, deps: Deps) -> Built {
        match Self::parse(&spec.extra_fields, Origin::Stored) {
            Ok(config) => K::build(spec, config, deps),
            Err(errors) => {
                let reason = format!("invalid {} source: {}", K::NAME, describe(&errors));
                Box::pin(async move { Err(reason) })
            }
        }
    }
}

/// `details` as one line, sorted: `field: message; other.field: message`.
pub fn describe(details: &FieldErrors) -> String {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) if map.contains_key("message") => {
                out.push(format!(
                    "{prefix}: {}",
                    map["message"].as_str().unwrap_or_default()
                ));
            }
            Value::Object(map) => {
                for (key, inner) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, inner, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(prefix, item, out)),
            other => out.push(format!("{prefix}: {other}")),
        }
    }
    let mut out = Vec::new();
    walk("", &Value::Object(details.clone()), &mut out);
    // The same line whatever the map's order (serde_json keeps insertion order when a crate of
    // the workspace asks for `preserve_order`).
    out.sort();
    out.join("; ")
}

/// Puts `detail` at `path` (`auth.port`): a top-level field gets the detail itself, a nested one
/// a list of details inside its parent's object, as wazo-dird's nested schemas report them.
pub fn insert(errors: &mut FieldErrors, path: &str, detail: Value) {
    let mut parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    let Some(last) = parts.pop() else {
        errors.insert("_schema".into(), detail);
        return;
    };
    if parts.is_empty() {
        errors.insert(last.to_owned(), detail);
        return;
    }
    let mut map = errors;
    for part in parts {
        let entry = map
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(inner) = entry else {
            return;
        };
        map = inner;
    }
    map.insert(last.to_owned(), json!([detail]));
}

/// A serde message as a detail: `null` where a value is required, a wrong type, a missing field.
fn serde_detail(message: &str) -> Value {
    if message.starts_with("invalid type: null") {
        json!({"constraint_id": "not_null", "constraint": "not_null", "message": "Field may not be null."})
    } else if message.starts_with("missing field") {
        json!({"constraint_id": "required", "constraint": "required", "message": "Missing data for required field."})
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        json!({"constraint_id": "type", "constraint": "type", "message": message})
    } else {
        json!({"constraint_id": "invalid", "constraint": "invalid", "message": message})
    }
}

/// The field a serde error message names (`unknown field `x``, `missing field `x``).
fn field_of(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let length = message[start..].find('`')?;
    Some(&message[start..start + length])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_details_and_one_line() {
        let mut errors = FieldErrors::new();
        insert(&mut errors, "file", json!({"message": "required"}));
        insert(&mut errors, "auth.port", json!({"message": "range"}));
        assert_eq!(
            Value::Object(errors.clone()),
            json!({"file": {"message": "required"}, "auth": {"port": [{"message": "range"}]}})
        );
        assert_eq!(describe(&errors), "auth.port: range; file: required");
    }
}
