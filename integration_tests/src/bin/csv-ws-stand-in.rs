//! Runs the CSV web service stand-in on its own, for benchmarks: `csv-ws-stand-in DELAY_MS`
//! prints its URL and answers every request after DELAY_MS milliseconds (a hung service when large).

use integration_tests::web_service::CsvWebService;
use std::time::Duration;

fn main() {
    let delay: u64 = std::env::args()
        .nth(1)
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    let rows: &[&[&str]] = &[
        &["id", "firstname", "lastname", "number"],
        &["1", "Hung", "Service", "9999"],
    ];
    let service = CsvWebService::start(rows, ',', "utf-8", false);
    service.set_delay(Duration::from_millis(delay));
    println!("{}", service.url());
    loop {
        std::thread::park();
    }
}
