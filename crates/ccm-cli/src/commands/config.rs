//! `ccm config validate`: both files, every problem named by its field, then the rules that need
//! both files or all customers together (`ccm_core::config::validate_together`): no two customers
//! on one SES account and region, no `additional_contacts` topic SESConfig.json lacks.

use std::path::Path;
use std::process::ExitCode;

use ccm_core::config::{AppConfig, ConfigError, SesConfig, validate_together};
use clap::Subcommand;
use serde::Serialize;
use serde_json::json;

use super::output::{OutputFormat, Printer};
use crate::config_files::{ROUTED_TOPICS, read};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Parse and validate config.json and SESConfig.json, then check them together (customers on
    /// distinct SES accounts, additional_contacts topics defined); exit 1 listing every problem.
    #[command(
        after_help = "Examples:\n  ccm config validate\n  ccm --config prod/config.json --ses-config prod/SESConfig.json config validate\n  ccm --output json config validate"
    )]
    Validate,
}

/// One check: a file, or the files together.
#[derive(Debug, Serialize)]
struct Check {
    check: String,
    ok: bool,
    summary: String,
    problems: Vec<Problem>,
}

#[derive(Debug, Serialize)]
struct Problem {
    field: String,
    message: String,
}

impl Check {
    fn passed(check: String, summary: String) -> Self {
        Self { check, ok: true, summary, problems: Vec::new() }
    }

    fn failed(check: String, summary: impl Into<String>, e: &ConfigError) -> Self {
        let problems =
            e.errors.iter().map(|e| Problem { field: e.field.clone(), message: e.message.clone() }).collect();
        Self { check, ok: false, summary: summary.into(), problems }
    }

    fn unreadable(check: String, e: &anyhow::Error) -> Self {
        Self { check, ok: false, summary: format!("{e:#}"), problems: Vec::new() }
    }
}

pub fn run(
    config: &Path,
    ses_config: &Path,
    cmd: ConfigCommand,
    printer: &Printer,
    output: OutputFormat,
) -> anyhow::Result<ExitCode> {
    let ConfigCommand::Validate = cmd;
    let mut checks = Vec::new();
    let app = match read(config, None) {
        Ok((text, source)) => match AppConfig::from_json(&text) {
            Ok(app) => {
                checks.push(Check::passed(source.to_string(), format!("{} customers", app.customer_mappings.len())));
                Some(app)
            }
            Err(e) => {
                checks.push(Check::failed(source.to_string(), "not valid", &e));
                None
            }
        },
        Err(e) => {
            checks.push(Check::unreadable(config.display().to_string(), &e));
            None
        }
    };
    let ses = match read(ses_config, None) {
        Ok((text, source)) => {
            match SesConfig::from_json(&text).and_then(|s| s.require_topics(ROUTED_TOPICS).map(|()| s)) {
                Ok(ses) => {
                    checks.push(Check::passed(source.to_string(), format!("{} topics", ses.expand().len())));
                    Some(ses)
                }
                Err(e) => {
                    checks.push(Check::failed(
                        source.to_string(),
                        "not valid (or lacks a topic notifications are routed to)",
                        &e,
                    ));
                    None
                }
            }
        }
        Err(e) => {
            checks.push(Check::unreadable(ses_config.display().to_string(), &e));
            None
        }
    };
    if let (Some(app), Some(ses)) = (&app, &ses) {
        let name = "both files together".to_owned();
        checks.push(match validate_together(app, ses) {
            Ok(()) => {
                Check::passed(name, "every customer on its own SES account, additional_contacts topics defined".into())
            }
            Err(e) => Check::failed(name, "conflicts", &e),
        });
    }
    let ok = checks.iter().all(|c| c.ok);
    if output == OutputFormat::Json {
        printer.json(&json!({"command": "config validate", "ok": ok, "checks": checks}));
    } else {
        let mut text = String::new();
        for c in &checks {
            text.push_str(&format!("{} {}: {}\n", if c.ok { "✔" } else { "✘" }, c.check, c.summary));
            for p in &c.problems {
                text.push_str(&format!("    {}: {}\n", p.field, p.message));
            }
        }
        printer.print(&text);
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
