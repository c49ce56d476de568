//! The layers of the configuration as sources of the `config` crate, which merges them: a later
//! layer wins, dicts merge key by key, a list or a scalar is replaced whole. Each layer is one file
//! already read by yaml_serde (the YAML reader of the whole project), or the command line, or the
//! environment, and names where its values came from.

use config::{Map as ConfigMap, ValueKind};
use serde_json::Value;

/// One layer: its values, and where they came from (a file's path, `defaults`, `command line`).
#[derive(Debug, Clone)]
pub struct Layer {
    origin: String,
    values: Value,
}

impl Layer {
    pub fn new(origin: impl Into<String>, values: Value) -> Self {
        Layer {
            origin: origin.into(),
            values,
        }
    }
}

impl config::Source for Layer {
    fn clone_into_box(&self) -> Box<dyn config::Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<ConfigMap<String, config::Value>, config::ConfigError> {
        match to_config(&self.values, &self.origin).kind {
            ValueKind::Table(table) => Ok(table),
            _ => Ok(ConfigMap::new()),
        }
    }
}

/// Merges the layers, lowest first.
pub fn merge(layers: Vec<Layer>) -> Result<config::Value, config::ConfigError> {
    let builder = layers
        .into_iter()
        .fold(config::Config::builder(), |builder, layer| {
            builder.add_source(layer)
        });
    Ok(builder.build()?.cache)
}

fn to_config(value: &Value, origin: &String) -> config::Value {
    let kind = match value {
        Value::Null => ValueKind::Nil,
        Value::Bool(b) => ValueKind::Boolean(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => ValueKind::U64(u),
            (None, Some(i)) => ValueKind::I64(i),
            _ => ValueKind::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => ValueKind::String(s.clone()),
        Value::Array(items) => {
            ValueKind::Array(items.iter().map(|item| to_config(item, origin)).collect())
        }
        Value::Object(map) => ValueKind::Table(
            map.iter()
                .map(|(key, inner)| (key.clone(), to_config(inner, origin)))
                .collect(),
        ),
    };
    config::Value::new(Some(origin), kind)
}
