//! `ccm`: the operator CLI and the all-in-one local server. Everything lives in the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = ccm_cli::Cli::parse();
    ccm_cli::logging::init(cli.log_format, &cli.log_level);
    match ccm_cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
