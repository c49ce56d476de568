//! Runs the Google and Microsoft Graph stand-in on its own, for benchmarks and manual tries:
//! `cloud-stand-in ACCESS_TOKEN COUNT` serves, until killed, COUNT Microsoft and COUNT Google
//! contacts to the bearer of ACCESS_TOKEN, and prints its URL (`cloud_contacts.google_url` and
//! `microsoft_url`).

use integration_tests::cloud_stand_in::{graph_contact, person, CloudStandIn};

const FIRST: &[&str] = &[
    "Alice",
    "Bob",
    "Élodie",
    "François",
    "Jürgen",
    "Søren",
    "Zoë",
    "Marc",
    "Marie",
    "Ahmed",
    "Yuki",
    "Olga",
];
const LAST: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Lefèvre", "Müller",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let token = args.next().unwrap_or_else(|| usage());
    let count: usize = args
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| usage());
    let stand_in = CloudStandIn::start();
    let name = |i: usize| {
        (
            format!("{}{}", FIRST[i % FIRST.len()], i % 97),
            format!("{}{i}", LAST[i % LAST.len()]),
        )
    };
    stand_in.set_contacts(
        &token,
        (0..count)
            .map(|i| {
                let (given, surname) = name(i);
                graph_contact(
                    &format!("id-{i}"),
                    &given,
                    &surname,
                    &format!("5{i:06}"),
                    &format!("+336{i:08}"),
                )
            })
            .collect(),
    );
    stand_in.set_people(
        &token,
        (0..count)
            .map(|i| {
                let (given, family) = name(i);
                person(
                    &format!("p{i}"),
                    &given,
                    &family,
                    &[("work", &format!("6{i:06}"))],
                    "p@example.com",
                )
            })
            .collect(),
    );
    println!("{}", stand_in.url());
    loop {
        std::thread::park();
    }
}

fn usage() -> ! {
    eprintln!("usage: cloud-stand-in ACCESS_TOKEN COUNT");
    std::process::exit(2)
}
