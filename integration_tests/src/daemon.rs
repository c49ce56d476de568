//! Starting the real `wazo-dird` binary on a generated configuration, and talking to it.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: `$WAZO_DIRD_BIN`, else `target/debug/wazo-dird` of this workspace.
pub fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("WAZO_DIRD_BIN") {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    let target =
        std::env::var("CARGO_TARGET_DIR").map_or_else(|_| workspace.join("target"), PathBuf::from);
    let path = target.join("debug").join("wazo-dird");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --bin wazo-dird` first (the test script does)",
        path.display()
    );
    path
}

/// The user the daemon becomes when the tests run as root (exercises the privilege drop).
pub fn daemon_user() -> Value {
    if nix::unistd::Uid::effective().is_root() {
        json!("nobody")
    } else {
        Value::Null
    }
}

/// A configuration for a test daemon: loopback, a free port, no bus, no log file, the given overrides.
pub fn base_config(port: u16, overrides: Value) -> Value {
    let mut config = json!({
        "extra_config_files": "/nonexistent-conf.d",
        "log_filename": null,
        "log_level": "debug",
        "user": daemon_user(),
        "db_uri": null,
        "rest_api": {"listen": "127.0.0.1", "port": port},
        "bus": {"enabled": false},
    });
    merge(&mut config, overrides);
    config
}

/// Deep-merges `overrides` into `base` (dicts merge, everything else replaces).
pub fn merge(base: &mut Value, overrides: Value) {
    match (base, overrides) {
        (Value::Object(base), Value::Object(overrides)) => {
            for (key, value) in overrides {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, value) => *base = value,
    }
}

/// A running daemon, stopped (SIGTERM, then SIGKILL) when dropped.
#[derive(Debug)]
pub struct Daemon {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

/// A world-readable temporary folder (the daemon may run as `nobody`).
pub fn shared_tempdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    set_mode(dir.path(), 0o755);
    dir
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Writes a static tokens file (YAML of `tokens` and `tenants`) into `dir`, readable by the daemon,
/// and returns the `auth` section that uses it.
pub fn static_auth(dir: &Path, tokens_yaml: &str) -> Value {
    let path = dir.join("tokens.yml");
    std::fs::write(&path, tokens_yaml).expect("write the tokens file");
    set_mode(&path, 0o644);
    json!({"backend": "static", "static_tokens_file": path})
}

/// Writes `config` as YAML into `dir/config.yml`, readable by the daemon's user.
pub fn write_config(dir: &Path, config: &Value) -> PathBuf {
    let path = dir.join("config.yml");
    std::fs::write(
        &path,
        yaml_serde::to_string(config).expect("config as YAML"),
    )
    .expect("write config");
    set_mode(&path, 0o644);
    path
}

/// What the daemon logs once it answers directory requests.
pub const READY: &str = "ready: catalog read and sources warmed";

impl Daemon {
    /// Starts the daemon on `config` (see [`base_config`]) and waits until its API answers.
    pub async fn start(config: Value) -> Daemon {
        Self::start_with_args(config, &[]).await
    }

    pub async fn start_with_args(config: Value, args: &[&str]) -> Daemon {
        Self::start_in(shared_tempdir(), config, args).await
    }

    /// Starts the daemon with its files in `dir` (which may hold files the config names), kept
    /// as long as the daemon, and waits until it is ready (see [`Daemon::wait_until_ready`]).
    pub async fn start_in(dir: tempfile::TempDir, config: Value, args: &[&str]) -> Daemon {
        let logs_here = config["log_filename"].is_null()
            && ["debug", "info"].contains(
                &config["log_level"]
                    .as_str()
                    .unwrap_or("info")
                    .to_lowercase()
                    .as_str(),
            );
        let daemon = Self::start_listening_in(dir, config, args).await;
        if logs_here {
            daemon.wait_until_ready(Duration::from_secs(20)).await;
        }
        daemon
    }

    /// The same, answering as soon as the API listens (the instance may not be ready).
    pub async fn start_listening_in(
        dir: tempfile::TempDir,
        config: Value,
        args: &[&str],
    ) -> Daemon {
        let port = config["rest_api"]["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .expect("rest_api.port");
        write_config(dir.path(), &config);
        let mut daemon = Daemon {
            child: None,
            port,
            dir,
            http: reqwest::Client::new(),
        };
        daemon.spawn(args);
        daemon.wait_until_listening().await;
        daemon
    }

    /// Starts the binary on the config file of `self.dir`, its stderr appended to the log file.
    fn spawn(&mut self, args: &[&str]) {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("stderr.log"))
            .expect("stderr file");
        let child = Command::new(binary())
            .arg("-c")
            .arg(self.dir.path().join("config.yml"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn wazo-dird");
        self.child = Some(child);
    }

    /// Stops the daemon (SIGTERM) and starts it again on the same files, without waiting: the
    /// caller watches the start.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn(&[]);
    }

    /// Waits until the daemon logs that it answers directory requests (catalog read, sources
    /// warm), `limit` at most: a test may mean to start it unready (its database away, say).
    pub async fn wait_until_ready(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline && !self.stderr().contains(READY) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self
                .http
                .get(self.url("/0.1/api/api.yml"))
                .send()
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "wazo-dird did not answer within 20 s; its stderr:\n{}",
            self.stderr()
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address())
    }

    /// `host:port` of the API, for a request written on a socket.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// What the daemon printed on stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// `GET path` with a token (and optional tenant): status and JSON body (`null` when not JSON).
    pub async fn get(&self, path: &str, token: &str, tenant: Option<&str>) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, token, tenant, None)
            .await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        tenant: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("X-Auth-Token", token);
        if let Some(tenant) = tenant {
            request = request.header("Wazo-Tenant", tenant);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.expect("wazo-dird answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Polls `GET /0.1/status` until `key` reports `expected`, or panics after `timeout`.
    /// A POST of raw bytes with their Content-Type (CSV imports).
    pub async fn post_bytes(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .header("X-Auth-Token", token)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("wazo-dird answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn wait_for_status(&self, token: &str, key: &str, expected: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut last = Value::Null;
        while Instant::now() < deadline {
            let (_, body) = self.get("/0.1/status", token, None).await;
            if body[key]["status"] == expected {
                return;
            }
            last = body;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("status {key} never became {expected} within {timeout:?}; last status {last}; stderr:\n{}", self.stderr());
    }

    /// Sends `signal` to the daemon.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = self
            .child
            .as_ref()
            .and_then(|child| i32::try_from(child.id()).ok())
            .expect("running daemon");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal).expect("signal the daemon");
    }

    /// Whether the daemon is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| child.try_wait().is_ok_and(|status| status.is_none()))
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        if let Ok(pid) = i32::try_from(child.id()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        child.wait().ok()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs the binary to completion (for configurations it must refuse): exit code and stderr.
pub fn run_to_exit(config_path: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(binary())
        .arg("-c")
        .arg(config_path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run wazo-dird");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
