//! `ccm ses subscribe|unsubscribe --file SubscriptionConfig.json`: opt addresses in to (or out
//! of) topics in bulk. The file is `{"topic": ["email", …], …}` (§10.3). Only the named topics of
//! the named contacts change; unsubscribe-all is never lifted, and `subscribe` keeps a contact's own
//! OPT_OUT unless `--force` (as `ccm ses contacts add` does). New contacts are written lower-cased.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use ccm_admin::ContactRecord;
use ccm_admin::apply::{ContactChange, apply};
use ccm_core::EmailAddress;
use ccm_core::config::SubscriptionStatus;
use clap::Args;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

use super::contact_edit::lookup;
use super::{dry, known_topics, open_list, parse_email};
use crate::commands::changes;
use crate::commands::context::{Ctx, read_json};
use crate::commands::output::table;
use crate::commands::pace::PaceArgs;
use crate::commands::per_customer::{self, Counts, CustomerArgs, Report};

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
    /// subscribe: opt in even to topics a contact opted out of (their choice is kept otherwise).
    #[arg(long)]
    pub force: bool,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, args: SubscriptionArgs, direction: Direction) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    let file: BTreeMap<String, Vec<String>> = read_json(&args.file)?;
    // Every address parsed before anything is called.
    let mut by_email: BTreeMap<String, (EmailAddress, BTreeSet<String>)> = BTreeMap::new();
    for (topic, emails) in &file {
        for raw in emails {
            let email = parse_email(raw)?;
            by_email.entry(email.normalized()).or_insert_with(|| (email, BTreeSet::new())).1.insert(topic.clone());
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
    per_customer::run(ctx, &app, &args.customers, title, |c| {
        let (by_email, topics, pace) = (by_email.clone(), topics.clone(), args.pace.clone());
        let (dry_run, force) = (args.dry_run, args.force);
        async move {
            let (ses, list) = open_list(ctx, &c).await?;
            known_topics(&list, &topics)?;
            let pacer = pace.pacer();
            let current: Vec<(String, BTreeSet<String>, Option<ContactRecord>)> =
                futures::stream::iter(by_email.into_values())
                    .map(|(email, topics)| {
                        let (ses, list, pacer) = (&ses, &list, &pacer);
                        async move {
                            let found = lookup(ses, &list.name, &email, pacer).await?;
                            Ok::<_, anyhow::Error>((email.normalized(), topics, found))
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
                        let mut kept = Vec::new();
                        for t in &topics {
                            let theirs = existing.topic_preferences.get(t) == Some(&SubscriptionStatus::OptOut);
                            if direction == Direction::Subscribe && theirs && !force {
                                kept.push(t.clone());
                                continue;
                            }
                            after.topic_preferences.insert(t.clone(), status);
                        }
                        if !kept.is_empty() {
                            rows.push(vec![
                                existing.email.clone(),
                                kept.join(", "),
                                "kept OPT_OUT: the contact opted out (--force opts them in)".into(),
                            ]);
                        }
                        if after == existing {
                            rows.push(vec![
                                existing.email.clone(),
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
            let creates = changes.iter().filter(|c| matches!(c, ContactChange::Create(_))).count();
            if dry_run {
                let counts = Counts { added: creates, updated: changes.len() - creates, ..Counts::default() };
                return Ok(Report::new(
                    json!({"list": list.name, "dry_run": true, "changes": changes::of_contacts(&changes, None)}),
                    text,
                )
                .with_counts(counts)
                .into());
            }
            let bar = ctx.progress.bar(changes.len() as u64, c.customer_code.as_str(), "changing contacts");
            let applied = apply(&ses, &list.name, changes.clone(), &pacer, pace.concurrency(), || bar.inc(1)).await;
            bar.finish_and_clear();
            let failures = applied.failed.len();
            let counts =
                Counts { added: applied.added, updated: applied.updated, removed: applied.removed, failed: failures };
            let done = changes::of_contacts(&changes, Some(&applied));
            Ok(Report::new(json!({"list": list.name, "applied": applied, "changes": done}), text)
                .with_failures(failures)
                .with_counts(counts)
                .into())
        }
    })
    .await
}
