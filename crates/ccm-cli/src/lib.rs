//! The `ccm` command: operator commands and `ccm serve`. `main.rs` only parses, starts logging and
//! calls [`run`].

pub mod commands;
pub mod config_files;
pub mod logging;
pub mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::output::{OutputFormat, Printer};

/// The heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// Customer Contact Manager: write a change or announcement once, approve it, and notify every affected
/// customer through that customer's own Amazon SES.
#[derive(Debug, Parser)]
#[command(name = "ccm", version, propagate_version = true, max_term_width = 110)]
#[command(
    after_help = "Examples:\n  ccm serve --demo                           run everything on this machine with demo data\n  ccm config validate                        check config.json and SESConfig.json\n  ccm customers validate --all-customers     assume every customer's role, check lists and topics\n  ccm ses list describe --customer acme      the contact list, its topics and subscriber counts\n  ccm sync --all-customers --dry-run         what the Identity Center sync would change\n  ccm completions bash > ccm.bash            shell completions"
)]
pub struct Cli {
    /// config.json: customers, e-mail, DNS and portal settings. The AWS commands also read
    /// s3://bucket/key (with the operator's credentials).
    #[arg(long, global = true, help_heading = GLOBAL, hide_env_values = true, env = "CCM_CONFIG", default_value = "config.json")]
    pub config: PathBuf,
    /// SESConfig.json: SES topics (group prefixes × members, plus standalone topics); s3://bucket/key
    /// as for --config.
    #[arg(long, global = true, help_heading = GLOBAL, hide_env_values = true, env = "CCM_SES_CONFIG", default_value = "SESConfig.json")]
    pub ses_config: PathBuf,
    /// Log level or filter (e.g. info, debug, ccm_api=debug). CCM_LOG overrides it.
    #[arg(long, global = true, help_heading = GLOBAL, default_value = "info")]
    pub log_level: String,
    /// Log as text (default) or JSON lines.
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, default_value_t = logging::LogFormat::Text)]
    pub log_format: logging::LogFormat,
    /// Command output: a table for people, or exactly one JSON document on stdout for scripts (also
    /// for errors: {"error": …}).
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// AWS profile for the operator's own credentials, as in the AWS CLI: it wins over credentials in
    /// the environment, and an unknown profile is an error. Customer roles are assumed from it.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub profile: Option<String>,
    /// AWS region for the operator's own calls; customers always use their configured region.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub region: Option<String>,
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
    /// SES contact lists, topics, contacts, suppression, backups and test messages.
    #[command(subcommand)]
    Ses(commands::ses::SesCommand),
    /// IAM Identity Center users and groups, and the sync into SES contact lists.
    #[command(subcommand, name = "identity-center")]
    IdentityCenter(commands::identity_center::IdentityCenterCommand),
    /// The sending domain: SES identity with Easy DKIM, MAIL FROM, DMARC, configuration set, Route 53.
    #[command(subcommand)]
    Domain(commands::domain::DomainCommand),
    /// Security, billing and operations alternate contacts on every account of an organization.
    #[command(subcommand, name = "alt-contact")]
    AltContact(commands::alt_contact::AltContactCommand),
    /// Checks of the configured customers against their AWS accounts.
    #[command(subcommand)]
    Customers(commands::customers::CustomersCommand),
    /// An object's meeting: invite (schedule or update) or cancel, through Graph or ICS.
    #[command(subcommand)]
    Meeting(commands::meeting::MeetingCommand),
    /// The shared index of the AWS deployment (DynamoDB): verify it against the bucket, or rebuild it.
    #[command(subcommand)]
    Index(commands::index::IndexCommand),
    /// Reminders before approved windows and to approvers: run one sweep by hand.
    #[command(subcommand)]
    Reminders(commands::reminders::RemindersCommand),
    /// The scheduled task: Identity Center sync for the selected customers (JSON logs, exit code).
    #[command(after_help = commands::sync::EXAMPLES)]
    Sync(commands::sync::SyncArgs),
    /// Infrastructure as code: the CloudFormation template's per-customer parts (infra/template.yaml).
    #[command(subcommand)]
    Infra(commands::infra::InfraCommand),
    /// Print shell completions.
    #[command(after_help = "Example:\n  ccm completions bash > /etc/bash_completion.d/ccm")]
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

/// What the process provides to [`run_with`]: tests pass an emulator's SDK configuration, a
/// capturing printer and a recording progress.
#[derive(Debug, Default)]
pub struct Runtime {
    /// The operator's AWS configuration; loaded from the environment, `--profile` and `--region`
    /// when `None`.
    pub sdk: Option<aws_config::SdkConfig>,
    pub printer: Printer,
    /// Progress bars; chosen from the output and log formats when `None`.
    pub progress: Option<commands::progress::Progress>,
}

/// The entry: runs the command and reports a failure outside any customer as the output contract
/// says (`commands::errors`). The exit code is 0, or 1 when anything failed.
pub async fn run(cli: Cli, runtime: Runtime) -> ExitCode {
    let (printer, output, logs) = (runtime.printer.clone(), cli.output, cli.log_format);
    // Boxed: the command futures are large.
    match Box::pin(run_with(cli, runtime)).await {
        Ok(code) => code,
        Err(e) => {
            commands::errors::report(&printer, output, logs, &e);
            ExitCode::FAILURE
        }
    }
}

pub async fn run_with(cli: Cli, runtime: Runtime) -> anyhow::Result<ExitCode> {
    let bars_wanted = cli.output == OutputFormat::Table && cli.log_format == logging::LogFormat::Text;
    let progress = runtime.progress.clone().unwrap_or_else(|| commands::progress::Progress::new(bars_wanted));
    let ctx = || async {
        let sdk = match runtime.sdk.clone() {
            Some(sdk) => match &cli.region {
                Some(r) => sdk.into_builder().region(aws_config::Region::new(r.clone())).build(),
                None => sdk,
            },
            None => ccm_admin::session::operator_config(cli.profile.as_deref(), cli.region.as_deref(), None).await?,
        };
        let config = config_files::ConfigText::read(&cli.config, &sdk).await?;
        // config.json's `aws_region` is the central region when neither --region, the environment
        // nor the profile names one.
        let sdk = match (sdk.region(), config_files::parse_app_config(&config)) {
            (None, Ok(app)) => sdk.into_builder().region(aws_config::Region::new(app.aws_region)).build(),
            _ => sdk,
        };
        Ok::<_, anyhow::Error>(commands::context::Ctx {
            ses_config: config_files::ConfigText::read(&cli.ses_config, &sdk).await?,
            config,
            sdk,
            output: cli.output,
            printer: runtime.printer.clone(),
            progress: progress.clone(),
        })
    };
    match cli.command {
        Command::Serve(args) => serve::run(&cli.config, &cli.ses_config, args).await,
        Command::Config(cmd) => commands::config::run(&cli.config, &cli.ses_config, cmd, &runtime.printer, cli.output),
        Command::Infra(commands::infra::InfraCommand::Render(args)) => {
            commands::infra::run(&cli.config, args, &runtime.printer, cli.output)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "ccm", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Ses(cmd) => commands::ses::run(&ctx().await?, cmd).await,
        Command::IdentityCenter(cmd) => commands::identity_center::run(&ctx().await?, cmd).await,
        Command::Domain(cmd) => commands::domain::run(&ctx().await?, cmd).await,
        Command::AltContact(cmd) => commands::alt_contact::run(&ctx().await?, cmd).await,
        Command::Customers(cmd) => commands::customers::run(&ctx().await?, cmd).await,
        Command::Meeting(cmd) => commands::meeting::run(&ctx().await?, cmd).await,
        Command::Sync(args) => commands::sync::run(&ctx().await?, args).await,
        Command::Index(cmd) => commands::index::run(&ctx().await?, cmd).await,
        Command::Reminders(cmd) => commands::reminders::run(&ctx().await?, cmd).await,
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
