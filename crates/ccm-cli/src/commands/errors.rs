//! Failures that are not one customer's (a bad flag, an unreadable file, an unknown customer, an
//! unusable profile): how they reach the operator, keeping the output contract.
//!
//! - `--output json`: the one JSON document on stdout is `{"error": "<sentence>"}`;
//! - `--log-format json`: the error is a JSON log line (stderr holds nothing else);
//! - otherwise `error: <sentence>` on stderr.
//!
//! Exit codes: 0 success, 1 a failure (any customer failed, a check failed, an error), 2 a usage
//! error on the command line.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

use super::output::{OutputFormat, Printer, Stream, write_console};
use crate::Cli;
use crate::logging::LogFormat;

/// Reports `err` as the output contract says.
pub fn report(printer: &Printer, output: OutputFormat, logs: LogFormat, err: &anyhow::Error) {
    let message = format!("{err:#}");
    if output == OutputFormat::Json {
        printer.json(&json!({ "error": message }));
    }
    match logs {
        LogFormat::Json => tracing::error!(error = %message, "the command failed"),
        LogFormat::Text => write_console(Stream::Stderr, format!("error: {message}\n").as_bytes()),
    }
}

/// The command line parsed; help and version printed (exit 0), a usage error reported (exit 2): as
/// `{"error": …}` on stdout when `--output json` was asked, else clap's message on stderr (one JSON
/// log line there when `--log-format json` was asked: logging has not started yet).
pub fn parse_args<I, T>(args: I, printer: &Printer) -> Result<Cli, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    match Cli::try_parse_from(&args) {
        Ok(cli) => Ok(cli),
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            let message = e.render().to_string();
            let first = message.lines().next().unwrap_or_default().trim_start_matches("error: ").to_owned();
            if asks(&args, "--output", "json") {
                printer.json(&json!({ "error": first, "usage": message.trim_end() }));
            }
            if asks(&args, "--log-format", "json") {
                let line = json!({"timestamp": chrono::Utc::now().to_rfc3339(), "level": "ERROR",
                                  "message": "invalid command line", "error": first, "target": "ccm_cli"});
                write_console(Stream::Stderr, format!("{line}\n").as_bytes());
            } else if !asks(&args, "--output", "json") {
                let _ = e.print();
            }
            Err(ExitCode::from(2))
        }
    }
}

/// Whether the raw arguments (which could not be parsed) hold `flag value` or `flag=value`.
fn asks(args: &[OsString], flag: &str, value: &str) -> bool {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    args.contains(&format!("{flag}={value}").as_str()) || args.windows(2).any(|w| w[0] == flag && w[1] == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usage_error_with_json_output_is_one_json_document_and_exit_code_2() {
        let printer = Printer::capture();
        let code =
            parse_args(["ccm", "--output", "json", "sync", "--all-customers", "--requests-per-second", "0"], &printer)
                .unwrap_err();
        assert_eq!(code, ExitCode::from(2));
        let doc: serde_json::Value = serde_json::from_str(&printer.captured()).unwrap();
        assert!(doc["error"].as_str().unwrap().contains("requests-per-second"), "{doc}");
    }

    #[test]
    fn rates_that_are_not_positive_and_finite_are_usage_errors() {
        for bad in ["0", "-2", "NaN", "inf"] {
            let parsed = Cli::try_parse_from(["ccm", "sync", "--all-customers", "--requests-per-second", bad]);
            let err = parsed.err().unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(err.to_string().contains("positive, finite"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_error_with_json_output_is_printed_as_one_document() {
        let printer = Printer::capture();
        report(&printer, OutputFormat::Json, LogFormat::Json, &anyhow::anyhow!("reading x.json").context("config"));
        let doc: serde_json::Value = serde_json::from_str(&printer.captured()).unwrap();
        assert_eq!(doc, json!({"error": "config: reading x.json"}));
    }
}
