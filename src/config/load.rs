//! Reading the configuration files in wazo-dird's order, as layers of the `config` crate.
//!
//! Priority, highest first: command line, `auth.key_file` credentials, `conf.d` files (alphabetical,
//! dotfiles skipped, the first file wins), the main file, the built-in defaults. `XIVO_UUID` from the
//! environment fills `uuid`.

use super::layers::{merge, Layer};
use super::{typed, Cli, Config, ConfigError, Tree, DEFAULTS_YAML};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Why the configuration cannot be used. Every problem found is listed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid configuration:\n{}", list(.0))]
    Invalid(Vec<ConfigError>),
}

fn list(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(|e| format!("  - {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What was loaded: the validated config, the merged tree (for `GET /config`), and warnings to log
/// once logging is set up.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub tree: Tree,
    pub warnings: Vec<String>,
}

/// Reads and validates the whole configuration.
pub fn load(cli: &Cli, xivo_uuid: Option<String>) -> Result<Loaded, LoadError> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let (defaults, defaults_tree) = builtin_defaults();
    let config_file = cli.config_file.clone().unwrap_or_else(|| {
        PathBuf::from(
            defaults
                .get("config_file")
                .and_then(Value::as_str)
                .unwrap_or("/etc/wazo-dird/config.yml"),
        )
    });
    // The files, lowest first: the defaults, the main file, then the conf.d files from the last
    // to the first (the first file that sets a key wins).
    let mut files = vec![Layer::new("defaults", defaults.clone())];
    let main_file = read_layer(&config_file, true, &mut errors);
    let extra_dir = main_file
        .as_ref()
        .and_then(|v| v.get("extra_config_files"))
        .or_else(|| defaults.get("extra_config_files"))
        .and_then(Value::as_str)
        .map(PathBuf::from);
    if let Some(main) = main_file {
        files.push(Layer::new(config_file.display().to_string(), main));
    }
    if let Some(dir) = extra_dir {
        let conf_d = read_dir_layers(&dir, &mut errors, &mut warnings);
        files.extend(
            conf_d
                .into_iter()
                .rev()
                .map(|(origin, layer)| Layer::new(origin, layer)),
        );
    }
    // The key file's credentials beat the files; its own path may come from any file.
    let mut layers = files.clone();
    if let Some(credentials) = key_file_layer(files, &mut warnings) {
        layers.push(credentials);
    }
    if let Some(uuid) = xivo_uuid {
        layers.push(Layer::new(
            "environment (XIVO_UUID)",
            json!({ "uuid": uuid }),
        ));
    }
    layers.push(Layer::new("command line", cli.as_layer()));
    let config_file_origin = if cli.config_file.is_some() {
        "command line"
    } else {
        "defaults"
    };
    layers.push(Layer::new(
        config_file_origin,
        json!({"config_file": config_file.to_string_lossy()}),
    ));

    let tree = Tree::from_merged(&merge(layers).map_err(|e| merge_failed(&e))?);
    let (config, unknown) = match typed::read(&tree, &defaults_tree) {
        Ok(ok) => ok,
        Err(mut invalid) => {
            errors.append(&mut invalid);
            return Err(LoadError::Invalid(errors));
        }
    };
    if !errors.is_empty() {
        return Err(LoadError::Invalid(errors));
    }
    for (key, origin) in unknown {
        warnings.push(format!("{origin}: unknown key `{key}` ignored"));
    }
    Ok(Loaded {
        config,
        tree,
        warnings,
    })
}

/// The built-in defaults (`config/config.yml`, embedded), as a layer's values and as a tree.
fn builtin_defaults() -> (Value, Tree) {
    let defaults =
        parse_yaml(DEFAULTS_YAML, "defaults").expect("the embedded defaults are valid YAML");
    let merged = merge(vec![Layer::new("defaults", defaults.clone())])
        .expect("one layer of JSON values always merges");
    (defaults, Tree::from_merged(&merged))
}

/// The built-in defaults alone, as a typed config.
#[cfg(test)]
pub fn builtin() -> Config {
    let (_, tree) = builtin_defaults();
    typed::read(&tree, &tree).expect("the defaults are valid").0
}

fn merge_failed(error: &config::ConfigError) -> LoadError {
    LoadError::Invalid(vec![ConfigError {
        key: "(file)".into(),
        origin: "layers".into(),
        message: format!("cannot merge the files: {error}"),
    }])
}

/// The credentials of `auth.key_file`, as the files set it, as a layer of their own.
fn key_file_layer(files: Vec<Layer>, warnings: &mut Vec<String>) -> Option<Layer> {
    let merged = Tree::from_merged(&merge(files).ok()?);
    let key_file = merged
        .get("auth.key_file")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())?;
    match read_key_file(Path::new(key_file)) {
        Ok(credentials) => Some(Layer::new(key_file, credentials)),
        Err(message) => {
            warnings.push(format!("auth.key_file {key_file}: {message}"));
            None
        }
    }
}

fn parse_yaml(text: &str, origin: &str) -> Result<Value, ConfigError> {
    let value: Value = yaml_serde::from_str(text).map_err(|e| ConfigError {
        key: "(file)".into(),
        origin: origin.to_owned(),
        message: format!("not valid YAML: {e}"),
    })?;
    match value {
        Value::Null => Ok(json!({})),
        Value::Object(_) => Ok(value),
        _ => Err(ConfigError {
            key: "(file)".into(),
            origin: origin.to_owned(),
            message: "the file must hold a dict of keys".into(),
        }),
    }
}

/// Reads one YAML file. A missing main file is an error only when `required`.
fn read_layer(path: &Path, required: bool, errors: &mut Vec<ConfigError>) -> Option<Value> {
    let origin = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => match parse_yaml(&text, &origin) {
            Ok(value) => Some(value),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        Err(e) if required || e.kind() != std::io::ErrorKind::NotFound => {
            errors.push(ConfigError {
                key: "(file)".into(),
                origin,
                message: format!("cannot read: {e}"),
            });
            None
        }
        Err(_) => None,
    }
}

/// The `.yml` files of the `conf.d` folder, in alphabetical order, dotfiles skipped.
fn read_dir_layers(
    dir: &Path,
    errors: &mut Vec<ConfigError>,
    warnings: &mut Vec<String>,
) -> Vec<(String, Value)> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            warnings.push(format!(
                "extra_config_files {}: cannot read the folder: {e}",
                dir.display()
            ));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && name.ends_with(".yml") && path.is_file()
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            read_layer(&path, true, errors).map(|layer| (path.display().to_string(), layer))
        })
        .collect()
}

/// `auth.key_file` holds `service_id` and `service_key`: they become `auth.username` and `auth.password`.
fn read_key_file(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let value: Value = yaml_serde::from_str(&text).map_err(|e| format!("not valid YAML: {e}"))?;
    let id = value.get("service_id").and_then(Value::as_str);
    let key = value.get("service_key").and_then(Value::as_str);
    match (id, key) {
        (Some(id), Some(key)) => Ok(json!({"auth": {"username": id, "password": key}})),
        _ => Err("expected `service_id` and `service_key`".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(path: &Path, text: &str) {
        fs::write(path, text).expect("write test file");
    }

    fn cli_for(file: &Path) -> Cli {
        Cli {
            config_file: Some(file.to_path_buf()),
            ..Cli::default()
        }
    }

    #[test]
    fn conf_d_first_file_wins_over_later_files_and_main_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let confd = dir.path().join("conf.d");
        fs::create_dir(&confd).expect("mkdir");
        let main = dir.path().join("config.yml");
        write(&main, &format!("extra_config_files: {}\nrest_api: {{port: 1000, listen: 0.0.0.0}}\nlog_level: error\n", confd.display()));
        write(&confd.join("10-first.yml"), "rest_api: {port: 2000}\n");
        write(
            &confd.join("20-second.yml"),
            "rest_api: {port: 3000}\nlog_level: warning\n",
        );
        write(&confd.join(".hidden.yml"), "rest_api: {port: 4000}\n");
        write(
            &confd.join("30-ignored.yaml.bak"),
            "rest_api: {port: 5000}\n",
        );
        let loaded = load(&cli_for(&main), None).expect("valid");
        assert_eq!(loaded.config.rest_api.port, 2000);
        assert_eq!(
            loaded.config.rest_api.listen, "0.0.0.0",
            "dicts merge deeply"
        );
        assert_eq!(loaded.config.log_level, "warning");
        assert_eq!(loaded.config.bus.port, 5672, "defaults fill the rest");
    }

    #[test]
    fn command_line_beats_files_and_lists_replace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let main = dir.path().join("config.yml");
        write(&main, "extra_config_files: /nonexistent\nlog_level: error\nuser: www-data\nrest_api: {cors: {allow_headers: [X-One]}}\n");
        let cli = Cli {
            log_level: Some("DEBUG".into()),
            user: Some("nobody".into()),
            debug: true,
            ..cli_for(&main)
        };
        let loaded = load(&cli, Some("stack-uuid".into())).expect("valid");
        assert_eq!(loaded.config.log_level, "debug");
        assert!(loaded.config.debug);
        assert_eq!(loaded.config.user.as_deref(), Some("nobody"));
        assert_eq!(loaded.config.uuid.as_deref(), Some("stack-uuid"));
        assert_eq!(
            loaded.config.rest_api.cors.allow_headers,
            vec!["X-One".to_owned()]
        );
    }

    #[test]
    fn every_error_is_reported_with_its_file_and_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let confd = dir.path().join("conf.d");
        fs::create_dir(&confd).expect("mkdir");
        let main = dir.path().join("config.yml");
        write(
            &main,
            &format!(
                "extra_config_files: {}\nbus: {{port: 99999}}\n",
                confd.display()
            ),
        );
        write(
            &confd.join("50-admin.yml"),
            "rest_api: {port: web}\nlog_level: loud\nauth: {backend: static}\n",
        );
        let error = load(&cli_for(&main), None).expect_err("invalid");
        let LoadError::Invalid(errors) = error;
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 4, "{text:#?}");
        assert!(
            text.iter()
                .any(|e| e.contains("50-admin.yml") && e.contains("rest_api.port")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains("50-admin.yml") && e.contains("log_level")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains("config.yml") && e.contains("bus.port")),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|e| e.contains("auth.static_tokens_file")),
            "{text:#?}"
        );
    }

    #[test]
    fn key_file_supplies_credentials_and_unknown_keys_warn() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("key.yml");
        write(&key, "service_id: wazo-dird\nservice_key: s3cret\n");
        let main = dir.path().join("config.yml");
        write(&main, &format!("extra_config_files: /nonexistent\nauth: {{key_file: {}, username: ignored}}\nmystery: 1\nsources: []\ndisplays: []\nprofiles: []\n", key.display()));
        let loaded = load(&cli_for(&main), None).expect("valid");
        assert_eq!(loaded.config.auth.username.as_deref(), Some("wazo-dird"));
        assert_eq!(loaded.config.auth.password.as_deref(), Some("s3cret"));
        assert!(
            loaded.warnings.iter().any(|w| w.contains("mystery")),
            "{:?}",
            loaded.warnings
        );
        assert!(
            !loaded
                .warnings
                .iter()
                .any(|w| ["sources", "displays", "profiles"]
                    .iter()
                    .any(|key| w.contains(&format!("`{key}`")))),
            "declared sources, displays and profiles are known keys: {:?}",
            loaded.warnings
        );
    }

    #[test]
    fn unreadable_main_file_and_bad_yaml_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.yml");
        assert!(load(&cli_for(&missing), None).is_err());
        let bad = dir.path().join("bad.yml");
        write(&bad, "rest_api: [unclosed\n");
        let LoadError::Invalid(errors) = load(&cli_for(&bad), None).expect_err("bad yaml");
        assert!(errors[0].to_string().contains("bad.yml"), "{}", errors[0]);
    }
}
