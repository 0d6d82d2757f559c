//! Logging: text for people, JSON lines for the scheduled task and log pipelines. Never message
//! bodies, never secrets; e-mail addresses are masked where they are logged.
//!
//! Logs go to stderr through the console (`commands::output::write_console`), so a log line never
//! lands inside a table or a progress bar. Colour only when stderr is a terminal and `NO_COLOR` is
//! not set. The SDK's own credential warnings are silenced: ccm reports the same failure itself, as
//! a sentence naming the operation (see `ccm_admin::error`).

use std::io::IsTerminal;

use clap::ValueEnum;
use tracing_subscriber::fmt::MakeWriter;

use crate::commands::output::{Stream, write_console};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the global subscriber (once; later calls do nothing).
pub fn init(format: LogFormat, level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CCM_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(directives(level)))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(directives("info")));
    let color = use_color(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR").as_deref());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(Console);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(color).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_ansi(false).try_init(),
    };
}

/// `level`, with the AWS SDK's credential-provider warnings off unless the filter names them: ccm
/// reports a refused AssumeRole itself, once.
pub fn directives(level: &str) -> String {
    if level.contains("aws_config") { level.to_owned() } else { format!("{level},aws_config=error") }
}

/// Colour for a terminal only, and never when `NO_COLOR` is set to anything but "" (no-color.org).
pub fn use_color(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// stderr through the console lock (one event, one write).
#[derive(Debug, Clone, Copy)]
struct Console;

impl std::io::Write for Console {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        write_console(Stream::Stderr, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Console {
    type Writer = Console;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_color(true, None));
        assert!(!use_color(false, None), "not a terminal");
        assert!(!use_color(true, Some(OsStr::new("1"))), "NO_COLOR set");
        assert!(use_color(true, Some(OsStr::new(""))), "NO_COLOR empty counts as unset");
    }

    #[test]
    fn the_sdk_credential_warnings_are_off_unless_asked_for() {
        assert_eq!(directives("info"), "info,aws_config=error");
        assert_eq!(directives("debug,aws_config=debug"), "debug,aws_config=debug");
    }
}
