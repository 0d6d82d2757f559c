//! Smaller ports: meetings, secrets, time and ids. (The Identity Center sync is an operator job
//! of `ccm-admin`, not a port: nothing in the running system reads the directory.)

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};

use crate::ids::{EmailAddress, ObjectId, ObjectKind};
use crate::model::MeetingProvider;

/// The one meeting of an object, for all its affected customers, as a calendar must hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRequest {
    pub object: ObjectId,
    /// The object version the request was made for.
    pub version: u32,
    /// Idempotency key of the create call (Graph `transactionId`): the same for every trigger of one
    /// object version, so racing triggers and retries make one event.
    pub transaction_id: String,
    /// The UID of the event (ICS); Graph assigns its own `iCalUId`.
    pub ical_uid: String,
    /// iCalendar `SEQUENCE` of this step.
    pub sequence: u32,
    /// The mailbox that owns the event (`email_config.meeting_organizer`).
    pub organizer: EmailAddress,
    pub subject: String,
    /// The invitation text (HTML, escaped).
    pub html_body: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The IANA zone the meeting is shown in.
    pub timezone: String,
    pub location: Option<String>,
    pub attendees: Vec<EmailAddress>,
    /// Each attendee sees only themselves (attendees of different customers never see each other).
    pub hide_attendees: bool,
}

/// An event as the calendar holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    pub event_id: String,
    pub ical_uid: Option<String>,
    pub join_url: Option<String>,
}

/// How attendees receive the invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invitations {
    /// The calendar sends them (Exchange, for a Graph meeting).
    SentByCalendar,
    /// ccm mails an iCalendar invitation to each attendee through their customer's SES.
    MailedAsIcs,
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// Worth retrying later (throttled, 5xx, timeout, network).
    #[error("calendar unavailable: {0}")]
    Unavailable(String),
    /// Refused for good (bad request, no permission on the organizer's mailbox).
    #[error("calendar refused the request: {0}")]
    Rejected(String),
    /// The event does not exist (any more).
    #[error("no such event: {0}")]
    NotFound(String),
}

impl CalendarError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// The calendar that holds an object's meeting: Microsoft Graph, or iCalendar by mail.
#[async_trait]
pub trait Calendar: Send + Sync {
    fn provider(&self) -> MeetingProvider;
    fn invitations(&self) -> Invitations;
    /// Creates the event, or returns the one an earlier attempt with the same `transaction_id`
    /// created (looked up first; the create call carries the key too).
    async fn create(&self, request: &MeetingRequest) -> Result<CalendarEvent, CalendarError>;
    /// Updates the event in place (time, zone, subject, location, body, attendees).
    async fn update(&self, event_id: &str, request: &MeetingRequest) -> Result<CalendarEvent, CalendarError>;
    /// Cancels the event, telling attendees `comment`. An event already gone is success.
    async fn cancel(&self, organizer: &EmailAddress, event_id: &str, comment: &str) -> Result<(), CalendarError>;
}

/// A secret value that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secrets unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Secrets: Send + Sync {
    async fn get(&self, name: &str) -> Result<Option<Secret>, SecretsError>;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(3)
    }
}

pub trait IdGen: Send + Sync {
    fn object_id(&self, kind: ObjectKind) -> ObjectId;
    /// A fresh blackout window id (`BLK-{uuid}`).
    fn blackout_id(&self) -> crate::blackout::BlackoutId {
        crate::blackout::BlackoutId::new(uuid::Uuid::new_v4())
    }
}

/// Ids from random v4 uuids.
#[derive(Debug, Default, Clone, Copy)]
pub struct UuidIdGen;

impl IdGen for UuidIdGen {
    fn object_id(&self, kind: ObjectKind) -> ObjectId {
        ObjectId::new(kind, uuid::Uuid::new_v4())
    }
}

/// Where and how a browser uploads an attachment's bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadTarget {
    pub upload_url: String,
    pub method: String,
    /// Headers the upload must carry (for a presigned URL: exactly these).
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_in_seconds: u64,
}

/// What an upload will be: its exact size and type, and optionally its SHA-256 (base64), all bound
/// into the signature of a presigned URL so that storage refuses anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSpec<'a> {
    pub content_type: &'a str,
    pub size: u64,
    pub sha256: Option<&'a str>,
}

/// Signs direct uploads and downloads of attachment bytes: presigned S3 URLs in AWS; in `ccm serve`
/// a local API route (and downloads streamed by the API).
#[async_trait]
pub trait UploadSigner: Send + Sync {
    async fn upload(
        &self,
        key: &crate::StorageKey,
        spec: &UploadSpec<'_>,
    ) -> Result<UploadTarget, crate::ports::StoreError>;
    /// A URL to send the browser to, or `None` when the API streams the bytes itself.
    async fn download(
        &self,
        key: &crate::StorageKey,
        file_name: &str,
    ) -> Result<Option<String>, crate::ports::StoreError>;
}
