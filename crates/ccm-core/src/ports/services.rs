//! Smaller ports: meetings, the identity directory, secrets, time and ids.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};

use crate::ids::{EmailAddress, ObjectId, ObjectKind};
use crate::model::MeetingMetadata;

/// A meeting to create for an object (one for all affected customers).
#[derive(Debug, Clone)]
pub struct MeetingRequest {
    pub object: ObjectId,
    pub subject: String,
    pub html_body: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub timezone: String,
    pub location: Option<String>,
    pub attendees: Vec<EmailAddress>,
    pub hide_attendees: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar unavailable: {0}")]
    Unavailable(String),
    #[error("calendar refused the request: {0}")]
    Rejected(String),
}

#[async_trait]
pub trait Calendar: Send + Sync {
    /// Creates the meeting, or returns the existing one for the same object (idempotent).
    async fn schedule(&self, request: &MeetingRequest) -> Result<MeetingMetadata, CalendarError>;
    /// Cancels it; an already-gone meeting is success.
    async fn cancel(&self, meeting: &MeetingMetadata, message: &str) -> Result<(), CalendarError>;
}

/// A person in the identity directory (IAM Identity Center) with their group names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
    pub email: Option<EmailAddress>,
    pub active: bool,
    pub groups: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("identity directory unavailable: {0}")]
    Unavailable(String),
    #[error("identity directory error: {0}")]
    Other(String),
}

#[async_trait]
pub trait IdentityDirectory: Send + Sync {
    async fn users_with_groups(&self) -> Result<Vec<DirectoryUser>, DirectoryError>;
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
