//! `ccm config validate`: both files, every problem named by its field.

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;

use crate::config_files::{ROUTED_TOPICS, load_app_config, load_ses_config};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Parse and validate config.json and SESConfig.json; exit 1 listing every problem.
    #[command(
        after_help = "Examples:\n  ccm config validate\n  ccm --config prod/config.json --ses-config prod/SESConfig.json config validate"
    )]
    Validate,
}

pub fn run(config: &Path, ses_config: &Path, cmd: ConfigCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCommand::Validate => {
            let mut ok = true;
            match load_app_config(config, false) {
                Ok((c, source)) => println!("✔ {source}: {} customers", c.customer_mappings.len()),
                Err(e) => {
                    ok = false;
                    println!("✘ {e:#}");
                }
            }
            match load_ses_config(ses_config, false) {
                Ok((s, source)) => match s.require_topics(ROUTED_TOPICS) {
                    Ok(()) => println!("✔ {source}: {} topics", s.expand().len()),
                    Err(e) => {
                        ok = false;
                        println!("✘ {source} lacks topics that notifications are routed to:\n{e}");
                    }
                },
                Err(e) => {
                    ok = false;
                    println!("✘ {e:#}");
                }
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}
