//! `ccm ses …`: one customer's (or every customer's) SES contact list, topics, contacts,
//! suppression list, backups and test messages; delivery feedback's configuration sets and the
//! deliverability check; the readers' zone book (`zones`).

pub mod backup;
pub mod configure_events;
pub mod contact_edit;
pub mod contacts;
pub mod deliverability;
pub mod list;
pub mod send_test;
pub mod subscriptions;
pub mod suppression;
pub mod topics;
pub(crate) mod zone_entries;
pub mod zones;

use std::process::ExitCode;

use anyhow::anyhow;
use ccm_admin::{ContactRecord, ListInfo, SesAdmin};
use ccm_core::EmailAddress;
use ccm_core::config::CustomerConfig;
use clap::Subcommand;

use super::context::Ctx;
use super::pace::PaceArgs;

#[derive(Debug, Subcommand)]
pub enum SesCommand {
    /// The contact list: describe it (topics, counts), create it, list names.
    #[command(subcommand)]
    List(list::ListCommand),
    /// Topics: apply SESConfig.json to the live list as a diff; describe one topic.
    #[command(subcommand)]
    Topics(topics::TopicsCommand),
    /// Contacts: list, describe, add, update, remove.
    #[command(subcommand)]
    Contacts(contacts::ContactsCommand),
    /// Opt addresses in to topics from a SubscriptionConfig.json file ({"topic": ["email", …]}).
    #[command(after_help = subscriptions::SUBSCRIBE_EXAMPLES)]
    Subscribe(subscriptions::SubscriptionArgs),
    /// Opt addresses out of topics from a SubscriptionConfig.json file ({"topic": ["email", …]}).
    #[command(after_help = subscriptions::UNSUBSCRIBE_EXAMPLES)]
    Unsubscribe(subscriptions::SubscriptionArgs),
    /// The account-level suppression list (bounces and complaints).
    #[command(subcommand)]
    Suppression(suppression::SuppressionCommand),
    /// Write the whole list (every page of contacts) to a JSON backup file.
    #[command(after_help = backup::BACKUP_EXAMPLES)]
    Backup(backup::BackupArgs),
    /// Restore contacts (and missing topics) from a backup file.
    #[command(after_help = backup::RESTORE_EXAMPLES)]
    Restore(backup::RestoreArgs),
    /// Send one test notification, rendered from a real template, to one address.
    #[command(name = "send-test", after_help = send_test::EXAMPLES)]
    SendTest(send_test::SendTestArgs),
    /// Create the configuration set and its SNS event destination that bring deliveries, bounces and complaints back.
    #[command(name = "configure-events", after_help = configure_events::EXAMPLES)]
    ConfigureEvents(configure_events::ConfigureEventsArgs),
    /// Recent sends, bounces and complaints against SES's review thresholds, and the account's sending status.
    #[command(after_help = deliverability::EXAMPLES)]
    Deliverability(deliverability::DeliverabilityArgs),
    /// The readers' zone book in the metadata bucket (what mails show times in): show, rebuild from SES.
    #[command(subcommand)]
    Zones(zones::ZonesCommand),
}

pub async fn run(ctx: &Ctx, cmd: SesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SesCommand::List(c) => list::run(ctx, c).await,
        SesCommand::Topics(c) => topics::run(ctx, c).await,
        SesCommand::Contacts(c) => contacts::run(ctx, c).await,
        SesCommand::Subscribe(a) => subscriptions::run(ctx, a, subscriptions::Direction::Subscribe).await,
        SesCommand::Unsubscribe(a) => subscriptions::run(ctx, a, subscriptions::Direction::Unsubscribe).await,
        SesCommand::Suppression(c) => suppression::run(ctx, c).await,
        SesCommand::Backup(a) => backup::run_backup(ctx, a).await,
        SesCommand::Restore(a) => backup::run_restore(ctx, a).await,
        SesCommand::SendTest(a) => send_test::run(ctx, a).await,
        SesCommand::ConfigureEvents(a) => configure_events::run(ctx, a).await,
        SesCommand::Deliverability(a) => deliverability::run(ctx, a).await,
        SesCommand::Zones(c) => zones::run(ctx, c).await,
    }
}

/// The customer's SES administration client and its (existing) contact list.
pub(crate) async fn open_list(ctx: &Ctx, customer: &CustomerConfig) -> anyhow::Result<(SesAdmin, ListInfo)> {
    let ses = ctx.ses_admin(customer).await;
    let list = ses.require_list().await?;
    Ok((ses, list))
}

/// Every contact of `list` with its attributes: the listing (a spinner counting contacts), then one
/// GetContact each, `--max-concurrency` at a time within `--requests-per-second` (a bar with counts
/// and an ETA).
pub(crate) async fn read_in_detail(
    ctx: &Ctx,
    ses: &SesAdmin,
    list: &str,
    pace: &PaceArgs,
    label: &str,
) -> anyhow::Result<Vec<ContactRecord>> {
    let spinner = ctx.progress.spinner(label, "listing contacts");
    let listed = ses.contacts(list, None, |n| spinner.inc(n as u64)).await?;
    spinner.finish_and_clear();
    let bar = ctx.progress.bar(listed.len() as u64, label, "reading contacts");
    let detailed = ses.details(list, listed, &pace.pacer(), pace.concurrency(), || bar.inc(1)).await?;
    bar.finish_and_clear();
    Ok(detailed)
}

/// An address from the command line, parsed.
pub(crate) fn parse_email(raw: &str) -> anyhow::Result<EmailAddress> {
    EmailAddress::parse(raw.trim()).map_err(|e| anyhow!("{raw:?} is not an e-mail address: {e}"))
}

/// Topic names from the command line, each required to exist in the list.
pub(crate) fn known_topics(list: &ListInfo, topics: &[String]) -> anyhow::Result<Vec<String>> {
    let known = list.topic_names();
    let unknown: Vec<&String> = topics.iter().filter(|t| !known.contains(*t)).collect();
    if unknown.is_empty() {
        Ok(topics.to_vec())
    } else {
        Err(anyhow!(
            "list {} has no topic {}; its topics are {}",
            list.name,
            unknown.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", "),
            known.into_iter().collect::<Vec<_>>().join(", ")
        ))
    }
}

/// `DRY RUN: ` in front of plans that were not applied.
pub(crate) fn dry(dry_run: bool) -> &'static str {
    if dry_run { "DRY RUN (nothing changed): " } else { "" }
}
