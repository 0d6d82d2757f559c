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
    /// The implementation window of a change; an announcement's meeting.
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// A change's meeting, when it has one (an announcement's meeting is its `start`/`end`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_end: Option<DateTime<Utc>>,
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
        let (meeting_start, meeting_end) = change_meeting(object);
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
            meeting_start,
            meeting_end,
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
    /// The periods this entry occupies on a calendar: its window, and a change's meeting. A
    /// period without an end is an instant.
    pub fn spans(&self) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> {
        let span =
            |start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>| start.map(|s| (s, end.unwrap_or(s).max(s)));
        span(self.start, self.end).into_iter().chain(span(self.meeting_start, self.meeting_end))
    }
    /// Whether one of its periods meets `[from, to)` (an instant meets it when `from <= t < to`).
    pub fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.spans().any(|(s, e)| spans_meet(s, e, from, to))
    }
    /// Created or submitted by `user` (case-insensitive).
    pub fn is_mine(&self, user: &str) -> bool {
        [&self.created_by, &self.submitted_by].into_iter().flatten().any(|u| u.eq_ignore_ascii_case(user))
    }
}

/// A change's meeting: the scheduled one, else the one asked for (`meetingDate` and its length).
fn change_meeting(object: &Object) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let Object::Change(c) = object else { return (None, None) };
    if let Some(m) = &c.life.meeting_metadata {
        return (Some(m.start_time), Some(m.end_time));
    }
    match c.meeting_date.filter(|_| c.include_meeting) {
        Some(start) => (Some(start), crate::schedule::meeting_end(start, c.meeting_duration_minutes())),
        None => (None, None),
    }
}

/// `[start, end)` meets `[from, to)`; a zero-length period is the instant `start`.
pub fn spans_meet(start: DateTime<Utc>, end: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    if end <= start { from <= start && start < to } else { start < to && from < end }
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
pub trait ObjectIndex: Send + Sync {
    /// Inserts or replaces the entry of `entry.id`.
    async fn upsert(&self, entry: IndexEntry) -> Result<(), IndexError>;
    async fn remove(&self, id: &ObjectId) -> Result<(), IndexError>;
    async fn get(&self, id: &ObjectId) -> Result<Option<IndexEntry>, IndexError>;
    async fn query(&self, query: &IndexQuery) -> Result<IndexPage, IndexError>;
    /// Counts over what `query` matches (its sort, limit and cursor are ignored).
    async fn statistics(&self, query: &IndexQuery) -> Result<Statistics, IndexError>;

    /// The calendar's range query: entries visible under `query` (viewer, scope, kinds, statuses,
    /// customers and `q` apply; its dates, sort and cursor do not) with a period ([`IndexEntry::spans`])
    /// that meets `[from, to)`, ordered by their first period's start, then id. At most
    /// `query.limit` items (0 = 500); `total` counts every match, `next_cursor` is always `None`.
    ///
    /// The default pages through [`ObjectIndex::query`] sorted by start, which reads every visible
    /// entry: adapters answer it from an ordered structure instead (the embedded index keeps entries
    /// ordered by start).
    async fn overlapping(
        &self,
        query: &IndexQuery,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<IndexPage, IndexError> {
        let limit = if query.limit == 0 { 500 } else { query.limit };
        let mut page_query = IndexQuery {
            from: None,
            to: None,
            sort: SortField::Start,
            descending: false,
            limit: 500,
            cursor: None,
            ..query.clone()
        };
        let mut items: Vec<IndexEntry> = Vec::new();
        let mut total = 0usize;
        loop {
            let page = self.query(&page_query).await?;
            for entry in page.items.into_iter().filter(|e| e.overlaps(from, to)) {
                total = total.saturating_add(1);
                if items.len() < limit {
                    items.push(entry);
                }
            }
            match page.next_cursor {
                Some(c) => page_query.cursor = Some(c),
                None => break,
            }
        }
        items.sort_by(|a, b| {
            (a.spans().map(|s| s.0).min(), a.id.as_str()).cmp(&(b.spans().map(|s| s.0).min(), b.id.as_str()))
        });
        Ok(IndexPage { items, next_cursor: None, total })
    }
}
