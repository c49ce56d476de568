//! Runs the wazo-auth stand-in on its own, for benchmarks and manual tries:
//! `auth-stand-in PORT TOKEN [EXTERNAL]` serves until killed; TOKEN is valid for every ACL in the
//! master tenant, and the daemon's service login is `dird-service` / `dird-password`; with
//! EXTERNAL, TOKEN's user has Google and Microsoft accounts whose OAuth token is EXTERNAL.

use integration_tests::auth_stand_in::{AuthStandIn, MASTER_TENANT};

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| usage());
    let token = args.next().unwrap_or_else(|| usage());
    let stand_in = AuthStandIn::start_on(port);
    stand_in.add_token(
        &token,
        Some("aaaaaaaa-0000-4000-8000-000000000001"),
        MASTER_TENANT,
        &["__accept_all__"],
    );
    if let Some(external) = args.next() {
        for kind in ["google", "microsoft"] {
            stand_in.set_external("aaaaaaaa-0000-4000-8000-000000000001", kind, &external);
        }
    }
    println!("wazo-auth stand-in on 127.0.0.1:{port}");
    loop {
        std::thread::park();
    }
}

fn usage() -> ! {
    eprintln!("usage: auth-stand-in PORT TOKEN [EXTERNAL]");
    std::process::exit(2)
}
