//! The change calendar: implementation windows and meetings in a time range, answered by the
//! index's range query (never a scan of the store), with the blackout windows of the range; the
//! conflicts of one change ([`conflicts`]); and the subscribable feeds ([`feeds`]).

pub mod conflicts;
pub mod feeds;

use ccm_core::blackout::Blackout;
use ccm_core::blackout_schedule::{Occurrence, occurrences};
use ccm_core::config::FieldError;
use ccm_core::ports::{IndexEntry, IndexQuery};
use ccm_core::{CustomerCode, ObjectKind, Status};
use chrono::{DateTime, TimeDelta, Utc};

use crate::App;
use crate::blackouts::{load_all, visible_to};
use crate::caller::Caller;
use crate::error::CalendarError;
use crate::view::scoped_page;

/// The longest range one calendar request may ask for.
pub const MAX_RANGE_DAYS: i64 = 400;
/// The most entries one calendar request answers (`total` says how many there were).
pub const MAX_ENTRIES: usize = 500;

/// What the calendar shows when no status is asked for: everything but cancelled objects (drafts
/// only to their author, as everywhere).
pub const DEFAULT_STATUSES: [Status; 4] = [Status::Draft, Status::Submitted, Status::Approved, Status::Completed];

/// A calendar request. Empty lists mean "no filter".
#[derive(Debug, Clone)]
pub struct CalendarQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub customers: Vec<CustomerCode>,
    pub statuses: Vec<Status>,
    pub kinds: Vec<ObjectKind>,
}

/// The calendar of a range as the caller may see it.
#[derive(Debug, Clone)]
pub struct CalendarView {
    /// Entries with a window or meeting in the range, by start (customers cut to the caller's).
    pub entries: Vec<IndexEntry>,
    /// How many entries matched (more than `entries` when the range holds over [`MAX_ENTRIES`]).
    pub total: usize,
    /// The caller's blackout windows (global ones included) with their occurrences in the range.
    pub blackouts: Vec<(Blackout, Vec<Occurrence>)>,
}

/// Checks a range: `from` before `to`, at most [`MAX_RANGE_DAYS`] long.
pub fn check_range(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), CalendarError> {
    if to <= from {
        return Err(CalendarError::Invalid(vec![FieldError::new("to", "must be after from")]));
    }
    if to.signed_duration_since(from) > TimeDelta::days(MAX_RANGE_DAYS) {
        return Err(CalendarError::Invalid(vec![FieldError::new(
            "to",
            format!("a calendar range is at most {MAX_RANGE_DAYS} days"),
        )]));
    }
    Ok(())
}

/// The blackouts `caller` may see that concern `customers` (all of theirs when empty), with their
/// occurrences in `[from, to)`; those without one are left out.
pub(crate) fn blackouts_in_range(
    all: &[Blackout],
    caller: &Caller,
    customers: &[CustomerCode],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(Blackout, Vec<Occurrence>)> {
    all.iter()
        .filter_map(|b| visible_to(b, caller))
        .filter(|b| customers.is_empty() || customers.iter().any(|c| b.applies_to(c)))
        .filter_map(|b| {
            let list = occurrences(&b, from, to);
            (!list.is_empty()).then_some((b, list))
        })
        .collect()
}

impl App {
    pub async fn calendar(&self, caller: &Caller, q: &CalendarQuery) -> Result<CalendarView, CalendarError> {
        check_range(q.from, q.to)?;
        let query = IndexQuery {
            viewer: caller.email().to_owned(),
            scope: caller.scope().map(<[CustomerCode]>::to_vec),
            kinds: q.kinds.clone(),
            statuses: if q.statuses.is_empty() { DEFAULT_STATUSES.to_vec() } else { q.statuses.clone() },
            customers: q.customers.clone(),
            limit: MAX_ENTRIES,
            ..IndexQuery::default()
        };
        let page = scoped_page(self.index.overlapping(&query, q.from, q.to).await?, caller);
        let all = load_all(&*self.store).await?;
        Ok(CalendarView {
            entries: page.items,
            total: page.total,
            blackouts: blackouts_in_range(&all, caller, &q.customers, q.from, q.to),
        })
    }
}
