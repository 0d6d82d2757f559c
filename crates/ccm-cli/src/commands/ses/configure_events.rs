//! `ccm ses configure-events`: in each customer account, the configuration set notifications are
//! sent with (`ses_configuration_set`, default `{code}-ccoe-emails`) and its SNS event destination to
//! the customer's `deliverability_sns_topic_arn` (the feedback topic of its region, docs/deploy.md),
//! so SES's deliveries, bounces and complaints come back to the processor. Idempotent: what is in
//! place is left alone and said so; `--dry-run` shows the plan.

use std::process::ExitCode;

use ccm_admin::feedback_events::{self, EventsStep};
use clap::Args;
use serde_json::json;

use super::dry;
use crate::commands::context::Ctx;
use crate::commands::domain::ses_domain;
use crate::commands::per_customer::{self, CustomerArgs, Report, Step};

pub const EXAMPLES: &str = "Examples:
  ccm ses configure-events --customer acme --dry-run
  ccm ses configure-events --all-customers";

#[derive(Debug, Args)]
pub struct ConfigureEventsArgs {
    #[command(flatten)]
    pub customers: CustomerArgs,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, args: ConfigureEventsArgs) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let dry_run = args.dry_run;
    per_customer::run(ctx, &app, &args.customers, "ses configure-events", |c| async move {
        let Some(topic) = c.deliverability_sns_topic_arn.clone() else {
            return Ok(Step::Skipped(
                "no deliverability_sns_topic_arn in config.json: the events would have nowhere to go".into(),
            ));
        };
        let set = c.configuration_set();
        let ses = ses_domain(ctx, &c).await;
        let steps = feedback_events::plan(&ses, &set, &topic).await?;
        if !dry_run {
            feedback_events::apply(&ses, &steps).await?;
        }
        let text = if steps.is_empty() {
            format!("configuration set {set} and its event destination to {topic} are in place; nothing changed")
        } else {
            steps.iter().map(|s: &EventsStep| format!("{}{s}", dry(dry_run))).collect::<Vec<_>>().join("\n")
        };
        let value = json!({
            "configuration_set": set, "topic_arn": topic, "dry_run": dry_run,
            "changed": !dry_run && !steps.is_empty(), "steps": steps,
        });
        Ok(Report::new(value, text).into())
    })
    .await
}
