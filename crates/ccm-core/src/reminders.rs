//! Reminders: one before an approved window starts (to the audience topic the approved notice went
//! to) and one to the approval topic for a submission that has waited too long. Both are decided
//! here, purely, twice: by the sweep over the shared index ([`due_from_entry`]: what looks due) and
//! by the processor right before sending, on the freshly read archived object ([`decide`]): still
//! approved (or still submitted), still the version the sweep found, the window start still inside
//! the reminder's range. A window that moved or an object that was cancelled meanwhile gets nothing.
//!
//! | kind | status | due when | topic |
//! |---|---|---|---|
//! | `reminder` | approved | `now < start <= now + lead(topic)` | the audience topic ([`routing::route`]) |
//! | `approval_reminder` | submitted | `submitted_at (else modified_at) <= now - wait` | the approval topic |
//!
//! Exactly once per (object version, customer, kind, recipient): the delivery ledger's event is the
//! kind, and the result goes create-only to `results/{id}/v{n}/{customer}/{kind}.json`.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{AppConfig, RemindersConfig};
use crate::ids::{CustomerCode, ObjectId, ObjectKind};
use crate::model::Object;
use crate::ports::IndexEntry;
use crate::routing::{self, Event, Route};
use crate::storage_key::{StorageKey, Token};
use crate::workflow::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// Before an approved window starts, to its audience.
    #[serde(rename = "reminder")]
    Window,
    /// A submission waiting for approval, to the approval topic.
    #[serde(rename = "approval_reminder")]
    Approval,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 2] = [Self::Window, Self::Approval];

    pub fn event(self) -> Event {
        match self {
            Self::Window => Event::Reminder,
            Self::Approval => Event::ApprovalReminder,
        }
    }
    /// The ledger event and result name: `reminder`, `approval_reminder`.
    pub fn as_str(self) -> &'static str {
        self.event().as_str()
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// One reminder that looks due: (customer, object version, kind).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DueReminder {
    pub customer: CustomerCode,
    pub object: ObjectId,
    pub version: u32,
    pub kind: ReminderKind,
}

impl DueReminder {
    /// The reminder trigger that hands it to the customer's processor queue.
    pub fn trigger_key(&self) -> StorageKey {
        StorageKey::ReminderTrigger {
            customer: self.customer.clone(),
            object: self.object.clone(),
            version: self.version,
            kind: self.kind_token(),
        }
    }
    /// Where its result is recorded once sent.
    pub fn result_key(&self) -> StorageKey {
        StorageKey::Result {
            object: self.object.clone(),
            version: self.version,
            customer: self.customer.clone(),
            event: self.kind_token(),
        }
    }
    /// The reminder a reminder trigger key stands for.
    pub fn from_key(key: &StorageKey) -> Option<Self> {
        match key {
            StorageKey::ReminderTrigger { customer, object, version, kind } => Some(Self {
                customer: customer.clone(),
                object: object.clone(),
                version: *version,
                kind: ReminderKind::parse(kind.as_str())?,
            }),
            _ => None,
        }
    }
    fn kind_token(&self) -> Token {
        // Both kind names are valid tokens (tested).
        Token::parse(self.kind.as_str()).unwrap_or_else(|_| unreachable!("reminder kinds are key tokens"))
    }
}

/// Why a reminder is not sent (logged and acknowledged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    #[error("reminders are off for this customer")]
    CustomerOff,
    #[error("the object no longer lists this customer")]
    NotACustomer,
    #[error("the object is now {0} (the reminder was for an {1} object)")]
    StatusChanged(Status, Status),
    #[error("the object is at version {now} now (the reminder was for version {due})")]
    VersionChanged { due: u32, now: u32 },
    #[error("reminders for {0} are off")]
    TopicOff(&'static str),
    #[error("the object has no window start")]
    NoWindow,
    #[error("the window starts at {0}, outside the reminder's range")]
    OutOfRange(DateTime<Utc>),
    #[error("approval reminders are off")]
    ApprovalOff,
    #[error("it has waited only since {0}")]
    NotWaitingLongEnough(DateTime<Utc>),
}

/// The audience topic of an approved object of `kind` (where its approved notice went).
fn audience_topic(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Change => routing::ANNOUNCE_TOPIC,
        ObjectKind::Announcement(t) => routing::type_topic(t),
    }
}

/// The approval topic of `kind`.
fn approval_topic(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Change => routing::APPROVAL_TOPIC,
        ObjectKind::Announcement(_) => routing::ANNOUNCEMENT_APPROVAL_TOPIC,
    }
}

/// The window check: `now < start <= now + lead`.
fn window_in_range(start: DateTime<Utc>, now: DateTime<Utc>, lead: TimeDelta) -> bool {
    now < start && now.checked_add_signed(lead).is_some_and(|horizon| start <= horizon)
}

/// The wait check: waiting since `since`, reminded once `since <= now - wait`.
fn waited_long_enough(since: DateTime<Utc>, now: DateTime<Utc>, wait: TimeDelta) -> bool {
    now.checked_sub_signed(wait).is_some_and(|cutoff| since <= cutoff)
}

/// Whether `due` is to be sent now, decided on the archived object as it is now: the route to send
/// it on, or why not.
pub fn decide(object: &Object, due: &DueReminder, now: DateTime<Utc>, config: &AppConfig) -> Result<Route, Skip> {
    let reminders = &config.reminders;
    if !reminders.enabled_for(&due.customer) {
        return Err(Skip::CustomerOff);
    }
    if !object.customers().contains(&due.customer) {
        return Err(Skip::NotACustomer);
    }
    let life = object.life();
    let wanted = match due.kind {
        ReminderKind::Window => Status::Approved,
        ReminderKind::Approval => Status::Submitted,
    };
    if life.status != wanted {
        return Err(Skip::StatusChanged(life.status, wanted));
    }
    if life.version != due.version {
        return Err(Skip::VersionChanged { due: due.version, now: life.version });
    }
    let kind = object.kind();
    match due.kind {
        ReminderKind::Window => {
            let topic = audience_topic(kind);
            let lead = reminders.lead(topic).ok_or(Skip::TopicOff(topic))?;
            let start = object.window().0.ok_or(Skip::NoWindow)?;
            if !window_in_range(start, now, lead) {
                return Err(Skip::OutOfRange(start));
            }
            Ok(Route { event: Event::Reminder, topic })
        }
        ReminderKind::Approval => {
            let wait = reminders.approval_wait().ok_or(Skip::ApprovalOff)?;
            let since = life.submitted_at.or(life.modified_at).ok_or(Skip::NotWaitingLongEnough(now))?;
            if !waited_long_enough(since, now, wait) {
                return Err(Skip::NotWaitingLongEnough(since));
            }
            Ok(Route { event: Event::ApprovalReminder, topic: approval_topic(kind) })
        }
    }
}

/// What looks due for `entry` at `now`, one per customer with reminders on. The index may lag the
/// bucket: the processor decides again with [`decide`] before sending.
pub fn due_from_entry(entry: &IndexEntry, now: DateTime<Utc>, reminders: &RemindersConfig) -> Vec<DueReminder> {
    let kind = match entry.status {
        Status::Approved => {
            let looks_due = reminders
                .lead(audience_topic(entry.kind()))
                .zip(entry.start)
                .is_some_and(|(lead, start)| window_in_range(start, now, lead));
            if !looks_due {
                return Vec::new();
            }
            ReminderKind::Window
        }
        Status::Submitted => {
            // The index has no submission time: its last change is the submission or later.
            let looks_due = reminders
                .approval_wait()
                .zip(entry.modified_at.or(entry.created_at))
                .is_some_and(|(wait, since)| waited_long_enough(since, now, wait));
            if !looks_due {
                return Vec::new();
            }
            ReminderKind::Approval
        }
        _ => return Vec::new(),
    };
    entry
        .customers
        .iter()
        .filter(|c| reminders.enabled_for(c))
        .map(|customer| DueReminder {
            customer: customer.clone(),
            object: entry.id.clone(),
            version: entry.version,
            kind,
        })
        .collect()
}

#[cfg(test)]
mod tests;
