//! `ccm ses contacts list|describe|add|update|remove|remove-all`. Adding and updating one contact
//! is in `contact_edit` (only the asked preferences change; addresses lower-cased).

use std::path::PathBuf;
use std::process::ExitCode;

use ccm_admin::apply::{ContactChange, apply};
use ccm_admin::limiter::Pacer;
use ccm_admin::ses::ContactFilter;
use ccm_core::config::SubscriptionStatus;
use clap::{Subcommand, ValueEnum};
use serde_json::json;

use super::backup::write_backup;
use super::contact_edit::{Edit, Mode, change_contact, lookup};
use super::{dry, known_topics, open_list, parse_email};
use crate::commands::changes::{self, Change};
use crate::commands::context::Ctx;
use crate::commands::metadata_store::StoreArgs;
use crate::commands::output::{joined, table};
use crate::commands::pace::PaceArgs;
use crate::commands::per_customer::{self, Counts, CustomerArgs, Report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Status {
    OptIn,
    OptOut,
}

impl From<Status> for SubscriptionStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::OptIn => SubscriptionStatus::OptIn,
            Status::OptOut => SubscriptionStatus::OptOut,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ContactsCommand {
    /// Every contact of the list (all pages), optionally only those opted in or out of a topic
    /// (the topic's default applies to contacts without a preference).
    #[command(
        after_help = "Examples:\n  ccm ses contacts list --customer acme\n  ccm ses contacts list --customer acme --topic aws-approval --status opt-in\n  ccm ses contacts list --all-customers --output json"
    )]
    List {
        #[command(flatten)]
        customers: CustomerArgs,
        /// Only contacts of this topic (with --status).
        #[arg(long)]
        topic: Option<String>,
        /// With --topic: opt-in (default) or opt-out.
        #[arg(long, value_enum, requires = "topic")]
        status: Option<Status>,
        /// Contacts per ListContacts page (1–1000).
        #[arg(long, default_value_t = 1000)]
        page_size: i32,
    },
    /// One contact's preferences, unsubscribe-all and whether ccm manages it.
    #[command(after_help = "Example:\n  ccm ses contacts describe --customer acme --email jane@acme.example.com")]
    Describe {
        #[command(flatten)]
        customers: CustomerArgs,
        /// The contact's address.
        #[arg(long)]
        email: String,
    },
    /// Add a contact (address lower-cased) opted in to --topics; on an existing contact, opt it in
    /// to --topics and keep everything else, including topics it opted out of (unless --force) and
    /// unsubscribe-all.
    #[command(
        after_help = "Examples:\n  ccm ses contacts add --customer acme --email jane@acme.example.com --topics aws-calendar\n  ccm ses contacts add --customer acme --email jane@acme.example.com --topics aws-announce --dry-run"
    )]
    Add {
        #[command(flatten)]
        customers: CustomerArgs,
        /// The contact's address.
        #[arg(long)]
        email: String,
        /// Topics to opt in to (comma-separated).
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
        /// Opt in even to topics the contact opted out of (their choice is kept otherwise).
        #[arg(long)]
        force: bool,
        /// The IANA time zone the contact's mails show times in first, e.g. Europe/Berlin (kept in
        /// the contact's SES attributes and in the customer's zone book in the metadata bucket).
        #[arg(long, value_parser = parse_timezone)]
        timezone: Option<chrono_tz::Tz>,
        #[command(flatten)]
        store: StoreArgs,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Change some of a contact's preferences; the others stay as they are.
    #[command(
        after_help = "Examples:\n  ccm ses contacts update --customer acme --email jane@acme.example.com --subscribe aws-approval\n  ccm ses contacts update --customer acme --email jane@acme.example.com --unsubscribe aws-calendar\n  ccm ses contacts update --customer acme --email jane@acme.example.com --clear aws-calendar\n  ccm ses contacts update --customer acme --email jane@acme.example.com --unsubscribe-all false\n  ccm ses contacts update --customer acme --email jane@acme.example.com --timezone Europe/Berlin"
    )]
    Update {
        #[command(flatten)]
        customers: CustomerArgs,
        /// The contact's address.
        #[arg(long)]
        email: String,
        /// Topics to opt in to.
        #[arg(long, value_delimiter = ',')]
        subscribe: Vec<String>,
        /// Topics to opt out of.
        #[arg(long, value_delimiter = ',')]
        unsubscribe: Vec<String>,
        /// Topics whose explicit preference is dropped (the topic's default applies again).
        #[arg(long, value_delimiter = ',')]
        clear: Vec<String>,
        /// Unsubscribe from (true) or resubscribe to (false) everything.
        #[arg(long)]
        unsubscribe_all: Option<bool>,
        /// The IANA time zone the contact's mails show times in first, e.g. Europe/Berlin (kept in
        /// the contact's SES attributes and in the customer's zone book in the metadata bucket).
        #[arg(long, value_parser = parse_timezone, conflicts_with = "clear_timezone")]
        timezone: Option<chrono_tz::Tz>,
        /// Remove the contact's time zone (its mails then show times in the customer's zone).
        #[arg(long)]
        clear_timezone: bool,
        #[command(flatten)]
        store: StoreArgs,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Remove one contact from the list.
    #[command(after_help = "Example:\n  ccm ses contacts remove --customer acme --email jane@acme.example.com")]
    Remove {
        #[command(flatten)]
        customers: CustomerArgs,
        /// The contact's address.
        #[arg(long)]
        email: String,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Back the list up, then remove every contact from it.
    #[command(
        name = "remove-all",
        after_help = "Examples:\n  ccm ses contacts remove-all --customer acme --dry-run\n  ccm ses contacts remove-all --customer acme --yes --backup-dir backups/"
    )]
    RemoveAll {
        #[command(flatten)]
        customers: CustomerArgs,
        /// Required to remove (not needed with --dry-run).
        #[arg(long, required_unless_present = "dry_run")]
        yes: bool,
        /// Where the backup written first goes.
        #[arg(long, default_value = ".")]
        backup_dir: PathBuf,
        #[command(flatten)]
        pace: PaceArgs,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(ctx: &Ctx, cmd: ContactsCommand) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    match cmd {
        ContactsCommand::List { customers, topic, status, page_size } => {
            let filter = topic.map(|topic| ContactFilter { topic, status: status.unwrap_or(Status::OptIn).into() });
            per_customer::run(ctx, &app, &customers, "ses contacts list", |c| {
                let filter = filter.clone();
                async move {
                    let (ses, list) = open_list(ctx, &c).await?;
                    if let Some(f) = &filter {
                        known_topics(&list, std::slice::from_ref(&f.topic))?;
                    }
                    let ses = ses.with_page_size(page_size);
                    let bar = ctx.progress.spinner(c.customer_code.as_str(), "listing contacts");
                    let contacts = ses.contacts(&list.name, filter.as_ref(), |n| bar.inc(n as u64)).await?;
                    bar.finish_and_clear();
                    let rows: Vec<Vec<String>> = contacts
                        .iter()
                        .map(|c| {
                            let opted =
                                |s| joined(c.topic_preferences.iter().filter(|(_, v)| **v == s).map(|(t, _)| t));
                            vec![
                                c.email.clone(),
                                opted(SubscriptionStatus::OptIn),
                                opted(SubscriptionStatus::OptOut),
                                if c.unsubscribe_all { "yes".into() } else { "no".into() },
                            ]
                        })
                        .collect();
                    let text = format!(
                        "list {}: {} contact(s)\n{}",
                        list.name,
                        contacts.len(),
                        table(&["email", "opt-in", "opt-out", "unsubscribed all"], &rows)
                    );
                    Ok(Report::new(json!({"list": list.name, "count": contacts.len(), "contacts": contacts}), text)
                        .into())
                }
            })
            .await
        }
        ContactsCommand::Describe { customers, email } => {
            let email = parse_email(&email)?;
            per_customer::run(ctx, &app, &customers, "ses contacts describe", |c| {
                let email = email.clone();
                async move {
                    let (ses, list) = open_list(ctx, &c).await?;
                    let contact = lookup(&ses, &list.name, &email, &Pacer::unlimited())
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("{email} is not in list {}", list.name))?;
                    let rows: Vec<Vec<String>> = list
                        .topics
                        .iter()
                        .map(|t| {
                            let explicit = contact.topic_preferences.get(&t.name).map(|s| s.as_str()).unwrap_or("-");
                            let receives = contact.is_subscribed(&t.name, t.default_status);
                            vec![
                                t.name.clone(),
                                explicit.into(),
                                t.default_status.as_str().into(),
                                receives.to_string(),
                            ]
                        })
                        .collect();
                    let text = format!(
                        "{} in list {}: unsubscribed from all: {}, managed by ccm: {}\n{}",
                        contact.email,
                        list.name,
                        contact.unsubscribe_all,
                        contact.is_managed(),
                        table(&["topic", "preference", "default", "receives"], &rows)
                    );
                    Ok(Report::new(
                        json!({"list": list.name, "managed": contact.is_managed(), "contact": contact}),
                        text,
                    )
                    .into())
                }
            })
            .await
        }
        ContactsCommand::Add { customers, email, topics, force, timezone, store, dry_run } => {
            let email = parse_email(&email)?;
            let edit = Edit { subscribe: topics, timezone: timezone.map(Some), ..Edit::default() };
            let book = zone_book_store(ctx, &store, &edit).await?;
            let book = book.as_deref();
            per_customer::run(ctx, &app, &customers, "ses contacts add", |c| {
                let (email, edit) = (email.clone(), edit.clone());
                async move { change_contact(ctx, &c, &email, &edit, Mode::Add { force }, dry_run, book).await }
            })
            .await
        }
        ContactsCommand::Update {
            customers,
            email,
            subscribe,
            unsubscribe,
            clear,
            unsubscribe_all,
            timezone,
            clear_timezone,
            store,
            dry_run,
        } => {
            let email = parse_email(&email)?;
            let timezone = if clear_timezone { Some(None) } else { timezone.map(Some) };
            let edit = Edit { subscribe, unsubscribe, clear, unsubscribe_all, timezone };
            if edit.is_empty() {
                anyhow::bail!(
                    "nothing to change: give --subscribe, --unsubscribe, --clear, --unsubscribe-all, --timezone or --clear-timezone"
                );
            }
            let book = zone_book_store(ctx, &store, &edit).await?;
            let book = book.as_deref();
            per_customer::run(ctx, &app, &customers, "ses contacts update", |c| {
                let (email, edit) = (email.clone(), edit.clone());
                async move { change_contact(ctx, &c, &email, &edit, Mode::Update, dry_run, book).await }
            })
            .await
        }
        ContactsCommand::Remove { customers, email, dry_run } => {
            let email = parse_email(&email)?;
            per_customer::run(ctx, &app, &customers, "ses contacts remove", |c| {
                let email = email.clone();
                async move {
                    let (ses, list) = open_list(ctx, &c).await?;
                    let existing = lookup(&ses, &list.name, &email, &Pacer::unlimited()).await?;
                    let Some(existing) = existing else {
                        let text = format!("{email} is not in list {}", list.name);
                        return Ok(
                            Report::new(json!({"list": list.name, "action": "absent", "changes": []}), text).into()
                        );
                    };
                    if !dry_run {
                        ses.delete_contact(&list.name, &existing.email).await?;
                    }
                    let text = format!("{}remove {} from list {}", dry(dry_run), existing.email, list.name);
                    let action = if dry_run { "would_remove" } else { "removed" };
                    let changes = [Change::new("SES DeleteContact", &existing.email)];
                    Ok(Report::new(
                        json!({"list": list.name, "action": action, "contact": existing, "changes": changes}),
                        text,
                    )
                    .into())
                }
            })
            .await
        }
        ContactsCommand::RemoveAll { customers, yes: _, backup_dir, pace, dry_run } => {
            per_customer::run(ctx, &app, &customers, "ses contacts remove-all", |c| {
                let (backup_dir, pace) = (backup_dir.clone(), pace.clone());
                async move {
                    let (ses, list) = open_list(ctx, &c).await?;
                    let label = c.customer_code.as_str();
                    let (path, contacts) =
                        write_backup(ctx, &ses, &list, &backup_dir, &pace, label, "remove-all", dry_run).await?;
                    let planned: Vec<ContactChange> =
                        contacts.iter().map(|c| ContactChange::Delete { email: c.email.clone() }).collect();
                    let backup_change = Change::new("write backup file", backup_dir.join(label).display().to_string())
                        .with(json!({"contacts": contacts.len()}));
                    if dry_run {
                        let text = format!(
                            "{}back up to {} and remove {} contact(s) from list {}",
                            dry(true),
                            path.display(),
                            planned.len(),
                            list.name
                        );
                        let mut all = vec![backup_change];
                        all.extend(changes::of_contacts(&planned, None));
                        let counts = Counts { removed: planned.len(), ..Counts::default() };
                        return Ok(Report::new(
                            json!({"list": list.name, "backup": path, "would_remove": planned.len(), "changes": all}),
                            text,
                        )
                        .with_counts(counts)
                        .into());
                    }
                    let bar = ctx.progress.bar(planned.len() as u64, label, "removing contacts");
                    let applied =
                        apply(&ses, &list.name, planned.clone(), &pace.pacer(), pace.concurrency(), || bar.inc(1))
                            .await;
                    bar.finish_and_clear();
                    let text = format!(
                        "backed up to {}; removed {} contact(s) from list {}",
                        path.display(),
                        applied.removed,
                        list.name
                    );
                    let failures = applied.failed.len();
                    let mut all = vec![backup_change];
                    all.extend(changes::of_contacts(&planned, Some(&applied)));
                    let counts = Counts { removed: applied.removed, failed: failures, ..Counts::default() };
                    Ok(Report::new(
                        json!({"list": list.name, "backup": path, "applied": applied, "changes": all}),
                        text,
                    )
                    .with_failures(failures)
                    .with_counts(counts)
                    .into())
                }
            })
            .await
        }
    }
}

/// The zone book's store when `edit` sets or clears a zone (then it is required, before anything
/// changes in SES: a zone only in SES would not reach the processor).
async fn zone_book_store(
    ctx: &Ctx,
    store: &StoreArgs,
    edit: &Edit,
) -> anyhow::Result<Option<std::sync::Arc<dyn ccm_core::ports::DocumentStore>>> {
    match edit.timezone {
        Some(_) => Ok(Some(store.require(ctx, "--timezone / --clear-timezone (the zone book)").await?)),
        None => Ok(None),
    }
}

/// A `--timezone` value: an IANA zone name.
fn parse_timezone(raw: &str) -> Result<chrono_tz::Tz, String> {
    ccm_core::schedule::parse_zone("--timezone", raw).map_err(|e| e.message)
}
