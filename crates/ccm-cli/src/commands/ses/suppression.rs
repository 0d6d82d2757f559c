//! `ccm ses suppression add|remove|list`: the customer account's SES suppression list.

use std::process::ExitCode;

use ccm_admin::suppression::SuppressionReason;
use clap::{Subcommand, ValueEnum};
use serde_json::json;

use super::{dry, parse_email};
use crate::commands::changes::Change;
use crate::commands::context::Ctx;
use crate::commands::output::table;
use crate::commands::per_customer::{self, CustomerArgs, Report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Reason {
    Bounce,
    Complaint,
}

impl From<Reason> for SuppressionReason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::Bounce => SuppressionReason::Bounce,
            Reason::Complaint => SuppressionReason::Complaint,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SuppressionCommand {
    /// Put an address on the suppression list: SES stops sending to it from this account.
    #[command(
        after_help = "Example:\n  ccm ses suppression add --customer acme --email bounced@example.com --reason bounce"
    )]
    Add {
        #[command(flatten)]
        customers: CustomerArgs,
        /// The address.
        #[arg(long)]
        email: String,
        /// Why it is suppressed.
        #[arg(long, value_enum, default_value_t = Reason::Bounce)]
        reason: Reason,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Take an address off the suppression list.
    #[command(after_help = "Example:\n  ccm ses suppression remove --customer acme --email fixed@example.com")]
    Remove {
        #[command(flatten)]
        customers: CustomerArgs,
        /// The address.
        #[arg(long)]
        email: String,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Every suppressed address (all pages), optionally only one reason.
    #[command(
        after_help = "Examples:\n  ccm ses suppression list --customer acme\n  ccm ses suppression list --all-customers --reason complaint --output json"
    )]
    List {
        #[command(flatten)]
        customers: CustomerArgs,
        /// Only addresses suppressed for this reason.
        #[arg(long, value_enum)]
        reason: Option<Reason>,
    },
}

pub async fn run(ctx: &Ctx, cmd: SuppressionCommand) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    match cmd {
        SuppressionCommand::Add { customers, email, reason, dry_run } => {
            let email = parse_email(&email)?;
            let reason = SuppressionReason::from(reason);
            per_customer::run(ctx, &app, &customers, "ses suppression add", |c| {
                let email = email.clone();
                async move {
                    let ses = ctx.ses_admin(&c).await;
                    let before = ses.get_suppressed(email.as_str()).await?;
                    let already = before.as_ref().is_some_and(|b| b.reason == reason);
                    if !dry_run && !already {
                        ses.suppress(email.as_str(), reason).await?;
                    }
                    let text = if already {
                        format!("{email} is already suppressed ({})", reason.as_str())
                    } else {
                        format!("{}suppress {email} ({})", dry(dry_run), reason.as_str())
                    };
                    let changes: Vec<Change> = if already {
                        Vec::new()
                    } else {
                        vec![
                            Change::new("SES PutSuppressedDestination", email.as_str())
                                .with(json!({"reason": reason.as_str()})),
                        ]
                    };
                    Ok(Report::new(
                        json!({"email": email, "reason": reason, "before": before, "dry_run": dry_run,
                               "changes": changes}),
                        text,
                    )
                    .into())
                }
            })
            .await
        }
        SuppressionCommand::Remove { customers, email, dry_run } => {
            let email = parse_email(&email)?;
            per_customer::run(ctx, &app, &customers, "ses suppression remove", |c| {
                let email = email.clone();
                async move {
                    let ses = ctx.ses_admin(&c).await;
                    let before = ses.get_suppressed(email.as_str()).await?;
                    let text = match (&before, dry_run) {
                        (None, _) => format!("{email} is not suppressed"),
                        (Some(_), true) => format!("{}unsuppress {email}", dry(true)),
                        (Some(_), false) => {
                            ses.unsuppress(email.as_str()).await?;
                            format!("{email} removed from the suppression list")
                        }
                    };
                    let changes: Vec<Change> = match &before {
                        Some(_) => vec![Change::new("SES DeleteSuppressedDestination", email.as_str())],
                        None => Vec::new(),
                    };
                    Ok(Report::new(
                        json!({"email": email, "was_suppressed": before.is_some(), "dry_run": dry_run,
                               "changes": changes}),
                        text,
                    )
                    .into())
                }
            })
            .await
        }
        SuppressionCommand::List { customers, reason } => {
            per_customer::run(ctx, &app, &customers, "ses suppression list", |c| async move {
                let list = ctx.ses_admin(&c).await.suppressed(reason.map(Into::into)).await?;
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|s| vec![s.email.clone(), s.reason.as_str().into(), s.last_update.clone().unwrap_or_default()])
                    .collect();
                let text =
                    format!("{} suppressed address(es)\n{}", list.len(), table(&["email", "reason", "since"], &rows));
                Ok(Report::new(json!({"suppressed": list}), text).into())
            })
            .await
        }
    }
}
