//! The `wazo-dird` binary: parses the command line and runs the daemon.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: lookups allocate many small strings and maps, and glibc
/// spent about half of a lookup's CPU consolidating free chunks (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = wazo_dird::config::Cli::parse();
    match wazo_dird::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("wazo-dird: {error}");
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}
