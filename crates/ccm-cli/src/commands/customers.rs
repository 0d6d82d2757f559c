//! `ccm customers validate`: for each customer, assume its SES role (and its Identity Center role
//! when configured) and check that the contact list exists with the topics notifications are routed
//! to. Exit code 1 when any customer fails a check.

use std::process::ExitCode;

use ccm_admin::identity_center::IdentityCenter;
use ccm_admin::session::caller_identity;
use clap::Subcommand;
use serde::Serialize;
use serde_json::json;

use super::context::Ctx;
use super::output::table;
use super::per_customer::{self, CustomerArgs, Report};
use crate::config_files::ROUTED_TOPICS;

#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Assume each customer's roles and check its SES list and routed topics.
    #[command(
        after_help = "Examples:\n  ccm customers validate --all-customers\n  ccm customers validate --customer acme --output json"
    )]
    Validate {
        #[command(flatten)]
        customers: CustomerArgs,
    },
}

#[derive(Debug, Serialize)]
struct Check {
    check: String,
    ok: bool,
    detail: String,
}

pub async fn run(ctx: &Ctx, cmd: CustomersCommand) -> anyhow::Result<ExitCode> {
    let CustomersCommand::Validate { customers } = cmd;
    let app = ctx.app()?;
    let all_topics: Vec<String> = ctx.topics()?.expand().iter().map(|t| t.name.as_str().to_owned()).collect();
    let all_topics = &all_topics;
    per_customer::run(ctx, &app, &customers, "customers validate", |c| async move {
        let mut checks = Vec::new();
        let mut check = |name: &str, ok: bool, detail: String| checks.push(Check { check: name.into(), ok, detail });

        let ses_cfg = ctx.assume(&c.ses_role_arn, &format!("ccm-cli-{}", c.customer_code), &c.region).await;
        let role_ok = match caller_identity(&ses_cfg).await {
            Ok((account, arn)) => {
                let ok = account == c.account_id();
                check(
                    "ses role",
                    ok,
                    if ok { arn } else { format!("credentials are for account {account}, not {}", c.account_id()) },
                );
                ok
            }
            Err(e) => {
                check("ses role", false, e.to_string());
                false
            }
        };
        if role_ok {
            let ses = ctx.ses_admin(&c).await;
            match ses.require_list().await {
                Ok(list) => {
                    let names = list.topic_names();
                    check("contact list", true, format!("{} ({} topics)", list.name, names.len()));
                    let missing: Vec<&str> = ROUTED_TOPICS.iter().copied().filter(|t| !names.contains(*t)).collect();
                    check(
                        "routed topics",
                        missing.is_empty(),
                        if missing.is_empty() {
                            format!("all {} present", ROUTED_TOPICS.len())
                        } else {
                            format!("missing {}", missing.join(", "))
                        },
                    );
                    let not_applied: Vec<&str> =
                        all_topics.iter().map(String::as_str).filter(|t| !names.contains(*t)).collect();
                    if !not_applied.is_empty() {
                        // Not fatal: mail is only routed to the topics above.
                        check(
                            "SESConfig.json topics",
                            true,
                            format!("not in the list yet (`ccm ses topics apply`): {}", not_applied.join(", ")),
                        );
                    }
                }
                Err(e) => check("contact list", false, e.to_string()),
            }
        }
        if let Some(role) = &c.identity_center_role_arn {
            let cfg = ctx.assume(role, &format!("ccm-cli-ic-{}", c.customer_code), &c.region).await;
            match IdentityCenter::new(&cfg).discover().await {
                Ok(instance) => {
                    check("identity center", true, format!("identity store {}", instance.identity_store_id))
                }
                Err(e) => check("identity center", false, e.to_string()),
            }
        }
        let failures = checks.iter().filter(|c| !c.ok).count();
        let rows: Vec<Vec<String>> = checks
            .iter()
            .map(|c| vec![if c.ok { "✔".into() } else { "✘".into() }, c.check.clone(), c.detail.clone()])
            .collect();
        Ok(Report::new(json!({"checks": checks}), table(&["", "check", "detail"], &rows))
            .with_failures(failures)
            .into())
    })
    .await
}
