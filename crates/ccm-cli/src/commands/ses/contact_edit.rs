//! One contact changed from the command line (`ccm ses contacts add|update`): only the asked
//! preferences change, through UpdateContact with the merged list (the original deleted and
//! re-created the contact, §12 item 18).
//!
//! Addresses: ccm writes them lower-cased and finds an existing contact under the lower-cased
//! address first, then as typed. `add` never opts a contact back in to a topic it opted out of
//! (that is the contact's choice) unless `--force`, and never lifts unsubscribe-all.
//!
//! A time zone (`--timezone`, `--clear-timezone`) goes into the contact's SES attribute and into the
//! customer's zone book in the metadata bucket, which is what the processor reads (ADR 0015).

use ccm_admin::limiter::Pacer;
use ccm_admin::{ContactRecord, SesAdmin};
use ccm_core::EmailAddress;
use ccm_core::config::{CustomerConfig, SubscriptionStatus};
use ccm_core::ports::DocumentStore;
use serde_json::json;

use super::{dry, known_topics, open_list};
use crate::commands::changes::{self, Change};
use crate::commands::context::Ctx;
use crate::commands::output::joined;
use crate::commands::per_customer::{self, Report};

/// The contact stored under `email`: looked up lower-cased, then as typed; each call through `pacer`.
pub(crate) async fn lookup(
    ses: &SesAdmin,
    list: &str,
    email: &EmailAddress,
    pacer: &Pacer,
) -> anyhow::Result<Option<ContactRecord>> {
    let lower = email.normalized();
    if let Some(found) = pacer.run(|| ses.get_contact(list, &lower)).await? {
        return Ok(Some(found));
    }
    if email.as_str() != lower {
        return Ok(pacer.run(|| ses.get_contact(list, email.as_str())).await?);
    }
    Ok(None)
}

/// Preference changes asked on the command line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Edit {
    pub subscribe: Vec<String>,
    pub unsubscribe: Vec<String>,
    pub clear: Vec<String>,
    pub unsubscribe_all: Option<bool>,
    /// `Some(Some(zone))` sets the contact's time zone, `Some(None)` removes it.
    pub timezone: Option<Option<chrono_tz::Tz>>,
}

impl Edit {
    pub fn is_empty(&self) -> bool {
        self.subscribe.is_empty()
            && self.unsubscribe.is_empty()
            && self.clear.is_empty()
            && self.unsubscribe_all.is_none()
            && self.timezone.is_none()
    }

    /// `contact` with only the asked changes made.
    fn applied_to(&self, contact: &ContactRecord) -> ContactRecord {
        let mut after = contact.clone();
        for t in &self.subscribe {
            after.topic_preferences.insert(t.clone(), SubscriptionStatus::OptIn);
        }
        for t in &self.unsubscribe {
            after.topic_preferences.insert(t.clone(), SubscriptionStatus::OptOut);
        }
        for t in &self.clear {
            after.topic_preferences.remove(t);
        }
        if let Some(all) = self.unsubscribe_all {
            after.unsubscribe_all = all;
        }
        if let Some(zone) = self.timezone
            && after.timezone() != zone
        {
            after.set_timezone(zone);
        }
        after
    }
}

/// How `change_contact` works: `add` creates a missing contact and respects opt-outs (unless
/// `force`); `update` changes an existing one exactly as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Add { force: bool },
    Update,
}

/// Creates or updates one contact with `edit` (see [`Mode`]); a zone edit also goes into the
/// customer's zone book in `book` (required when `edit` sets or clears the zone).
pub(crate) async fn change_contact(
    ctx: &Ctx,
    customer: &CustomerConfig,
    email: &EmailAddress,
    edit: &Edit,
    mode: Mode,
    dry_run: bool,
    book: Option<&dyn DocumentStore>,
) -> anyhow::Result<per_customer::Step> {
    let (ses, list) = open_list(ctx, customer).await?;
    let named: Vec<String> = edit.subscribe.iter().chain(&edit.unsubscribe).chain(&edit.clear).cloned().collect();
    known_topics(&list, &named)?;
    let existing = lookup(&ses, &list.name, email, &Pacer::unlimited()).await?;
    let mut edit = edit.clone();
    let mut kept_opt_out = Vec::new();
    if let (Mode::Add { force: false }, Some(c)) = (mode, &existing) {
        let (opted_out, rest): (Vec<String>, Vec<String>) = edit
            .subscribe
            .iter()
            .cloned()
            .partition(|t| c.topic_preferences.get(t) == Some(&SubscriptionStatus::OptOut));
        edit.subscribe = rest;
        kept_opt_out = opted_out;
    }
    let (action, before, after) = match existing {
        None if mode != Mode::Update => ("create", None, edit.applied_to(&ContactRecord::new(email.normalized()))),
        None => anyhow::bail!("{email} is not in list {}; `ccm ses contacts add` adds it", list.name),
        Some(c) => {
            let after = edit.applied_to(&c);
            let action = if after == c { "unchanged" } else { "update" };
            (action, Some(c), after)
        }
    };
    if !dry_run {
        match action {
            "create" => ses.create_contact(&list.name, &after).await?,
            "update" => ses.update_contact(&list.name, &after).await?,
            _ => {}
        }
    }
    let book_change = match (edit.timezone, book) {
        (Some(zone), Some(store)) => {
            let entries = vec![(email.clone(), zone)];
            super::zone_entries::write(store, &customer.customer_code, &entries, dry_run).await?
        }
        (Some(_), None) => anyhow::bail!("a time zone edit needs the zone book's store"),
        (None, _) => None,
    };
    let address = &after.email;
    let mut text = match (&before, action) {
        (_, "unchanged") => format!("{address}: already as asked in list {}", list.name),
        (None, _) => format!("{}add {address} to list {}: {}", dry(dry_run), list.name, prefs(&after)),
        (Some(b), _) => format!(
            "{}update {address} in list {}:\n  before: {} (unsubscribed from all: {})\n  after:  {} (unsubscribed from all: {})",
            dry(dry_run),
            list.name,
            prefs(b),
            b.unsubscribe_all,
            prefs(&after),
            after.unsubscribe_all
        ),
    };
    if !kept_opt_out.is_empty() {
        text.push_str(&format!(
            "\nkept OPT_OUT on {}: the contact opted out; --force opts them in anyway",
            kept_opt_out.join(", ")
        ));
    }
    if let Some(zone) = edit.timezone {
        let what = zone.map_or_else(|| "no zone".to_owned(), |z| z.name().to_owned());
        let done = match (&book_change, dry_run) {
            (None, _) => "already holds",
            (Some(_), true) => "would record",
            (Some(_), false) => "records",
        };
        text.push_str(&format!("\nzone book {done} {what} for {address}"));
    }
    if after.unsubscribe_all && mode != Mode::Update {
        text.push_str("\nthe contact unsubscribed from all: it receives nothing until it resubscribes");
    }
    let done = match (action, dry_run) {
        ("unchanged", _) => "unchanged",
        ("create", false) => "created",
        ("create", true) => "would_create",
        (_, false) => "updated",
        (_, true) => "would_update",
    };
    let mut changes: Vec<Change> = match action {
        "create" => vec![Change::new("SES CreateContact", address).with(changes::contact_state(&after))],
        "update" => vec![Change::new("SES UpdateContact", address).with(changes::contact_state(&after))],
        _ => Vec::new(),
    };
    let zone_book = match (&book_change, edit.timezone.is_some(), dry_run) {
        (_, false, _) => None,
        (None, true, _) => Some("unchanged"),
        (Some(_), true, true) => Some("would_write"),
        (Some(_), true, false) => Some("written"),
    };
    changes.extend(book_change);
    Ok(Report::new(
        json!({"list": list.name, "action": done, "before": before, "after": after, "kept_opt_out": kept_opt_out,
               "zone_book": zone_book, "changes": changes}),
        text,
    )
    .into())
}

fn prefs(c: &ContactRecord) -> String {
    let topics = joined(c.topic_preferences.iter().map(|(t, s)| format!("{t}={}", s.as_str())));
    match c.timezone() {
        Some(zone) => format!("{topics}; time zone {}", zone.name()),
        None => topics,
    }
}
