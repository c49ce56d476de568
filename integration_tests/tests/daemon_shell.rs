//! The daemon as an admin runs it: configuration files and the command line, refusals, logging, TLS,
//! CORS, standalone (static) auth and the OpenAPI document.

use integration_tests::daemon::{
    base_config, run_to_exit, set_mode, shared_tempdir, static_auth, write_config, Daemon,
};
use integration_tests::free_port;
use serde_json::{json, Value};
use std::path::Path;

const TOKENS: &str = r#"
tokens:
  root-token: {user_uuid: 10000000-0000-4000-8000-000000000001, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ["dird.#"]}
  star-token: {user_uuid: 10000000-0000-4000-8000-000000000002, tenant_uuid: 20000000-0000-4000-8000-000000000002, acl: ["dird.*.read"]}
  denied-token: {user_uuid: 10000000-0000-4000-8000-000000000003, tenant_uuid: 20000000-0000-4000-8000-000000000001, acl: ["dird.#", "!dird.status.#"]}
tenants:
  - {uuid: 20000000-0000-4000-8000-000000000001, name: master, parent_uuid: null}
  - {uuid: 20000000-0000-4000-8000-000000000002, name: sub, parent_uuid: 20000000-0000-4000-8000-000000000001}
  - {uuid: 20000000-0000-4000-8000-000000000003, name: other, parent_uuid: 20000000-0000-4000-8000-000000000001}
"#;
const SUB: &str = "20000000-0000-4000-8000-000000000002";
const OTHER: &str = "20000000-0000-4000-8000-000000000003";

fn write_file(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    set_mode(path, 0o644);
}

/// A static-auth configuration whose tokens file lives in `dir`.
fn static_config(dir: &Path, overrides: Value) -> Value {
    let auth = static_auth(dir, TOKENS);
    let mut config = base_config(free_port(), json!({"auth": auth}));
    integration_tests::daemon::merge(&mut config, overrides);
    config
}

#[tokio::test]
async fn static_auth_matches_acls_like_wazo_auth() {
    let dir = shared_tempdir();
    let dird = Daemon::start(static_config(dir.path(), json!({}))).await;
    assert!(
        dird.stderr().contains("standalone mode"),
        "no standalone warning:\n{}",
        dird.stderr()
    );
    let (status, body) = dird.get("/0.1/status", "root-token", None).await;
    assert_eq!(status, 200, "`#`: {body}");
    assert_eq!(
        body["master_tenant"]["status"], "ok",
        "the top tenant of the file is the master tenant"
    );
    let (status, _) = dird.get("/0.1/status", "star-token", None).await;
    assert_eq!(status, 200, "`*` matches one segment");
    let (status, body) = dird.get("/0.1/config", "star-token", None).await;
    assert_eq!(
        status, 401,
        "`dird.*.read` grants dird.config.read but not to a sub-tenant token: {body}"
    );
    let (status, body) = dird.get("/0.1/status", "denied-token", None).await;
    assert_eq!(status, 401, "`!` wins: {body}");
    assert_eq!(
        body["details"]["reason"],
        "missing_permission_or_invalid_tenant"
    );
    let (status, _) = dird.get("/0.1/backends", "denied-token", None).await;
    assert_eq!(status, 200);
    let (status, _) = dird.get("/0.1/status", "star-token", Some(OTHER)).await;
    assert_eq!(status, 401, "a sibling tenant is not visible");
    let (status, _) = dird.get("/0.1/status", "root-token", Some(SUB)).await;
    assert_eq!(status, 200);
    let (status, body) = dird.get("/0.1/status", "nope", None).await;
    assert_eq!(
        (status, body["details"]["reason"].clone()),
        (401, json!("not_found_or_expired"))
    );
}

#[tokio::test]
async fn conf_d_files_merge_first_wins_and_the_command_line_beats_them() {
    let dir = shared_tempdir();
    let confd = dir.path().join("conf.d");
    std::fs::create_dir(&confd).expect("mkdir");
    set_mode(&confd, 0o755);
    write_file(
        &confd.join("10-first.yml"),
        "confd: {host: first.example}\nlog_level: error\n",
    );
    write_file(
        &confd.join("20-second.yml"),
        "confd: {host: second.example, port: 1234}\n",
    );
    write_file(&confd.join(".hidden.yml"), "confd: {port: 9}\n");
    let config = static_config(
        dir.path(),
        json!({"extra_config_files": confd, "confd": {"host": "main.example"}}),
    );
    let dird = Daemon::start_with_args(config, &["-l", "WARNING"]).await;
    let (status, body) = dird.get("/0.1/config", "root-token", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["confd"]["host"], "first.example");
    assert_eq!(body["confd"]["port"], 1234, "dicts merge across files");
    assert_eq!(
        body["confd"]["https"], false,
        "defaults fill what no file sets"
    );
    assert_eq!(body["log_level"], "warning", "the command line wins");
}

#[tokio::test]
async fn an_invalid_configuration_is_refused_with_every_error() {
    let dir = shared_tempdir();
    let confd = dir.path().join("conf.d");
    std::fs::create_dir(&confd).expect("mkdir");
    write_file(
        &confd.join("50-admin.yml"),
        "rest_api: {port: not-a-port}\nauth: {cache_ttl: -1}\n",
    );
    let config = json!({"extra_config_files": confd, "log_level": "verbose", "bus": {"enabled": "sometimes"}});
    let path = write_config(dir.path(), &config);
    let (code, stderr) = run_to_exit(&path, &[]);
    assert_ne!(code, Some(0), "{stderr}");
    for (file, key) in [
        ("50-admin.yml", "rest_api.port"),
        ("50-admin.yml", "auth.cache_ttl"),
        ("config.yml", "log_level"),
        ("config.yml", "bus.enabled"),
    ] {
        assert!(
            stderr.lines().any(|l| l.contains(file) && l.contains(key)),
            "{key} from {file} not reported:\n{stderr}"
        );
    }
}

#[tokio::test]
async fn root_needs_a_user_to_become() {
    let dir = shared_tempdir();
    let mut config = static_config(dir.path(), json!({}));
    config["user"] = Value::Null;
    let path = write_config(dir.path(), &config);
    if nix::unistd::Uid::effective().is_root() {
        let (code, stderr) = run_to_exit(&path, &[]);
        assert_ne!(code, Some(0));
        assert!(stderr.contains("refusing to run as root"), "{stderr}");
        let dird = Daemon::start_with_args(config, &["-u", "nobody"]).await;
        let (status, _) = dird.get("/0.1/status", "root-token", None).await;
        assert_eq!(status, 200);
        assert!(
            dird.stderr().contains("dropped root privileges"),
            "{}",
            dird.stderr()
        );
    } else {
        let dird = Daemon::start(config).await;
        let (status, _) = dird.get("/0.1/status", "root-token", None).await;
        assert_eq!(status, 200, "not root: `user` is not needed");
    }
}

#[tokio::test]
async fn logs_go_to_the_log_file() {
    let dir = shared_tempdir();
    let log = dir.path().join("dird.log");
    let dird = Daemon::start(static_config(dir.path(), json!({"log_filename": log}))).await;
    let (status, _) = dird.get("/0.1/status", "root-token", None).await;
    assert_eq!(status, 200);
    let text = std::fs::read_to_string(&log).expect("the log file exists");
    assert!(text.contains("starting wazo-dird"), "{text}");
    assert!(!text.contains("root-token"), "a token was logged");
}

#[tokio::test]
async fn tls_when_certificate_and_key_are_set() {
    let dir = shared_tempdir();
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    write_file(&cert_path, &certified.cert.pem());
    write_file(&key_path, &certified.signing_key.serialize_pem());
    let port = free_port();
    let mut config = static_config(
        dir.path(),
        json!({"rest_api": {"certificate": cert_path, "private_key": key_path}}),
    );
    config["rest_api"]["port"] = json!(port);
    let path = write_config(dir.path(), &config);
    let mut child = std::process::Command::new(integration_tests::daemon::binary())
        .arg("-c")
        .arg(&path)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .expect("client");
    let mut answer = None;
    for _ in 0..100 {
        if let Ok(response) = client
            .get(format!("https://localhost:{port}/0.1/status"))
            .header("X-Auth-Token", "root-token")
            .send()
            .await
        {
            answer = Some(response.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answer, Some(200), "HTTPS status");
}

#[tokio::test]
async fn cors_preflight_is_answered() {
    let dir = shared_tempdir();
    let dird = Daemon::start(static_config(dir.path(), json!({}))).await;
    let response = dird
        .http
        .request(reqwest::Method::OPTIONS, dird.url("/0.1/status"))
        .header("Origin", "https://ui.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "X-Auth-Token")
        .send()
        .await
        .expect("preflight");
    assert!(response.status().is_success(), "{}", response.status());
    assert!(response
        .headers()
        .contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn the_openapi_document_is_valid_and_lists_every_route() {
    let dir = shared_tempdir();
    let dird = Daemon::start(static_config(dir.path(), json!({}))).await;
    let response = dird
        .http
        .get(dird.url("/0.1/api/api.yml"))
        .send()
        .await
        .expect("api.yml");
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.expect("body");
    let document: Value = yaml_serde::from_str(&text).expect("YAML");
    oas3::from_json(document.to_string()).expect("a valid OpenAPI 3.1 document");
    let paths = document["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/0.1/status", "get"),
        ("/0.1/config", "get"),
        ("/0.1/config", "patch"),
        ("/0.1/backends", "get"),
        ("/0.1/api/api.yml", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    for (path, item) in paths {
        for method in item.as_object().expect("operations").keys() {
            let response = dird
                .http
                .request(
                    method.to_uppercase().parse().expect("method"),
                    dird.url(path),
                )
                .send()
                .await
                .expect("answer");
            assert_ne!(
                response.status().as_u16(),
                404,
                "{method} {path} is documented but not served"
            );
        }
    }
}

#[tokio::test]
async fn a_disabled_view_plugin_serves_no_route() {
    let dir = shared_tempdir();
    let config = static_config(
        dir.path(),
        json!({"enabled_plugins": {"views": {"backends_view": false}}}),
    );
    let dird = Daemon::start(config).await;
    let (status, _) = dird.get("/0.1/backends", "root-token", None).await;
    assert_eq!(status, 404);
    let (status, _) = dird.get("/0.1/status", "root-token", None).await;
    assert_eq!(status, 200, "other groups stay on");
    let (status, body) = dird
        .get("/0.1/backends/csv/sources", "root-token", None)
        .await;
    assert_eq!(
        status, 200,
        "another group of the same area stays on: {body}"
    );
    // An unknown path, inside an area or not, gets wazo-dird's JSON 404.
    for path in [
        "/0.1/displays/a/b/c",
        "/0.1/directories/nothing",
        "/0.1/nosuch",
    ] {
        let (status, body) = dird.get(path, "root-token", None).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error_id"], "not-found", "{path}: {body}");
    }
}

#[tokio::test]
async fn the_cluster_example_of_contribs_is_a_valid_conf_d_file() {
    let dir = shared_tempdir();
    let conf_d = dir.path().join("conf.d");
    std::fs::create_dir(&conf_d).expect("conf.d");
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../contribs/cluster/50-cluster.yml"
    );
    std::fs::copy(example, conf_d.join("50-cluster.yml")).expect("copy the example");
    // This machine has none of the example's hosts: an earlier file (first wins) points the
    // daemon at loopback and leaves the database, the broker and consul out.
    let metrics_port = free_port();
    let port = free_port();
    std::fs::write(
        conf_d.join("00-test.yml"),
        format!(
            "rest_api: {{listen: 127.0.0.1, port: {port}}}\nmetrics: {{listen: 127.0.0.1, port: {metrics_port}}}\n\
             db_uri: null\nbus: {{enabled: false}}\nservice_discovery: {{enabled: false}}\n"
        ),
    )
    .expect("override");
    for file in ["00-test.yml", "50-cluster.yml"] {
        set_mode(&conf_d.join(file), 0o644);
    }
    let mut config = static_config(dir.path(), json!({}));
    config["extra_config_files"] = json!(conf_d);
    config["rest_api"]["port"] = json!(port);
    let dird = Daemon::start_in(dir, config, &[]).await;
    assert!(!dird.stderr().contains("unknown key"), "{}", dird.stderr());
    let (status, body) = dird.get("/0.1/config", "root-token", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["bus"]["queue_name"], "wazo-dird");
    assert_eq!(body["bus"]["exchange_name"], "wazo-headers");
    assert_eq!(body["bus"]["password"], "********", "{}", body["bus"]);
    assert_eq!(body["service_discovery"]["advertise_port"], 9489);
    let metrics = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .expect("metrics");
    assert_eq!(metrics.status().as_u16(), 200);
}
