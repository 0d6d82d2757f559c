//! `ccm ses list describe|create|names`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use ccm_admin::{ContactRecord, ListInfo, TopicInfo};
use ccm_core::config::SubscriptionStatus;
use clap::Subcommand;
use serde::Serialize;
use serde_json::json;

use super::{dry, open_list};
use crate::commands::changes::Change;
use crate::commands::context::Ctx;
use crate::commands::output::{joined, table};
use crate::commands::per_customer::{self, CustomerArgs, Report, Step};

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// The list, its topics, and per topic how many contacts are subscribed, opted in, opted out or
    /// have no preference (every page of contacts is read).
    #[command(
        after_help = "Examples:\n  ccm ses list describe --customer acme\n  ccm ses list describe --all-customers --output json"
    )]
    Describe {
        #[command(flatten)]
        customers: CustomerArgs,
    },
    /// Create the customer's list with the topics of SESConfig.json. A list that exists is left as it
    /// is (use `ccm ses topics apply` to change its topics).
    #[command(
        after_help = "Examples:\n  ccm ses list create --customer acme --dry-run\n  ccm ses list create --all-customers"
    )]
    Create {
        #[command(flatten)]
        customers: CustomerArgs,
        /// The list's description.
        #[arg(long, default_value = "CCOE customer notifications")]
        description: String,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The names of the contact lists in each customer's account.
    #[command(after_help = "Example:\n  ccm ses list names --all-customers")]
    Names {
        #[command(flatten)]
        customers: CustomerArgs,
    },
}

pub async fn run(ctx: &Ctx, cmd: ListCommand) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    match cmd {
        ListCommand::Describe { customers } => {
            per_customer::run(ctx, &app, &customers, "ses list describe", |c| async move {
                let (ses, list) = open_list(ctx, &c).await?;
                let bar = ctx.progress.spinner(c.customer_code.as_str(), "listing contacts");
                let contacts = ses.contacts(&list.name, None, |n| bar.inc(n as u64)).await?;
                bar.finish_and_clear();
                Ok(describe(&list, &contacts).into())
            })
            .await
        }
        ListCommand::Create { customers, description, dry_run } => {
            let topics: Vec<TopicInfo> = ctx.topics()?.expand().iter().map(TopicInfo::from).collect();
            per_customer::run(ctx, &app, &customers, "ses list create", |c| {
                let (topics, description) = (topics.clone(), description.clone());
                async move {
                    let ses = ctx.ses_admin(&c).await;
                    let names = ses.list_names().await?;
                    let name = ses.name_for_new_list();
                    if names.contains(&name) {
                        let text = format!("list {name} exists; `ccm ses topics apply` changes its topics");
                        return Ok(Report::new(json!({"list": name, "action": "exists", "changes": []}), text).into());
                    }
                    if let Some(other) = names.first() {
                        anyhow::bail!("the account already has list {other} (SES allows one per account); set contact_list_name to it");
                    }
                    let plan = format!(
                        "{}create list {name} with {} topics: {}",
                        dry(dry_run),
                        topics.len(),
                        joined(topics.iter().map(|t| t.name.as_str()))
                    );
                    if !dry_run {
                        ses.create_list(&name, Some(&description), &topics).await?;
                    }
                    let action = if dry_run { "would_create" } else { "created" };
                    let names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
                    let changes = [Change::new("SES CreateContactList", &name).with(json!({"topics": names}))];
                    Ok(Report::new(json!({"list": name, "action": action, "topics": topics, "changes": changes}), plan)
                        .into())
                }
            })
            .await
        }
        ListCommand::Names { customers } => {
            per_customer::run(ctx, &app, &customers, "ses list names", |c| async move {
                let names = ctx.ses_admin(&c).await.list_names().await?;
                Ok(Step::Done(Report::new(json!({"lists": names}), joined(&names))))
            })
            .await
        }
    }
}

#[derive(Debug, Serialize, Default)]
struct TopicCounts {
    topic: String,
    display_name: String,
    default: &'static str,
    subscribed: usize,
    opted_in: usize,
    opted_out: usize,
    no_preference: usize,
}

fn describe(list: &ListInfo, contacts: &[ContactRecord]) -> Report {
    let mut counts: BTreeMap<&str, TopicCounts> = BTreeMap::new();
    for t in &list.topics {
        let mut c = TopicCounts {
            topic: t.name.clone(),
            display_name: t.display_name.clone(),
            default: t.default_status.as_str(),
            ..Default::default()
        };
        for contact in contacts {
            match contact.topic_preferences.get(&t.name) {
                Some(SubscriptionStatus::OptIn) => c.opted_in += 1,
                Some(SubscriptionStatus::OptOut) => c.opted_out += 1,
                None => c.no_preference += 1,
            }
            if contact.is_subscribed(&t.name, t.default_status) {
                c.subscribed += 1;
            }
        }
        counts.insert(&t.name, c);
    }
    let unsubscribed_all = contacts.iter().filter(|c| c.unsubscribe_all).count();
    let rows: Vec<Vec<String>> = list
        .topics
        .iter()
        .filter_map(|t| counts.get(t.name.as_str()))
        .map(|c| {
            vec![
                c.topic.clone(),
                c.default.to_owned(),
                c.subscribed.to_string(),
                c.opted_in.to_string(),
                c.opted_out.to_string(),
                c.no_preference.to_string(),
            ]
        })
        .collect();
    let text = format!(
        "list {} ({})\ncontacts: {}, unsubscribed from all: {unsubscribed_all}\n{}",
        list.name,
        list.description.as_deref().unwrap_or("no description"),
        contacts.len(),
        table(&["topic", "default", "subscribed", "opt-in", "opt-out", "no preference"], &rows)
    );
    let topics: Vec<&TopicCounts> = list.topics.iter().filter_map(|t| counts.get(t.name.as_str())).collect();
    Report::new(
        json!({"list": list.name, "description": list.description, "created_at": list.created_at,
               "updated_at": list.updated_at, "contacts": contacts.len(), "unsubscribed_all": unsubscribed_all,
               "topics": topics}),
        text,
    )
}
