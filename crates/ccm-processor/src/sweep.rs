//! The reminder sweep: one periodic pass over the shared index instead of one schedule per object
//! (docs/adr/0014-reminders.md). It finds what looks due ([`ccm_core::reminders::due_from_entry`]):
//! approved objects whose window starts within the longest lead time (the calendar's range query,
//! [`ObjectIndex::overlapping`]) and submissions last changed before the approval wait. Each due
//! (customer, object version, kind) not yet sent is handed to the customer's processor as a
//! reminder trigger, written create-only: in AWS the bucket routes it to that customer's queue like
//! any trigger, in `ccm serve` the local queue picks it up. The sweep itself sends nothing, so it
//! stays short however many subscribers there are (Lambda's 15 minutes), one customer's SES trouble
//! stays in that customer's queue, and retries and the dead-letter queue are the ones of every
//! notice.
//!
//! Exactly once: sweeps running at once write the same trigger key, and only one write succeeds;
//! a reminder already sent has its result, which the sweep checks first; the processor decides again
//! on the archived object, and the delivery ledger skips every recipient already sent to.

use std::sync::Arc;

use bytes::Bytes;
use ccm_core::config::AppConfig;
use ccm_core::ports::{Clock, DateField, DocumentStore, IndexError, IndexQuery, ObjectIndex, PutOptions, StoreError};
use ccm_core::reminders::{DueReminder, due_from_entry};
use ccm_core::workflow::Status;
use chrono::TimeDelta;
use futures::StreamExt;
use serde::Serialize;

/// The most approved objects one sweep looks at; more is logged (the index's range query is ordered
/// by start, so the soonest come first).
const MAX_WINDOWS: usize = 10_000;
/// Who wrote a reminder trigger (object metadata `written-by`).
pub const SWEEP_USER: &str = "ccm-reminders";
/// Reminders checked and handed off at once (each a HEAD and maybe a PUT).
const CONCURRENCY: usize = 16;
/// Submissions read per index page.
const PAGE: usize = 500;

/// What the sweep reads and writes.
#[derive(Clone)]
pub struct Sweep {
    pub store: Arc<dyn DocumentStore>,
    pub index: Arc<dyn ObjectIndex>,
    pub config: Arc<AppConfig>,
    pub clock: Arc<dyn Clock>,
}

/// What became of one due reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    AlreadySent,
    HandedOff,
    Pending,
    /// Due (a dry run: nothing written).
    Due,
}

/// What one sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Due and not yet sent: handed off (or, in a dry run, what would be).
    pub due: Vec<DueReminder>,
    /// Trigger written by this sweep.
    pub handed_off: usize,
    /// A trigger for it was already waiting (another sweep, or a redelivery in progress).
    pub pending: usize,
    /// Already sent (its result exists).
    pub already_sent: usize,
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("index: {0}")]
    Index(#[from] IndexError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl Sweep {
    /// One sweep: find what is due, hand off what is not sent yet (nothing is written in a dry run).
    #[tracing::instrument(skip_all, fields(dry_run))]
    pub async fn run(&self, dry_run: bool) -> Result<SweepReport, SweepError> {
        let mut report = SweepReport { dry_run, ..SweepReport::default() };
        let steps: Vec<Result<(DueReminder, Step), SweepError>> = futures::stream::iter(self.find_due().await?)
            .map(|due| async move {
                let step = self.step(&due, dry_run).await?;
                Ok((due, step))
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        for step in steps {
            let (due, step) = step?;
            match step {
                Step::AlreadySent => report.already_sent = report.already_sent.saturating_add(1),
                Step::HandedOff => report.handed_off = report.handed_off.saturating_add(1),
                Step::Pending => report.pending = report.pending.saturating_add(1),
                Step::Due => {}
            }
            if step != Step::AlreadySent {
                report.due.push(due);
            }
        }
        tracing::info!(
            due = report.due.len(),
            handed_off = report.handed_off,
            pending = report.pending,
            already_sent = report.already_sent,
            "reminder sweep done"
        );
        Ok(report)
    }

    /// One due reminder: already sent, or handed off now (a dry run only reports it).
    async fn step(&self, due: &DueReminder, dry_run: bool) -> Result<Step, SweepError> {
        if self.store.head(&due.result_key()).await?.is_some() {
            return Ok(Step::AlreadySent);
        }
        if dry_run {
            return Ok(Step::Due);
        }
        Ok(if self.hand_off(due).await? { Step::HandedOff } else { Step::Pending })
    }

    /// Every reminder that looks due now, per the index.
    pub async fn find_due(&self) -> Result<Vec<DueReminder>, SweepError> {
        let now = self.clock.now();
        let reminders = &self.config.reminders;
        let mut due = Vec::new();
        if let Some(lead) = reminders.longest_lead() {
            // `overlapping` meets [from, to): one second past the lead keeps a start exactly at it.
            let to = now.checked_add_signed(lead).and_then(|t| t.checked_add_signed(TimeDelta::seconds(1)));
            if let Some(to) = to {
                let query =
                    IndexQuery { statuses: vec![Status::Approved], limit: MAX_WINDOWS, ..IndexQuery::default() };
                let page = self.index.overlapping(&query, now, to).await?;
                if page.total > page.items.len() {
                    tracing::warn!(
                        total = page.total,
                        read = page.items.len(),
                        "more approved windows than one sweep reads"
                    );
                }
                due.extend(page.items.iter().flat_map(|e| due_from_entry(e, now, reminders)));
            }
        }
        if let Some(wait) = reminders.approval_wait() {
            let mut query = IndexQuery {
                statuses: vec![Status::Submitted],
                date_field: DateField::Modified,
                to: now.checked_sub_signed(wait),
                limit: PAGE,
                ..IndexQuery::default()
            };
            loop {
                let page = self.index.query(&query).await?;
                due.extend(page.items.iter().flat_map(|e| due_from_entry(e, now, reminders)));
                match page.next_cursor {
                    Some(c) => query.cursor = Some(c),
                    None => break,
                }
            }
        }
        // A customer dropped from config.json has no queue to hand off to any more.
        due.retain(|d| self.config.customer(&d.customer).is_some());
        Ok(due)
    }

    /// Writes the reminder trigger create-only; `false` when one is already waiting.
    async fn hand_off(&self, due: &DueReminder) -> Result<bool, SweepError> {
        let body = serde_json::to_vec(due).unwrap_or_default();
        let options = PutOptions::create_only().with_metadata("written-by", SWEEP_USER);
        match self.store.put(&due.trigger_key(), Bytes::from(body), options).await {
            Ok(_) => Ok(true),
            Err(StoreError::PreconditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
