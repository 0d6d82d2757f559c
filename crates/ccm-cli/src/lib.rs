//! The `ccm` command: operator commands and `ccm serve`. `main.rs` only parses and calls [`run`].

pub mod commands;
pub mod config_files;
pub mod logging;
pub mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Customer Contact Manager: write a change or announcement once, approve it, and notify every affected
/// customer through that customer's own Amazon SES.
#[derive(Debug, Parser)]
#[command(name = "ccm", version, propagate_version = true, max_term_width = 110)]
#[command(
    after_help = "Examples:\n  ccm serve --demo                 run everything on this machine with demo data\n  ccm config validate              check config.json and SESConfig.json\n  ccm completions bash > ccm.bash  shell completions"
)]
pub struct Cli {
    /// config.json: customers, e-mail, DNS and portal settings.
    #[arg(long, global = true, env = "CCM_CONFIG", default_value = "config.json")]
    pub config: PathBuf,
    /// SESConfig.json: SES topics (group prefixes × members, plus standalone topics).
    #[arg(long, global = true, env = "CCM_SES_CONFIG", default_value = "SESConfig.json")]
    pub ses_config: PathBuf,
    /// Log level or filter (e.g. info, debug, ccm_api=debug). CCM_LOG overrides it.
    #[arg(long, global = true, default_value = "info")]
    pub log_level: String,
    /// Log as text (default) or JSON lines.
    #[arg(long, global = true, value_enum, default_value_t = logging::LogFormat::Text)]
    pub log_format: logging::LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the portal, the API, sign-in and notifications in one process on this machine.
    #[command(
        after_help = "Examples:\n  ccm serve --demo\n  ccm serve --data /var/lib/ccm --port 9000\n  AWS_ENDPOINT_URL=http://127.0.0.1:5000 ccm serve --backend aws --bucket ccm-metadata"
    )]
    Serve(serve::ServeArgs),
    /// Check the configuration files.
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// Print shell completions.
    #[command(after_help = "Example:\n  ccm completions bash > /etc/bash_completion.d/ccm")]
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.config, &cli.ses_config, args).await,
        Command::Config(cmd) => commands::config::run(&cli.config, &cli.ses_config, cmd),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "ccm", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
