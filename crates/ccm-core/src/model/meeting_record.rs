//! An object's meeting, as a history of records beside the object: each step (scheduled,
//! rescheduled, cancelled) is one create-only document `results/{id}/meeting/s{n}.json`, `n` = 1, 2, …
//! The processor never writes `archive/`; the object's view and the next step are derived from these
//! records ([`MeetingHistory`]), with the archive's legacy `meeting_metadata` read only when an object
//! has no records yet (a bucket written by the original system).
//!
//! Racing writers (one trigger per affected customer) agree through the store: whoever creates
//! `s{n}-claim.json` first performs step `n`; `s{n}.json` is created once, so a step is recorded once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::meeting::MeetingMetadata;
use super::modification::{Modification, ModificationType};
use crate::ids::{CustomerCode, EmailAddress, ObjectId};
use crate::ports::{DocumentStore, StoreError, list_all};
use crate::storage_key::{StorageKey, Token};

/// Who holds the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MeetingProvider {
    /// A Teams meeting in the organizer's calendar (Microsoft Graph); Exchange sends the invitations.
    Graph,
    /// An iCalendar invitation mailed to each attendee through their customer's SES.
    Ics,
}

/// What a step did to the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MeetingChange {
    Scheduled,
    Rescheduled,
    Cancelled,
}

/// One customer's part in the attendee list of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerAttendees {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub customer: CustomerCode,
    /// Opted-in subscribers of the meeting's topic.
    pub subscribers: usize,
    /// Held back by the customer's `restricted_recipients`.
    pub restricted: usize,
    /// Why the subscribers could not be read (the meeting went ahead without them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One step of an object's meeting (`results/{id}/meeting/s{step}.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingRecord {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub object: ObjectId,
    /// 1, 2, …: the record's place in the history (0 only for the legacy meeting of an archive).
    pub step: u32,
    pub change: MeetingChange,
    /// The object version the step was made for.
    pub version: u32,
    pub provider: MeetingProvider,
    /// The calendar's id of the event (Graph's event id; the UID for ICS).
    pub event_id: String,
    /// The iCalendar UID attendees' calendars know the meeting by; the same for every step.
    pub ical_uid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    pub subject: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The IANA zone the meeting is shown in.
    pub timezone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub organizer: Option<EmailAddress>,
    /// iCalendar `SEQUENCE`: 0 for the first invitation, one more for every later step.
    pub sequence: u32,
    /// Attendees invited (after de-duplication and `restricted_recipients`).
    #[serde(default)]
    pub attendees: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customers: Vec<CustomerAttendees>,
    pub at: DateTime<Utc>,
    /// Who made the step: `ccm-processor` (with the customer whose trigger did it) or an operator.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Who performs step `step` (`results/{id}/meeting/s{step}-claim.json`, create-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingClaim {
    pub object: ObjectId,
    pub step: u32,
    /// The object version the claimant saw.
    pub version: u32,
    /// `customer:{code}` for a processor trigger, `cli:{user}` for an operator.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The names under `results/{id}/meeting/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingKey {
    /// `s{n}.json`: a record.
    Record(u32),
    /// `s{n}-claim.json`: who performs step `n`.
    Claim(u32),
}

impl MeetingKey {
    pub fn token(self) -> Token {
        match self {
            Self::Record(n) => Token::from_trusted(format!("s{n}")),
            Self::Claim(n) => Token::from_trusted(format!("s{n}-claim")),
        }
    }
    pub fn storage_key(self, object: &ObjectId) -> StorageKey {
        StorageKey::MeetingResult(object.clone(), self.token())
    }
    /// The inverse of [`MeetingKey::token`]; `None` for other names (written by older versions).
    pub fn parse(token: &Token) -> Option<Self> {
        let raw = token.as_str().strip_prefix('s')?;
        let (digits, claim) = match raw.strip_suffix("-claim") {
            Some(d) => (d, true),
            None => (raw, false),
        };
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || (digits.len() > 1 && digits.starts_with('0'))
        {
            return None;
        }
        let n = digits.parse().ok()?;
        Some(if claim { Self::Claim(n) } else { Self::Record(n) })
    }
}

/// The idempotency key of creating the meeting of `object` at `version` (Graph `transactionId`, and
/// the key stamped on the event to find it again): every trigger of that version, and every retry,
/// computes the same one. A UUID-shaped SHA-256 digest of `{id}:v{version}`.
pub fn meeting_transaction_id(object: &ObjectId, version: u32) -> String {
    use sha2::{Digest, Sha256};
    let d = hex::encode(Sha256::digest(format!("ccm-meeting:{object}:v{version}").as_bytes()));
    let part = |a: usize, b: usize| d.get(a..b).unwrap_or_default();
    format!("{}-{}-{}-{}-{}", part(0, 8), part(8, 12), part(12, 16), part(16, 20), part(20, 32))
}

/// `results/{id}/meeting/`: every record and claim of an object's meeting.
pub fn meeting_prefix(object: &ObjectId) -> String {
    format!("{}meeting/", StorageKey::results_prefix(object))
}

impl MeetingRecord {
    pub fn key(&self) -> StorageKey {
        MeetingKey::Record(self.step).storage_key(&self.object)
    }

    /// Does the meeting still stand after this step?
    pub fn stands(&self) -> bool {
        self.change != MeetingChange::Cancelled
    }

    /// The legacy meeting of an archive written by the original system, as step 0.
    pub fn from_legacy(object: &ObjectId, version: u32, zone: &str, m: &MeetingMetadata) -> Self {
        Self {
            object: object.clone(),
            step: 0,
            change: MeetingChange::Scheduled,
            version,
            provider: MeetingProvider::Graph,
            event_id: m.meeting_id.clone(),
            ical_uid: m.extra.get("ical_uid").and_then(|v| v.as_str()).unwrap_or(&m.meeting_id).to_owned(),
            join_url: Some(m.join_url.clone()).filter(|u| !u.is_empty()),
            subject: m.subject.clone(),
            start: m.start_time,
            end: m.end_time,
            timezone: zone.to_owned(),
            location: None,
            organizer: m.organizer.as_deref().and_then(|o| EmailAddress::parse(o).ok()),
            sequence: 0,
            attendees: m.attendees.len(),
            customers: Vec::new(),
            at: m.start_time,
            by: "legacy".into(),
            comment: None,
        }
    }

    /// The shape the portal and the mail templates read (`meeting_metadata`).
    pub fn to_metadata(&self) -> MeetingMetadata {
        let mut extra = serde_json::Map::new();
        extra.insert("provider".into(), serde_json::to_value(self.provider).unwrap_or_default());
        extra.insert("timezone".into(), self.timezone.clone().into());
        extra.insert("sequence".into(), self.sequence.into());
        extra.insert("version".into(), self.version.into());
        if let Some(l) = &self.location {
            extra.insert("location".into(), l.clone().into());
        }
        MeetingMetadata {
            meeting_id: self.event_id.clone(),
            join_url: self.join_url.clone().unwrap_or_default(),
            start_time: self.start,
            end_time: self.end,
            subject: self.subject.clone(),
            organizer: self.organizer.as_ref().map(|o| o.to_string()),
            attendees: Vec::new(),
            extra,
        }
    }

    /// The history entry the object's view shows for this step.
    pub fn to_modification(&self) -> Modification {
        let kind = match self.change {
            MeetingChange::Scheduled | MeetingChange::Rescheduled => ModificationType::MeetingScheduled,
            MeetingChange::Cancelled => ModificationType::MeetingCancelled,
        };
        let mut entry = Modification::new(kind, super::PROCESSOR_USER, self.at);
        let verb = match self.change {
            MeetingChange::Scheduled => "scheduled",
            MeetingChange::Rescheduled => "rescheduled",
            MeetingChange::Cancelled => "cancelled",
        };
        let failed: Vec<&str> =
            self.customers.iter().filter(|c| c.error.is_some()).map(|c| c.customer.as_str()).collect();
        let mut comment = format!("meeting {verb} ({} attendee(s))", self.attendees);
        if self.change == MeetingChange::Cancelled {
            comment = "meeting cancelled".into();
        }
        if !failed.is_empty() {
            comment.push_str(&format!("; the subscribers of {} could not be read", failed.join(", ")));
        }
        entry.comment = Some(comment);
        if self.stands() {
            entry.meeting_metadata = Some(self.to_metadata());
        }
        entry.extra.insert("version".into(), self.version.into());
        entry.extra.insert("step".into(), self.step.into());
        entry
    }
}

/// An object's meeting records in step order, plus the legacy meeting of its archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingHistory {
    records: Vec<MeetingRecord>,
    legacy: Option<MeetingRecord>,
}

impl MeetingHistory {
    /// `records` in any order; `legacy` counts only while there is no record.
    pub fn new(mut records: Vec<MeetingRecord>, legacy: Option<MeetingRecord>) -> Self {
        records.sort_by_key(|r| r.step);
        records.dedup_by_key(|r| r.step);
        Self { records, legacy }
    }

    /// The recorded steps (without the legacy meeting).
    pub fn records(&self) -> &[MeetingRecord] {
        &self.records
    }

    /// The latest step, or the legacy meeting when nothing was recorded.
    pub fn last(&self) -> Option<&MeetingRecord> {
        self.records.last().or(self.legacy.as_ref())
    }

    /// The meeting as it stands now: the latest step unless it cancelled the meeting.
    pub fn current(&self) -> Option<&MeetingRecord> {
        self.last().filter(|r| r.stands())
    }

    /// The number of the next step (`None` only if the counter is exhausted).
    pub fn next_step(&self) -> Option<u32> {
        self.last().map_or(Some(1), |r| r.step.checked_add(1))
    }

    /// The iCalendar `SEQUENCE` of the next step.
    pub fn next_sequence(&self) -> u32 {
        self.last().map_or(0, |r| r.sequence.saturating_add(1))
    }

    /// The UID attendees' calendars know this meeting by, once it has one.
    pub fn ical_uid(&self) -> Option<&str> {
        self.last().map(|r| r.ical_uid.as_str())
    }
}

/// The meeting the archive itself names (`meeting_metadata`, written by the original system), as
/// step 0 of the history.
pub fn legacy_meeting(object: &super::Object) -> Option<MeetingRecord> {
    let zone = object.timezone().unwrap_or(crate::schedule::DEFAULT_ZONE);
    let life = object.life();
    life.meeting_metadata.as_ref().map(|m| MeetingRecord::from_legacy(object.id(), life.version, zone, m))
}

/// Reads `results/{id}/meeting/` (one listing, then the records); claims are not records.
pub async fn load_history(
    store: &dyn DocumentStore,
    object: &ObjectId,
    legacy: Option<MeetingRecord>,
) -> Result<MeetingHistory, StoreError> {
    let mut records = Vec::new();
    for item in list_all(store, &meeting_prefix(object)).await? {
        let Ok(key) = StorageKey::parse(&item.key) else { continue };
        let StorageKey::MeetingResult(_, token) = &key else { continue };
        if !matches!(MeetingKey::parse(token), Some(MeetingKey::Record(_))) {
            continue;
        }
        let Some(doc) = store.get(&key).await? else { continue };
        // A record that does not parse (or names another object) is skipped: it cannot hide the
        // object, and the next step is still recorded under a new number.
        if let Ok(r) = serde_json::from_slice::<MeetingRecord>(&doc.body)
            && &r.object == object
        {
            records.push(r);
        }
    }
    Ok(MeetingHistory::new(records, legacy))
}

/// The claim on step `step`, if someone made it.
pub async fn load_claim(
    store: &dyn DocumentStore,
    object: &ObjectId,
    step: u32,
) -> Result<Option<MeetingClaim>, StoreError> {
    let Some(doc) = store.get(&MeetingKey::Claim(step).storage_key(object)).await? else { return Ok(None) };
    Ok(serde_json::from_slice(&doc.body).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ObjectId {
        ObjectId::parse("CHG-1").unwrap()
    }

    pub(crate) fn record(step: u32, change: MeetingChange) -> MeetingRecord {
        MeetingRecord {
            object: id(),
            step,
            change,
            version: step.saturating_add(2),
            provider: MeetingProvider::Ics,
            event_id: "CHG-1@example.com".into(),
            ical_uid: "CHG-1@example.com".into(),
            join_url: Some("https://meet.example.com/x".into()),
            subject: "Change Implementation: Patch".into(),
            start: "2026-06-10T14:00:00Z".parse().unwrap(),
            end: "2026-06-10T15:00:00Z".parse().unwrap(),
            timezone: "America/New_York".into(),
            location: None,
            organizer: EmailAddress::parse("meetings@example.com").ok(),
            sequence: step.saturating_sub(1),
            attendees: 3,
            customers: Vec::new(),
            at: "2026-06-01T12:00:00Z".parse().unwrap(),
            by: "ccm-processor".into(),
            comment: None,
        }
    }

    #[test]
    fn meeting_key_names_round_trip_through_storage_keys() {
        for key in [MeetingKey::Record(1), MeetingKey::Record(42), MeetingKey::Claim(7)] {
            let text = key.storage_key(&id()).to_string();
            let StorageKey::MeetingResult(object, token) = StorageKey::parse(&text).unwrap() else { panic!("{text}") };
            assert_eq!((object, MeetingKey::parse(&token)), (id(), Some(key)), "{text}");
        }
        assert_eq!(MeetingKey::Record(3).storage_key(&id()).to_string(), "results/CHG-1/meeting/s3.json");
        for other in ["cancelled-0123", "s", "s01", "s1-claimx", "x1"] {
            assert_eq!(MeetingKey::parse(&Token::parse(other).unwrap()), None, "{other}");
        }
    }

    #[test]
    fn the_transaction_id_is_the_same_for_one_version_and_differs_between_versions() {
        let a = meeting_transaction_id(&id(), 3);
        assert_eq!(a, meeting_transaction_id(&id(), 3));
        assert_ne!(a, meeting_transaction_id(&id(), 4));
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn the_current_meeting_is_the_last_step_unless_it_was_a_cancellation() {
        let h =
            MeetingHistory::new(vec![record(2, MeetingChange::Rescheduled), record(1, MeetingChange::Scheduled)], None);
        assert_eq!(h.current().map(|r| r.step), Some(2));
        assert_eq!((h.next_step(), h.next_sequence()), (Some(3), 2));
        let h =
            MeetingHistory::new(vec![record(1, MeetingChange::Scheduled), record(2, MeetingChange::Cancelled)], None);
        assert_eq!(h.current(), None);
        assert_eq!(h.ical_uid(), Some("CHG-1@example.com"), "a later invitation keeps the UID");
        assert_eq!(MeetingHistory::default().next_step(), Some(1));
    }

    #[test]
    fn the_legacy_meeting_counts_only_until_something_is_recorded() {
        let legacy = record(0, MeetingChange::Scheduled);
        let h = MeetingHistory::new(Vec::new(), Some(legacy.clone()));
        assert_eq!(h.current().map(|r| r.step), Some(0));
        assert_eq!(h.next_step(), Some(1));
        let h = MeetingHistory::new(vec![record(1, MeetingChange::Cancelled)], Some(legacy));
        assert_eq!(h.current(), None);
    }

    #[test]
    fn a_record_shows_as_meeting_metadata_and_a_history_entry() {
        let r = record(1, MeetingChange::Scheduled);
        let m = r.to_metadata();
        assert_eq!((m.meeting_id.as_str(), m.join_url.as_str()), ("CHG-1@example.com", "https://meet.example.com/x"));
        let entry = r.to_modification();
        assert_eq!(entry.modification_type, ModificationType::MeetingScheduled);
        assert!(entry.meeting_metadata.is_some());
        let entry = record(2, MeetingChange::Cancelled).to_modification();
        assert_eq!(entry.modification_type, ModificationType::MeetingCancelled);
        assert!(entry.meeting_metadata.is_none());
    }
}
