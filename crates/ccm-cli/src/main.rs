//! `ccm`: the operator CLI and the all-in-one local server. Everything lives in the library.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let printer = ccm_cli::commands::output::Printer::stdout();
    let cli = match ccm_cli::commands::errors::parse_args(std::env::args_os(), &printer) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    ccm_cli::logging::init(cli.log_format, &cli.log_level);
    ccm_cli::run(cli, ccm_cli::Runtime { printer, ..Default::default() }).await
}
