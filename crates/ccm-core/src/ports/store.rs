//! The document store: S3 semantics (ETags, conditional writes, prefix listing) over any backend.

use std::collections::BTreeMap;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};

use crate::storage_key::StorageKey;

/// An entity tag as S3 returns it, including the quotes (`"d41d8cd98f00b204e9800998ecf8427e"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ETag(pub String);

impl ETag {
    /// Accepts a header value with or without quotes (and a `W/` weak prefix, which is ignored).
    pub fn from_header(raw: &str) -> Self {
        let t = raw.trim().trim_start_matches("W/");
        if t.starts_with('"') { Self(t.to_owned()) } else { Self(format!("\"{t}\"")) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ETag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// When a put may happen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// Always write.
    #[default]
    None,
    /// `If-None-Match: *`: create only; fails if the key exists.
    IfNoneMatch,
    /// `If-Match: etag`: update only; fails if the key is missing or has another ETag.
    IfMatch(ETag),
}

#[derive(Debug, Clone, Default)]
pub struct PutOptions {
    pub precondition: Precondition,
    /// Overrides the key's default content type.
    pub content_type: Option<String>,
    /// User metadata (`x-amz-meta-*`), keys lower-case.
    pub metadata: BTreeMap<String, String>,
}

impl PutOptions {
    pub fn create_only() -> Self {
        Self { precondition: Precondition::IfNoneMatch, ..Self::default() }
    }
    pub fn if_match(etag: ETag) -> Self {
        Self { precondition: Precondition::IfMatch(etag), ..Self::default() }
    }
    pub fn with_metadata(mut self, key: &str, value: impl Into<String>) -> Self {
        self.metadata.insert(key.to_ascii_lowercase(), value.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub etag: ETag,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Document {
    pub body: Bytes,
    pub meta: ObjectMeta,
}

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub etag: ETag,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

/// One page of a listing, in key order. `next` is the continuation token of the next page.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub items: Vec<Listed>,
    pub next: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A precondition did not hold (S3's 412): the key exists (create-only) or changed (If-Match).
    #[error("precondition failed for {key}")]
    PreconditionFailed { key: String },
    /// A transient failure (timeouts, throttling, 5xx): worth retrying.
    #[error("store temporarily unavailable: {0}")]
    Unavailable(String),
    /// Anything else: access denied, a missing bucket, corrupt data.
    #[error("store error: {0}")]
    Other(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Most keys a list call may return in one page.
pub const MAX_LIST_PAGE: usize = 1000;

#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// The body and metadata, or `None` when the key does not exist.
    async fn get(&self, key: &StorageKey) -> Result<Option<Document>, StoreError>;
    /// The metadata only (S3 HEAD), or `None` when the key does not exist.
    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectMeta>, StoreError>;
    /// Writes the body if the precondition holds; returns the new ETag.
    async fn put(&self, key: &StorageKey, body: Bytes, options: PutOptions) -> Result<ETag, StoreError>;
    /// Deletes the key; deleting a missing key succeeds (as on S3).
    async fn delete(&self, key: &StorageKey) -> Result<(), StoreError>;
    /// Deletes the key only if its ETag is still `etag` (S3's conditional delete, `If-Match`);
    /// [`StoreError::PreconditionFailed`] when it changed or is gone. Moves (draft → archive,
    /// object → `deleted/`) end with this, so a write nobody saw is never deleted.
    async fn delete_if_match(&self, key: &StorageKey, etag: &ETag) -> Result<(), StoreError>;
    /// Keys that start with `prefix`, in key order, at most `limit` (capped at [`MAX_LIST_PAGE`]) per
    /// page, continuing after `continuation` (the `next` of the previous page).
    async fn list(&self, prefix: &str, continuation: Option<&str>, limit: usize) -> Result<ListPage, StoreError>;
}

/// Lists every key under `prefix`, following continuation tokens.
pub async fn list_all(store: &dyn DocumentStore, prefix: &str) -> Result<Vec<Listed>, StoreError> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = store.list(prefix, next.as_deref(), MAX_LIST_PAGE).await?;
        out.extend(page.items);
        match page.next {
            Some(token) => next = Some(token),
            None => return Ok(out),
        }
    }
}
