//! Writing readers' zones into the customer's zone book (ADR 0015) from the commands that set them
//! in SES too (`ccm ses contacts add|update --timezone`, `ccm sync`): the planned change is worked
//! out from the book as it is (so a dry run shows exactly what the real run writes), and the write
//! is a read-modify-write with `If-Match` (`ccm_core::zone_book::update`), so concurrent writers
//! keep each other's entries.

use ccm_core::ports::DocumentStore;
use ccm_core::zone_book::{self, ZoneBook};
use ccm_core::{CustomerCode, EmailAddress, StorageKey};
use chrono_tz::Tz;
use serde_json::json;

use crate::commands::changes::Change;

/// Zone changes for one customer's book: `Some(zone)` sets, `None` removes.
pub(crate) type Entries = Vec<(EmailAddress, Option<Tz>)>;

/// The book as stored now (empty when missing or unreadable: the write repairs it).
async fn current(store: &dyn DocumentStore, customer: &CustomerCode) -> anyhow::Result<ZoneBook> {
    Ok(match zone_book::load(store, customer).await? {
        Some((Ok(parsed), _)) => parsed.book,
        Some((Err(e @ zone_book::ZoneBookError::NewerFormat(_)), _)) => return Err(e.into()),
        _ => ZoneBook::default(),
    })
}

fn apply(book: &mut ZoneBook, entries: &Entries) -> bool {
    let mut changed = false;
    for (address, zone) in entries {
        changed |= book.set(address, *zone);
    }
    changed
}

/// What writing `entries` changes (as `changes` of a report), and writes it unless `dry_run`.
/// No change when the book already holds them.
pub(crate) async fn write(
    store: &dyn DocumentStore,
    customer: &CustomerCode,
    entries: &Entries,
    dry_run: bool,
) -> anyhow::Result<Option<Change>> {
    let mut planned = current(store, customer).await?;
    let before = planned.len();
    if !apply(&mut planned, entries) {
        return Ok(None);
    }
    if !dry_run {
        zone_book::update(store, customer, |book| apply(book, entries)).await?;
    }
    let set = entries.iter().filter(|(_, z)| z.is_some()).count();
    let detail =
        json!({"set": set, "removed": entries.len() - set, "entries_before": before, "entries_after": planned.len()});
    Ok(Some(Change::new("S3 PutObject", StorageKey::ZoneBook(customer.clone()).to_string()).with(detail)))
}
