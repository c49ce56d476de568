//! The `wazo-dird` binary: parses the command line and runs the daemon.

use clap::Parser;
use std::process::ExitCode;

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
