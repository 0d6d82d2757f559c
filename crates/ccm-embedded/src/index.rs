//! `MemoryIndex`: the index of `ccm serve`, held in memory and rebuilt from the document store at start.
//!
//! Entries are kept in the default listing order (modified descending, then id), so the common
//! request, the first page of everything, walks the map without sorting. Every query still scans all
//! entries once, because `total` counts every match; other sorts order only the matching entries, and
//! only the page they return is fully sorted. Pages are cut by keyset cursors (the sort value and id
//! of the last item), so writes between two page requests neither repeat nor skip an item.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use ccm_core::ports::{
    ChangeIndex, DateField, DocumentStore, IndexEntry, IndexError, IndexPage, IndexQuery, SortField, Statistics,
    StoreError, list_all,
};
use ccm_core::{Object, ObjectId, StorageKey};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

/// The position of an entry in the default order: newest first, undated last, then by id.
type OrderKey = (Reverse<Option<DateTime<Utc>>>, ObjectId);

/// An entry with the lower-cased fields that filters and sorts compare, computed once per write.
struct Slot {
    entry: IndexEntry,
    created_by_lower: Option<String>,
    title_lower: String,
}

impl Slot {
    fn new(entry: IndexEntry) -> Self {
        Self {
            created_by_lower: entry.created_by.as_deref().map(str::to_lowercase),
            title_lower: entry.title.to_lowercase(),
            entry,
        }
    }
}

#[derive(Default)]
struct Entries {
    ordered: BTreeMap<OrderKey, Slot>,
    /// Where each id sits in `ordered`.
    modified: HashMap<ObjectId, Option<DateTime<Utc>>>,
}

#[derive(Default)]
pub struct MemoryIndex {
    entries: RwLock<Entries>,
}

impl MemoryIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Indexes every object under `archive/` and `drafts/`. Files that are not objects are skipped
    /// with a warning; a failing store fails the rebuild. An id present in both places is indexed
    /// from `archive/`, which holds what everyone sees.
    pub async fn rebuild_from(store: &dyn DocumentStore) -> Result<Self, StoreError> {
        let index = Self::new();
        let (mut indexed, mut skipped) = (0usize, 0usize);
        for prefix in [StorageKey::DRAFTS_PREFIX, StorageKey::ARCHIVE_PREFIX] {
            for listed in list_all(store, prefix).await? {
                let key = match StorageKey::parse(&listed.key) {
                    Ok(key @ (StorageKey::Archive(_) | StorageKey::Draft(_))) => key,
                    _ => {
                        tracing::warn!(key = %listed.key, "skipping a key that is not an object while indexing");
                        skipped += 1;
                        continue;
                    }
                };
                let Some(doc) = store.get(&key).await? else { continue };
                match Object::from_json(&doc.body) {
                    Ok(object) => {
                        index.insert(IndexEntry::from_object(&object));
                        indexed += 1;
                    }
                    // The reason only: serde messages may quote parts of the body.
                    Err(e) => {
                        tracing::warn!(key = %listed.key, reason = reason(&e), "skipping an unreadable object");
                        skipped += 1;
                    }
                }
            }
        }
        tracing::info!(indexed, skipped, "index rebuilt");
        Ok(index)
    }

    pub fn len(&self) -> usize {
        self.read().map(|e| e.modified.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, Entries>, IndexError> {
        self.entries.read().map_err(|_| IndexError::Unavailable("index lock poisoned".into()))
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, Entries>, IndexError> {
        self.entries.write().map_err(|_| IndexError::Unavailable("index lock poisoned".into()))
    }

    fn insert(&self, entry: IndexEntry) {
        if let Ok(mut entries) = self.write() {
            entries.insert(entry);
        }
    }
}

fn reason(e: &ccm_core::model::ObjectError) -> String {
    use ccm_core::model::ObjectError;
    match e {
        ObjectError::Json(j) => format!("{:?} error at line {} column {}", j.classify(), j.line(), j.column()),
        other => other.to_string(),
    }
}

impl Entries {
    fn insert(&mut self, entry: IndexEntry) {
        self.remove(&entry.id);
        self.modified.insert(entry.id.clone(), entry.modified_at);
        self.ordered.insert((Reverse(entry.modified_at), entry.id.clone()), Slot::new(entry));
    }

    fn remove(&mut self, id: &ObjectId) {
        if let Some(modified) = self.modified.remove(id) {
            self.ordered.remove(&(Reverse(modified), id.clone()));
        }
    }
}

#[async_trait]
impl ChangeIndex for MemoryIndex {
    async fn upsert(&self, entry: IndexEntry) -> Result<(), IndexError> {
        self.write()?.insert(entry);
        Ok(())
    }

    async fn remove(&self, id: &ObjectId) -> Result<(), IndexError> {
        self.write()?.remove(id);
        Ok(())
    }

    async fn get(&self, id: &ObjectId) -> Result<Option<IndexEntry>, IndexError> {
        let entries = self.read()?;
        let found = entries.modified.get(id).and_then(|m| entries.ordered.get(&(Reverse(*m), id.clone())));
        Ok(found.map(|slot| slot.entry.clone()))
    }

    async fn query(&self, query: &IndexQuery) -> Result<IndexPage, IndexError> {
        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let order = Order { field: query.sort, descending: query.descending };
        let cursor = query.cursor.as_deref().map(|c| Cursor::decode(c, order)).transpose()?;
        let filter = Filter::new(query);
        let entries = self.read()?;
        let matching = entries.ordered.values().filter(|s| filter.matches(s));
        let after = |s: &Slot| cursor.as_ref().is_none_or(|c| order.compare_to_cursor(s, c) == Ordering::Greater);

        let mut total = 0;
        let mut page: Vec<&Slot>;
        let more;
        if order.is_stored_order() {
            // Already in order: keep the first `limit` after the cursor, and count the rest.
            page = Vec::with_capacity(limit);
            let mut beyond = 0;
            for slot in matching {
                total += 1;
                if page.len() < limit {
                    if after(slot) {
                        page.push(slot);
                    }
                } else {
                    beyond += 1;
                }
            }
            more = beyond > 0;
        } else {
            page = matching.inspect(|_| total += 1).filter(|s| after(s)).collect();
            more = page.len() > limit;
            if more {
                // Only the page needs a full sort: partition the first `limit` out in linear time.
                page.select_nth_unstable_by(limit, |a, b| order.compare(a, b));
                page.truncate(limit);
            }
            page.sort_unstable_by(|a, b| order.compare(a, b));
        }
        let next_cursor = match page.last() {
            Some(last) if more => Some(Cursor::of(last, order).encode()),
            _ => None,
        };
        Ok(IndexPage { items: page.into_iter().map(|s| s.entry.clone()).collect(), next_cursor, total })
    }

    async fn statistics(&self, query: &IndexQuery) -> Result<Statistics, IndexError> {
        let filter = Filter::new(query);
        let entries = self.read()?;
        let mut stats = Statistics::default();
        for slot in entries.ordered.values().filter(|s| filter.matches(s)) {
            let e = &slot.entry;
            stats.all.add(e.status);
            if e.is_mine(&query.viewer) {
                stats.mine.add(e.status);
            }
            if e.kind().is_change() {
                stats.changes.add(e.status);
            } else {
                stats.announcements.add(e.status);
            }
        }
        Ok(stats)
    }
}

/// A query's visibility rules and filters, with its words and needles lower-cased once.
struct Filter<'q> {
    query: &'q IndexQuery,
    words: Vec<String>,
    created_by: Option<String>,
}

impl<'q> Filter<'q> {
    fn new(query: &'q IndexQuery) -> Self {
        let words = query.q.as_deref().unwrap_or_default().split_whitespace().map(str::to_lowercase).collect();
        let created_by = query.created_by.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        Self { query, words, created_by }
    }

    fn matches(&self, slot: &Slot) -> bool {
        let (q, e) = (self.query, &slot.entry);
        let visible = (!e.draft || e.created_by.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(&q.viewer)))
            && q.scope.as_ref().is_none_or(|scope| e.customers.iter().any(|c| scope.contains(c)));
        if !visible {
            return false;
        }
        if (!q.kinds.is_empty() && !q.kinds.contains(&e.kind()))
            || q.changes_only.is_some_and(|changes| e.kind().is_change() != changes)
            || (!q.statuses.is_empty() && !q.statuses.contains(&e.status))
            || (!q.customers.is_empty() && !e.customers.iter().any(|c| q.customers.contains(c)))
            || (q.mine && !e.is_mine(&q.viewer))
        {
            return false;
        }
        if let Some(needle) = &self.created_by {
            if !slot.created_by_lower.as_deref().is_some_and(|c| c.contains(needle.as_str())) {
                return false;
            }
        }
        if q.from.is_some() || q.to.is_some() {
            let date = match q.date_field {
                DateField::Modified => e.modified_at,
                DateField::Created => e.created_at,
                DateField::Start => e.start,
            };
            let Some(date) = date else { return false };
            if q.from.is_some_and(|from| date < from) || q.to.is_some_and(|to| date > to) {
                return false;
            }
        }
        self.words.iter().all(|w| e.search_text.contains(w.as_str()))
    }
}

/// A total order over entries: the sort value (missing values last in either direction), then the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Order {
    field: SortField,
    descending: bool,
}

/// The value an entry is sorted by, borrowed from the entry or from a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey<'a> {
    Time(Option<DateTime<Utc>>),
    Text(&'a str),
    Status(ccm_core::Status),
}

impl Order {
    fn is_stored_order(self) -> bool {
        self.field == SortField::Modified && self.descending
    }

    fn key(self, slot: &Slot) -> SortKey<'_> {
        let e = &slot.entry;
        match self.field {
            SortField::Modified => SortKey::Time(e.modified_at),
            SortField::Created => SortKey::Time(e.created_at),
            SortField::Start => SortKey::Time(e.start),
            SortField::Title => SortKey::Text(&slot.title_lower),
            SortField::Status => SortKey::Status(e.status),
        }
    }

    fn compare_keys(self, (a, a_id): (SortKey<'_>, &str), (b, b_id): (SortKey<'_>, &str)) -> Ordering {
        let by_value = match (a, b) {
            (SortKey::Time(Some(_)), SortKey::Time(None)) => Ordering::Less,
            (SortKey::Time(None), SortKey::Time(Some(_))) => Ordering::Greater,
            _ if self.descending => b.cmp(&a),
            _ => a.cmp(&b),
        };
        by_value.then_with(|| a_id.cmp(b_id))
    }

    fn compare(self, a: &Slot, b: &Slot) -> Ordering {
        self.compare_keys((self.key(a), a.entry.id.as_str()), (self.key(b), b.entry.id.as_str()))
    }

    fn compare_to_cursor(self, slot: &Slot, cursor: &Cursor) -> Ordering {
        self.compare_keys((self.key(slot), slot.entry.id.as_str()), (cursor.key(), cursor.id.as_str()))
    }
}

/// Where the previous page ended. It names its sort so that it is refused under another one.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "s")]
    sort: SortField,
    #[serde(rename = "d")]
    descending: bool,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    time: Option<DateTime<Utc>>,
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(rename = "st", default, skip_serializing_if = "Option::is_none")]
    status: Option<ccm_core::Status>,
    id: String,
}

impl Cursor {
    fn of(slot: &Slot, order: Order) -> Self {
        let mut cursor = Self {
            sort: order.field,
            descending: order.descending,
            time: None,
            text: None,
            status: None,
            id: slot.entry.id.as_str().to_owned(),
        };
        match order.key(slot) {
            SortKey::Time(t) => cursor.time = t,
            SortKey::Text(t) => cursor.text = Some(t.to_owned()),
            SortKey::Status(s) => cursor.status = Some(s),
        }
        cursor
    }

    fn key(&self) -> SortKey<'_> {
        match self.sort {
            SortField::Title => SortKey::Text(self.text.as_deref().unwrap_or_default()),
            SortField::Status => SortKey::Status(self.status.unwrap_or(ccm_core::Status::Draft)),
            _ => SortKey::Time(self.time),
        }
    }

    /// Hex of compact JSON: URL-safe without escaping, and opaque enough to discourage building one.
    fn encode(&self) -> String {
        hex::encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(raw: &str, order: Order) -> Result<Self, IndexError> {
        let bytes = hex::decode(raw).map_err(|_| IndexError::BadCursor)?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| IndexError::BadCursor)?;
        let complete = match cursor.sort {
            SortField::Title => cursor.text.is_some(),
            SortField::Status => cursor.status.is_some(),
            _ => true,
        };
        if !complete || cursor.sort != order.field || cursor.descending != order.descending {
            return Err(IndexError::BadCursor);
        }
        Ok(cursor)
    }
}
