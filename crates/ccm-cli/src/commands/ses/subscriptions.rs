//! `ccm ses subscribe|unsubscribe --file SubscriptionConfig.json`: opt addresses in to (or out
//! of) topics in bulk. The file is `{"topic": ["email", …], …}` (§10.3). Only the named topics of
//! the named contacts change; unsubscribe-all is never lifted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use ccm_aws::admin::ContactRecord;
use ccm_aws::admin::apply::{ContactChange, apply};
use ccm_core::config::SubscriptionStatus;
use clap::Args;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

use super::{dry, known_topics, open_list, parse_email};
use crate::commands::context::{Ctx, read_json};
use crate::commands::fanout::{self, CustomerArgs, Report};
use crate::commands::output::table;
use crate::commands::pace::PaceArgs;

pub const SUBSCRIBE_EXAMPLES: &str = "Examples:\n  ccm ses subscribe --customer acme --file SubscriptionConfig.json --dry-run\n  ccm ses subscribe --all-customers --file SubscriptionConfig.json\n\nSubscriptionConfig.json:\n  {\"aws-calendar\": [\"jane@acme.example.com\"], \"aws-approval\": [\"sec@acme.example.com\"]}";
pub const UNSUBSCRIBE_EXAMPLES: &str = "Examples:\n  ccm ses unsubscribe --customer acme --file SubscriptionConfig.json --dry-run\n  ccm ses unsubscribe --customer acme --file leavers.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Subscribe,
    Unsubscribe,
}

#[derive(Debug, Args)]
pub struct SubscriptionArgs {
    #[command(flatten)]
    pub customers: CustomerArgs,
    /// {"topic": ["email", …]}
    #[arg(long, default_value = "SubscriptionConfig.json")]
    pub file: PathBuf,
    #[command(flatten)]
    pub pace: PaceArgs,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, args: SubscriptionArgs, direction: Direction) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let file: BTreeMap<String, Vec<String>> = read_json(&args.file)?;
    // Every address parsed before anything is called.
    let mut by_email: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for (topic, emails) in &file {
        for raw in emails {
            let email = parse_email(raw)?;
            by_email
                .entry(email.as_str().to_lowercase())
                .or_insert_with(|| (email.as_str().to_owned(), BTreeSet::new()))
                .1
                .insert(topic.clone());
        }
    }
    let topics: Vec<String> = file.keys().cloned().collect();
    let title = match direction {
        Direction::Subscribe => "ses subscribe",
        Direction::Unsubscribe => "ses unsubscribe",
    };
    let status = match direction {
        Direction::Subscribe => SubscriptionStatus::OptIn,
        Direction::Unsubscribe => SubscriptionStatus::OptOut,
    };
    fanout::run(ctx, &app, &args.customers, title, |c| {
        let (by_email, topics, pace) = (by_email.clone(), topics.clone(), args.pace.clone());
        let dry_run = args.dry_run;
        async move {
            let (ses, list) = open_list(ctx, &c).await?;
            known_topics(&list, &topics)?;
            let pacer = pace.pacer();
            let current: Vec<(String, BTreeSet<String>, Option<ContactRecord>)> =
                futures::stream::iter(by_email.into_values())
                    .map(|(email, topics)| {
                        let (ses, list, pacer) = (&ses, &list, &pacer);
                        async move {
                            let found = pacer.run(|| ses.get_contact(&list.name, &email)).await?;
                            Ok::<_, anyhow::Error>((email, topics, found))
                        }
                    })
                    .buffer_unordered(pace.concurrency())
                    .try_collect()
                    .await?;
            let mut changes = Vec::new();
            let mut rows = Vec::new();
            for (email, topics, found) in current {
                let change = match (found, direction) {
                    (None, Direction::Unsubscribe) => {
                        rows.push(vec![email.clone(), "-".into(), "not in the list".into()]);
                        continue;
                    }
                    (None, Direction::Subscribe) => {
                        let mut c = ContactRecord::new(&email);
                        c.topic_preferences = topics.iter().map(|t| (t.clone(), status)).collect();
                        ContactChange::Create(c)
                    }
                    (Some(existing), _) => {
                        let mut after = existing.clone();
                        for t in &topics {
                            after.topic_preferences.insert(t.clone(), status);
                        }
                        if after == existing {
                            rows.push(vec![
                                email.clone(),
                                topics.iter().cloned().collect::<Vec<_>>().join(", "),
                                "unchanged".into(),
                            ]);
                            continue;
                        }
                        if existing.unsubscribe_all && direction == Direction::Subscribe {
                            rows.push(vec![
                                email.clone(),
                                String::new(),
                                "unsubscribed from all: receives nothing until they resubscribe".into(),
                            ]);
                        }
                        ContactChange::Update(after)
                    }
                };
                rows.push(vec![email, topics.iter().cloned().collect::<Vec<_>>().join(", "), change.verb().into()]);
                changes.push(change);
            }
            let text = format!(
                "{}list {}: {} change(s)\n{}",
                dry(dry_run),
                list.name,
                changes.len(),
                table(&["email", "topics", "action"], &rows)
            );
            if dry_run {
                return Ok(Report::new(json!({"list": list.name, "dry_run": true, "changes": changes}), text).into());
            }
            let bar = ctx.progress.bar(changes.len() as u64, c.customer_code.as_str());
            let applied = apply(&ses, &list.name, changes, &pacer, pace.concurrency(), || bar.inc(1)).await;
            bar.finish_and_clear();
            let failures = applied.failed.len();
            Ok(Report::new(json!({"list": list.name, "applied": applied}), text).with_failures(failures).into())
        }
    })
    .await
}
