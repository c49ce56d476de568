//! Runs the wazo-confd stand-in on its own, for benchmarks: `confd-stand-in TOKEN TENANT USERS`
//! serves USERS users of TENANT (user `i`: `"Firstname<i> Lastname<i>"`, exten `2<i:04>`, mobile
//! `+3361<i:06>`, line `i`) to TOKEN, prints its port, and serves until killed.

use integration_tests::confd_stand_in::{user, ConfdStandIn};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(token), Some(tenant), Some(count)) = (
        args.next(),
        args.next(),
        args.next().and_then(|c| c.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: confd-stand-in TOKEN TENANT USERS");
        std::process::exit(2)
    };
    let confd = ConfdStandIn::start(&token, &tenant);
    const FIRST: [&str; 8] = [
        "Alice", "Bruno", "Céline", "Dmitri", "Élise", "Farid", "Gaëlle", "Hugo",
    ];
    const LAST: [&str; 8] = [
        "Martin", "Lefèvre", "Nguyen", "Durand", "Moreau", "Garcia", "Roux", "Blanc",
    ];
    for i in 1..=count {
        let first = format!("{}{i}", FIRST[i as usize % FIRST.len()]);
        let last = format!("{}{i}", LAST[i as usize % LAST.len()]);
        let uuid = format!("00000000-0000-4000-8000-{i:012}");
        let exten = format!("2{i:04}");
        let mobile = format!("+3361{i:06}");
        confd.put_user(
            &tenant,
            user(
                i,
                &uuid,
                &first,
                Some(&last),
                Some(&exten),
                Some(&mobile),
                Some(i),
                None,
            ),
        );
    }
    println!("{}", confd.port);
    loop {
        std::thread::park();
    }
}
