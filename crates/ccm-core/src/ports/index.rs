//! The index: list, search and statistics without reading every object. The document store stays the
//! source of truth; the index is rebuilt from it and updated on every write.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{CustomerCode, ObjectId, ObjectKind};
use crate::model::Object;
use crate::workflow::Status;

/// What the index keeps of one object: enough to list, filter, sort and count it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexEntry {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ObjectId,
    /// `change`, `cic`, `finops`, `innersource` or `general`.
    #[serde(rename = "type")]
    pub type_name: String,
    pub status: Status,
    pub title: String,
    pub summary: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customers: Vec<CustomerCode>,
    pub created_by: Option<String>,
    pub submitted_by: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub modified_at: Option<DateTime<Utc>>,
    pub modified_by: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub timezone: Option<String>,
    pub version: u32,
    pub join_url: Option<String>,
    /// Drafts are visible to their author only.
    pub draft: bool,
    /// Lower-cased title, description, plans, id and tickets.
    #[serde(skip)]
    pub search_text: String,
}

impl IndexEntry {
    pub fn from_object(object: &Object) -> Self {
        let life = object.life();
        let (start, end) = object.window();
        Self {
            id: object.id().clone(),
            type_name: object.kind().type_name().to_owned(),
            status: life.status,
            title: object.title().to_owned(),
            summary: object.summary().chars().take(280).collect(),
            customers: object.customers().to_vec(),
            created_by: object.created_by().map(str::to_owned),
            submitted_by: life.submitted_by.clone(),
            created_at: object.created_at(),
            modified_at: life.modified_at.or(object.created_at()),
            modified_by: life.modified_by.clone(),
            start,
            end,
            timezone: object.timezone().map(str::to_owned),
            version: life.version,
            join_url: life.meeting_metadata.as_ref().map(|m| m.join_url.clone()),
            draft: life.status == Status::Draft,
            search_text: object.search_text(),
        }
    }
    pub fn kind(&self) -> ObjectKind {
        self.id.kind()
    }
    /// Created or submitted by `user` (case-insensitive).
    pub fn is_mine(&self, user: &str) -> bool {
        [&self.created_by, &self.submitted_by].into_iter().flatten().any(|u| u.eq_ignore_ascii_case(user))
    }
}

/// An entry as a shared index stores it: the entry and its search text, which lists never show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexRecord {
    #[serde(flatten)]
    pub entry: IndexEntry,
    #[serde(rename = "searchText", default)]
    pub search_text: String,
}

impl From<IndexEntry> for IndexRecord {
    fn from(entry: IndexEntry) -> Self {
        let search_text = entry.search_text.clone();
        Self { entry, search_text }
    }
}

impl IndexRecord {
    pub fn into_entry(self) -> IndexEntry {
        IndexEntry { search_text: self.search_text, ..self.entry }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortField {
    #[default]
    Modified,
    Created,
    Start,
    Title,
    Status,
}

impl SortField {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "modified" | "modifiedAt" => Some(Self::Modified),
            "created" | "createdAt" => Some(Self::Created),
            "start" | "implementationStart" => Some(Self::Start),
            "title" => Some(Self::Title),
            "status" => Some(Self::Status),
            _ => None,
        }
    }
}

/// Which timestamp `from`/`to` filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateField {
    #[default]
    Modified,
    Created,
    Start,
}

/// A list or search request. Empty vectors mean "no filter".
#[derive(Debug, Clone, Default)]
pub struct IndexQuery {
    /// The user asking: drafts of other users are never returned.
    pub viewer: String,
    /// The customers the viewer may see; `None` = all. An object is visible if it has any of them.
    pub scope: Option<Vec<CustomerCode>>,
    pub kinds: Vec<ObjectKind>,
    /// Only changes (`Some(true)`) or only announcements (`Some(false)`).
    pub changes_only: Option<bool>,
    pub statuses: Vec<Status>,
    /// Objects with any of these customers. With a `scope`, only the wanted customers inside the
    /// scope count (none inside: nothing matches), so a filter cannot reveal who else an object
    /// is shared with.
    pub customers: Vec<CustomerCode>,
    /// Substring of createdBy, case-insensitive.
    pub created_by: Option<String>,
    /// Only objects created or submitted by the viewer.
    pub mine: bool,
    /// Every word must occur in the searchable text (case-insensitive).
    pub q: Option<String>,
    pub date_field: DateField,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub sort: SortField,
    pub descending: bool,
    pub limit: usize,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexPage {
    pub items: Vec<IndexEntry>,
    pub next_cursor: Option<String>,
    /// How many entries match in all (across pages).
    pub total: usize,
}

/// Counts by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    pub total: usize,
    pub draft: usize,
    pub submitted: usize,
    pub approved: usize,
    pub completed: usize,
    pub cancelled: usize,
    /// submitted + approved: work in flight.
    pub active: usize,
}

impl StatusCounts {
    pub fn add(&mut self, status: Status) {
        let count = match status {
            Status::Draft => &mut self.draft,
            Status::Submitted => &mut self.submitted,
            Status::Approved => &mut self.approved,
            Status::Completed => &mut self.completed,
            Status::Cancelled => &mut self.cancelled,
        };
        *count = count.saturating_add(1);
        self.total = self.total.saturating_add(1);
        self.active = self.submitted.saturating_add(self.approved);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statistics {
    /// Everything the viewer can see.
    pub all: StatusCounts,
    /// What the viewer created or submitted.
    pub mine: StatusCounts,
    pub changes: StatusCounts,
    pub announcements: StatusCounts,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("bad cursor")]
    BadCursor,
    #[error("index unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait ChangeIndex: Send + Sync {
    /// Inserts or replaces the entry of `entry.id`.
    async fn upsert(&self, entry: IndexEntry) -> Result<(), IndexError>;
    async fn remove(&self, id: &ObjectId) -> Result<(), IndexError>;
    async fn get(&self, id: &ObjectId) -> Result<Option<IndexEntry>, IndexError>;
    async fn query(&self, query: &IndexQuery) -> Result<IndexPage, IndexError>;
    /// Counts over what `query` matches (its sort, limit and cursor are ignored).
    async fn statistics(&self, query: &IndexQuery) -> Result<Statistics, IndexError>;
}
