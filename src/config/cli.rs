//! The command line, with wazo-dird's flags. Whatever is given here beats every file.

use clap::Parser;
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// wazo-dird: the Wazo directory daemon.
#[derive(Debug, Clone, Default, Parser)]
#[command(name = "wazo-dird", version, about)]
pub struct Cli {
    /// The main configuration file.
    #[arg(short = 'c', long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Log at the debug level.
    #[arg(short = 'd', long = "debug")]
    pub debug: bool,
    /// Log level: critical, error, warning, info or debug.
    #[arg(short = 'l', long = "log-level", value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// The system user to become after binding the port.
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub user: Option<String>,
}

impl Cli {
    /// The options given on the command line, as the highest-priority configuration layer.
    pub fn as_layer(&self) -> Value {
        let mut layer = Map::new();
        if let Some(file) = &self.config_file {
            layer.insert("config_file".into(), json!(file.to_string_lossy()));
        }
        if self.debug {
            layer.insert("debug".into(), json!(true));
        }
        if let Some(level) = &self.log_level {
            layer.insert("log_level".into(), json!(level.to_lowercase()));
        }
        if let Some(user) = &self.user {
            layer.insert("user".into(), json!(user));
        }
        Value::Object(layer)
    }
}
