//! Real PostgreSQL for tests: a fresh database per test on the machine's server
//! (`$WAZO_DIRD_TEST_PG`, default `postgresql://postgres@127.0.0.1:5432`), dropped afterwards; and
//! throwaway clusters on a chosen port, to test a database that is down and comes back.

use std::path::PathBuf;
use std::process::Command;
use tokio_postgres::NoTls;

/// The server tests use.
pub fn server_uri() -> String {
    std::env::var("WAZO_DIRD_TEST_PG")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432".into())
}

/// Connects to `uri`, failing the test loudly when PostgreSQL is not there.
pub async fn connect(uri: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(uri, NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL is required at {uri} (the test script starts it): {e}")
        });
    tokio::spawn(connection);
    client
}

/// A database created for one test and dropped with it.
#[derive(Debug)]
pub struct TestDatabase {
    pub name: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let name = format!("dird_test_{}", uuid::Uuid::new_v4().simple());
        let admin = connect(&format!("{}/postgres", server_uri())).await;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        TestDatabase { name }
    }

    pub fn uri(&self) -> String {
        format!("{}/{}", server_uri(), self.name)
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        connect(&self.uri()).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop may run inside a test's runtime: use a thread with its own.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let (admin, connection) =
                    tokio_postgres::connect(&format!("{}/postgres", server_uri()), NoTls)
                        .await
                        .ok()?;
                tokio::spawn(connection);
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        });
        let _ = dropper.join();
    }
}

/// A throwaway PostgreSQL cluster (initdb + pg_ctl) on a loopback port, for outage tests.
#[derive(Debug)]
pub struct Cluster {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
}

fn pg_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect(
            "PostgreSQL server binaries under /usr/lib/postgresql (the test script installs them)",
        )
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("pg_ctl under /usr/lib/postgresql/*/bin")
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root).
fn run_pg(bin: &std::path::Path, tool: &str, args: &[&str]) -> std::process::Output {
    let program = bin.join(tool);
    let output = if nix::unistd::Uid::effective().is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&program)
            .args(args)
            .output()
    } else {
        Command::new(&program).args(args).output()
    };
    output.unwrap_or_else(|e| panic!("cannot run {tool}: {e}"))
}

impl Cluster {
    /// Initialises a cluster (not started) that will listen on `port`.
    pub fn init(port: u16) -> Cluster {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::daemon::set_mode(dir.path(), 0o777);
        let bin = pg_bin();
        let data = dir.path().join("data");
        let output = run_pg(
            &bin,
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        assert!(
            output.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Cluster { port, dir, bin }
    }

    pub fn start(&self) {
        let data = self.dir.path().join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log");
        let output = run_pg(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
        assert!(
            output.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub fn stop(&self) {
        let data = self.dir.path().join("data");
        let _ = run_pg(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }

    pub fn uri(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}
