//! nginx (Debian's package) in front of instances of the daemon, with a configuration, pid file,
//! logs and temporary folders of its own, as a cluster is deployed: `proxy_next_upstream error
//! timeout http_502 http_503`, so a refused connection or a 503 goes to the next instance.

use crate::free_port;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// nginx in front of the instances: `proxy_next_upstream error timeout http_502 http_503`.
#[derive(Debug)]
pub struct Nginx {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

fn nginx_binary() -> PathBuf {
    let path = PathBuf::from("/usr/sbin/nginx");
    assert!(
        path.exists(),
        "nginx is required: apt-get install nginx (the test script does)"
    );
    path
}

impl Nginx {
    /// Starts nginx on a free port, balancing over the instances on `upstreams`.
    pub fn start(upstreams: &[u16]) -> Nginx {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let servers: String = upstreams
            .iter()
            .map(|port| format!("        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;\n"))
            .collect();
        let root = dir.path().display();
        let config = format!(
            "pid {root}/nginx.pid;\nerror_log {root}/error.log warn;\nworker_processes 1;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n    access_log off;\n    client_body_temp_path {root}/body;\n    proxy_temp_path {root}/proxy;\n\
             fastcgi_temp_path {root}/fastcgi;\n    uwsgi_temp_path {root}/uwsgi;\n    scgi_temp_path {root}/scgi;\n\
             upstream dird {{\n{servers}        keepalive 64;\n    }}\n\
             server {{\n        listen 127.0.0.1:{port};\n        location / {{\n            proxy_pass http://dird;\n\
             proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n\
             proxy_next_upstream error timeout http_502 http_503;\n\
             proxy_next_upstream_tries 3;\n            proxy_connect_timeout 1s;\n            proxy_read_timeout 5s;\n        }}\n    }}\n}}\n"
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config).expect("nginx.conf");
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        Nginx {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
