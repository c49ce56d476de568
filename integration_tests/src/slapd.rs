//! A throwaway OpenLDAP server (Debian's `slapd`) on a free loopback port, seeded with contacts
//! whose names use accents and non-Latin scripts; it can be killed and started again on its data.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BASE_DN: &str = "ou=people,dc=example,dc=com";
pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=com";
pub const ADMIN_PASSWORD: &str = "secret";

/// (givenName, sn, telephoneNumber, mobile, l)
pub const PEOPLE: &[(&str, &str, &str, &str, &str)] = &[
    ("Alice", "Wonderland", "1001", "+33600001001", "Lyon"),
    ("Bob", "Barker", "1002", "+33600001002", "Lyon"),
    ("Connor", "Manson", "1003", "+15550001003", "Québec"),
    ("François", "Hollande", "1004", "+33600001004", "Québec"),
    ("Мария", "Иванова", "1005", "+79000001005", "Москва"),
    ("太郎", "山田", "1006", "+81900001006", "東京"),
];

/// A running slapd, killed when dropped.
#[derive(Debug)]
pub struct Slapd {
    pub port: u16,
    /// The `ldaps://` port, when started with TLS.
    pub tls_port: Option<u16>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return path;
        }
    }
    panic!("{name} is required: apt-get install slapd ldap-utils (the test script does)");
}

impl Slapd {
    /// Starts a seeded server.
    pub fn start() -> Slapd {
        Self::start_with(false)
    }

    /// Starts a seeded server that also offers StartTLS and `ldaps://`, with a self-signed certificate.
    pub fn start_with_tls() -> Slapd {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Slapd {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("data")).expect("data dir");
        // Global TLS directives come before `database`.
        let tls_directives = if tls {
            let certified = rcgen::generate_simple_self_signed(vec![
                "localhost".to_owned(),
                "127.0.0.1".to_owned(),
            ])
            .expect("certificate");
            std::fs::write(dir.path().join("cert.pem"), certified.cert.pem()).expect("cert");
            std::fs::write(
                dir.path().join("key.pem"),
                certified.signing_key.serialize_pem(),
            )
            .expect("key");
            format!(
                "TLSCertificateFile {d}/cert.pem\nTLSCertificateKeyFile {d}/key.pem\n",
                d = dir.path().display()
            )
        } else {
            String::new()
        };
        let config = format!(
            "{tls_directives}include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\ninclude /etc/ldap/schema/nis.schema\n\
             pidfile {d}/slapd.pid\nargsfile {d}/slapd.args\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\n\
             database mdb\nmaxsize 104857600\nsuffix \"dc=example,dc=com\"\nrootdn \"{ADMIN_DN}\"\nrootpw {ADMIN_PASSWORD}\n\
             directory {d}/data\nindex objectClass eq\nindex cn,sn,givenName,mail,telephoneNumber eq,sub\naccess to * by * read\n",
            d = dir.path().display()
        );
        std::fs::write(dir.path().join("slapd.conf"), config).expect("slapd.conf");
        let tls_port = tls.then(crate::free_port);
        let mut slapd = Slapd {
            port: crate::free_port(),
            tls_port,
            dir,
            child: None,
        };
        slapd.resume();
        slapd.seed();
        slapd
    }

    fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// The URI for a source.
    pub fn uri(&self) -> String {
        format!("ldap://127.0.0.1:{}/", self.port)
    }

    /// The `ldaps://` URI, when started with TLS.
    pub fn tls_uri(&self) -> String {
        format!(
            "ldaps://127.0.0.1:{}/",
            self.tls_port.expect("started with TLS")
        )
    }

    /// Starts (again) the server on its data, and waits until it answers.
    pub fn resume(&mut self) {
        let mut listeners = format!("{}/", self.url());
        if let Some(tls_port) = self.tls_port {
            listeners.push_str(&format!(" ldaps://127.0.0.1:{tls_port}/"));
        }
        let child = Command::new(tool("slapd"))
            .arg("-f")
            .arg(self.dir.path().join("slapd.conf"))
            .arg("-h")
            .arg(listeners)
            .args(["-d", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start slapd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let probe = Command::new(tool("ldapsearch"))
                .args([
                    "-x",
                    "-H",
                    &self.url(),
                    "-b",
                    "",
                    "-s",
                    "base",
                    "namingContexts",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            if probe.is_ok_and(|s| s.success()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("slapd did not answer on {} within 10 s", self.url());
    }

    /// Kills the server (by its pid).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Adds LDIF entries as the admin.
    pub fn add(&self, ldif: &str) {
        use std::io::Write;
        let mut child = Command::new(tool("ldapadd"))
            .args([
                "-x",
                "-H",
                &self.url(),
                "-D",
                ADMIN_DN,
                "-w",
                ADMIN_PASSWORD,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ldapadd");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(ldif.as_bytes())
            .expect("ldif");
        let output = child.wait_with_output().expect("ldapadd output");
        assert!(
            output.status.success(),
            "ldapadd failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn seed(&self) {
        let mut ldif = String::from(
            "dn: dc=example,dc=com\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
             dn: ou=people,dc=example,dc=com\nobjectClass: organizationalUnit\nou: people\n\n",
        );
        for (index, (given, sn, phone, mobile, city)) in PEOPLE.iter().enumerate() {
            let cn = format!("{given} {sn}");
            // Non-ASCII values are written base64 (`::`), as LDIF requires.
            let attr = |name: &str, value: &str| {
                if value.is_ascii() {
                    format!("{name}: {value}\n")
                } else {
                    format!("{name}:: {}\n", base64(value.as_bytes()))
                }
            };
            ldif.push_str(&attr("dn", &format!("uid=user{index},{BASE_DN}")));
            ldif.push_str("objectClass: inetOrgPerson\n");
            ldif.push_str(&format!("uid: user{index}\n"));
            ldif.push_str(&attr("cn", &cn));
            ldif.push_str(&attr("givenName", given));
            ldif.push_str(&attr("sn", sn));
            ldif.push_str(&format!("telephoneNumber: {phone}\nmobile: {mobile}\n"));
            ldif.push_str(&attr("l", city));
            ldif.push_str(&format!("mail: user{index}@example.com\n\n"));
        }
        self.add(&ldif);
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.kill();
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
