//! `ccm ses zones show|rebuild`: the customer's zone book (`contacts/{customer}/zones.json`, ADR
//! 0015), which the processor reads for readers' time zones. `show` counts its readers per zone (it
//! holds recipient hashes, never addresses). `rebuild` makes it again from the contacts' `timezone`
//! attributes in SES, for drift (a zone edited in the SES console, a book lost or damaged): one
//! GetContact per contact at `--requests-per-second` (SES allows one per second per account for
//! every action but sending), with progress.

use std::collections::BTreeMap;
use std::process::ExitCode;

use ccm_core::EmailAddress;
use ccm_core::StorageKey;
use ccm_core::zone_book::{self, ZoneBook};
use clap::{Args, Subcommand};
use serde_json::json;

use super::{dry, open_list, read_in_detail};
use crate::commands::changes::Change;
use crate::commands::context::Ctx;
use crate::commands::metadata_store::StoreArgs;
use crate::commands::output::table;
use crate::commands::pace::{PaceArgs, positive_rate};
use crate::commands::per_customer::{self, CustomerArgs, Report, Step};

#[derive(Debug, Subcommand)]
pub enum ZonesCommand {
    /// How many of the customer's readers the zone book puts in each time zone.
    #[command(
        after_help = "Examples:\n  ccm ses zones show --customer acme\n  ccm ses zones show --all-customers --output json"
    )]
    Show {
        #[command(flatten)]
        customers: CustomerArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Make the zone book again from the contacts' `timezone` attributes in SES (one GetContact per
    /// contact, paced): repairs drift after zones were edited outside ccm.
    #[command(
        after_help = "Examples:\n  ccm ses zones rebuild --customer acme --dry-run\n  ccm ses zones rebuild --all-customers"
    )]
    Rebuild(RebuildArgs),
}

#[derive(Debug, Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    pub customers: CustomerArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// GetContact calls per second against each account (SES allows 1 for every action but sending).
    #[arg(long, default_value_t = 1.0, value_parser = positive_rate, allow_negative_numbers = true)]
    pub requests_per_second: f64,
    /// Show what the book would become; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Ctx, cmd: ZonesCommand) -> anyhow::Result<ExitCode> {
    let app = ctx.app()?;
    match cmd {
        ZonesCommand::Show { customers, store } => {
            let store = store.require(ctx, "ccm ses zones show").await?;
            let store = &*store;
            per_customer::run(ctx, &app, &customers, "ses zones show", |c| async move {
                let key = StorageKey::ZoneBook(c.customer_code.clone());
                let (book, skipped, exists) = match zone_book::load(store, &c.customer_code).await? {
                    None => (ZoneBook::default(), 0, false),
                    Some((Ok(parsed), _)) => (parsed.book, parsed.skipped, true),
                    Some((Err(e), _)) => anyhow::bail!("{key}: {e}; `ccm ses zones rebuild` makes it again"),
                };
                Ok(show(&key, &book, skipped, exists))
            })
            .await
        }
        ZonesCommand::Rebuild(args) => {
            let store = args.store.require(ctx, "ccm ses zones rebuild").await?;
            let (store, args) = (&*store, &args);
            per_customer::run(ctx, &app, &args.customers, "ses zones rebuild", |c| async move {
                let (ses, list) = open_list(ctx, &c).await?;
                let pace = PaceArgs { requests_per_second: args.requests_per_second, max_concurrency: 1 };
                let contacts = read_in_detail(ctx, &ses, &list.name, &pace, c.customer_code.as_str()).await?;
                let mut built = ZoneBook::default();
                for contact in &contacts {
                    if let (Some(zone), Ok(address)) = (contact.timezone(), EmailAddress::parse(&contact.email)) {
                        built.set(&address, Some(zone));
                    }
                }
                let code = &c.customer_code;
                let before = match zone_book::load(store, code).await? {
                    Some((Ok(parsed), _)) => parsed.book,
                    _ => ZoneBook::default(),
                };
                let diff = Diff::between(&before, &built);
                let key = StorageKey::ZoneBook(code.clone());
                let mut changes = Vec::new();
                if diff.any() {
                    if !args.dry_run {
                        zone_book::update(store, code, |book| {
                            let changed = *book != built;
                            *book = built.clone();
                            changed
                        })
                        .await?;
                    }
                    changes.push(Change::new("S3 PutObject", key.to_string()).with(json!({"entries": built.len()})));
                }
                let text = format!(
                    "{}zone book {key} from {} contact(s) of list {}: {} reader(s) with a zone ({} added, {} changed, {} removed)",
                    if diff.any() { dry(args.dry_run) } else { "" },
                    contacts.len(),
                    list.name,
                    built.len(),
                    diff.added,
                    diff.changed,
                    diff.removed,
                );
                Ok(Report::new(
                    json!({"list": list.name, "contacts": contacts.len(), "entries": built.len(),
                           "added": diff.added, "changed": diff.changed, "removed": diff.removed,
                           "zones": built.counts(), "dry_run": args.dry_run, "changes": changes}),
                    text,
                )
                .into())
            })
            .await
        }
    }
}

fn show(key: &StorageKey, book: &ZoneBook, skipped: usize, exists: bool) -> Step {
    let counts = book.counts();
    let rows: Vec<Vec<String>> = counts.iter().map(|(zone, n)| vec![(*zone).to_owned(), n.to_string()]).collect();
    let mut text = if exists {
        format!("zone book {key}: {} reader(s) with a zone", book.len())
    } else {
        format!("zone book {key}: none yet (readers see the customer's zone)")
    };
    if !rows.is_empty() {
        text.push('\n');
        text.push_str(&table(&["zone", "readers"], &rows));
    }
    if skipped > 0 {
        text.push_str(&format!("\n{skipped} entr(y/ies) without a valid zone are skipped"));
    }
    Report::new(
        json!({"key": key.to_string(), "exists": exists, "entries": book.len(), "zones": counts, "skipped": skipped}),
        text,
    )
    .into()
}

/// How a rebuilt book differs from the stored one.
#[derive(Debug, Default, PartialEq, Eq)]
struct Diff {
    added: usize,
    changed: usize,
    removed: usize,
}

impl Diff {
    fn between(before: &ZoneBook, after: &ZoneBook) -> Self {
        let old: BTreeMap<&str, chrono_tz::Tz> = before.entries().collect();
        let mut diff = Diff::default();
        for (hash, zone) in after.entries() {
            match old.get(hash) {
                None => diff.added += 1,
                Some(z) if *z != zone => diff.changed += 1,
                Some(_) => {}
            }
        }
        diff.removed = before.entries().filter(|(h, _)| after.zone_of_hash(h).is_none()).count();
        diff
    }

    fn any(&self) -> bool {
        self.added + self.changed + self.removed > 0
    }
}
