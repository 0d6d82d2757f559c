//! `ccm ses topics apply|describe`: topic changes from SESConfig.json as a diff applied with
//! UpdateContactList. The list is never deleted and re-created, so every contact and every
//! preference stays (§12 item 17).

use std::process::ExitCode;

use ccm_admin::TopicInfo;
use ccm_admin::ses::ContactFilter;
use ccm_admin::topics::{TopicPlan, plan};
use ccm_core::config::SubscriptionStatus;
use clap::Subcommand;
use serde_json::json;

use super::{dry, known_topics, open_list};
use crate::commands::changes::Change;
use crate::commands::context::Ctx;
use crate::commands::output::table;
use crate::commands::per_customer::{self, CustomerArgs, Report};

#[derive(Debug, Subcommand)]
pub enum TopicsCommand {
    /// Bring the list's topics in line with SESConfig.json: add new topics, update changed ones
    /// (display name, description, default status). Topics the file no longer defines are kept
    /// unless --prune. Contacts and their preferences are never touched.
    #[command(
        after_help = "Examples:\n  ccm ses topics apply --customer acme --dry-run\n  ccm ses topics apply --all-customers\n  ccm ses topics apply --customer acme --prune     also remove topics SESConfig.json dropped"
    )]
    Apply {
        #[command(flatten)]
        customers: CustomerArgs,
        /// Also remove topics that SESConfig.json no longer defines (contacts lose their
        /// preferences for those topics).
        #[arg(long)]
        prune: bool,
        /// Print the diff and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// One topic: its definition and every subscribed contact (all pages).
    #[command(after_help = "Example:\n  ccm ses topics describe --customer acme --topic aws-approval")]
    Describe {
        #[command(flatten)]
        customers: CustomerArgs,
        /// The topic name.
        #[arg(long)]
        topic: String,
    },
}

pub async fn run(ctx: &Ctx, cmd: TopicsCommand) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    match cmd {
        TopicsCommand::Apply { customers, prune, dry_run } => {
            let wanted: Vec<TopicInfo> = ctx.topics()?.expand().iter().map(TopicInfo::from).collect();
            per_customer::run(ctx, &app, &customers, "ses topics apply", |c| {
                let wanted = wanted.clone();
                async move {
                    let (ses, list) = open_list(ctx, &c).await?;
                    let p = plan(&list.topics, &wanted, prune);
                    let applied = !dry_run && !p.is_empty();
                    if applied {
                        ses.update_list(&list.name, list.description.as_deref(), &p.result).await?;
                    }
                    let text = describe_plan(&list.name, &p, dry_run);
                    let changes: Vec<Change> = if p.is_empty() {
                        Vec::new()
                    } else {
                        let names = |ts: &[TopicInfo]| ts.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
                        let updated: Vec<String> = p.update.iter().map(|u| u.after.name.clone()).collect();
                        vec![Change::new("SES UpdateContactList", &list.name).with(json!({
                            "add": names(&p.add), "update": updated, "remove": names(&p.remove),
                            "topics": names(&p.result)}))]
                    };
                    Ok(Report::new(
                        json!({"list": list.name, "applied": applied, "dry_run": dry_run, "plan": p, "changes": changes}),
                        text,
                    )
                    .into())
                }
            })
            .await
        }
        TopicsCommand::Describe { customers, topic } => {
            per_customer::run(ctx, &app, &customers, "ses topics describe", |c| {
                let topic = topic.clone();
                async move {
                    let (ses, list) = open_list(ctx, &c).await?;
                    known_topics(&list, std::slice::from_ref(&topic))?;
                    let def = list.topics.iter().find(|t| t.name == topic).cloned();
                    let filter = ContactFilter { topic: topic.clone(), status: SubscriptionStatus::OptIn };
                    let subscribers: Vec<String> =
                        ses.contacts(&list.name, Some(&filter), |_| {}).await?.into_iter().map(|c| c.email).collect();
                    let mut text = match &def {
                        Some(t) => format!(
                            "{} — {} (default {})\n{}\n{} subscriber(s)",
                            t.name,
                            t.display_name,
                            t.default_status.as_str(),
                            t.description,
                            subscribers.len()
                        ),
                        None => topic.clone(),
                    };
                    for s in &subscribers {
                        text.push_str(&format!("\n  {s}"));
                    }
                    Ok(Report::new(json!({"list": list.name, "topic": def, "subscribers": subscribers}), text).into())
                }
            })
            .await
        }
    }
}

fn describe_plan(list: &str, p: &TopicPlan, dry_run: bool) -> String {
    if p.is_empty() {
        let mut text = format!("list {list}: topics already match SESConfig.json");
        if !p.kept.is_empty() {
            text.push_str(&format!(
                " (kept, not in SESConfig.json: {}; --prune removes them)",
                p.kept.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        return text;
    }
    let mut rows = Vec::new();
    for t in &p.add {
        rows.push(vec!["add".into(), t.name.clone(), format!("{} / {}", t.display_name, t.default_status.as_str())]);
    }
    for c in &p.update {
        let mut what = Vec::new();
        if c.before.display_name != c.after.display_name {
            what.push(format!("display name {:?} → {:?}", c.before.display_name, c.after.display_name));
        }
        if c.before.description != c.after.description {
            what.push(format!("description {:?} → {:?}", c.before.description, c.after.description));
        }
        if c.before.default_status != c.after.default_status {
            what.push(format!("default {} → {}", c.before.default_status.as_str(), c.after.default_status.as_str()));
        }
        rows.push(vec!["update".into(), c.after.name.clone(), what.join("; ")]);
    }
    for t in &p.remove {
        rows.push(vec!["remove".into(), t.name.clone(), "contacts' preferences for it are dropped".into()]);
    }
    for t in &p.kept {
        rows.push(vec!["keep".into(), t.name.clone(), "not in SESConfig.json (--prune removes it)".into()]);
    }
    format!(
        "{}list {list}: UpdateContactList with {} topics (contacts untouched)\n{}",
        dry(dry_run),
        p.result.len(),
        table(&["change", "topic", "details"], &rows)
    )
}
