//! `MemoryIndex`: the index of `ccm serve`, held in memory and rebuilt from the document store at start.
//!
//! Entries are kept in the default listing order (modified descending, then id), so the common
//! request, the first page of everything, walks the map without sorting. Every query still scans all
//! entries once, because `total` counts every match; other sorts order only the matching entries, and
//! only the page they return is fully sorted. Pages are cut by keyset cursors (the sort value and id
//! of the last item), so writes between two page requests neither repeat nor skip an item.
//!
//! The scan is kept cheap by what it reads: users, customers and the words of the search text are
//! interned, so a filter compares integers and bit masks, and a text search looks each query word up
//! once in the dictionary of distinct words, then checks word ids per entry.
//!
//! The calendar's range query does not scan: every period of an entry (its window, a change's
//! meeting) is also kept ordered by start, with the lengths of all periods counted, so the periods
//! meeting `[from, to)` are among those starting in `[from - longest period, to)`, one range read
//! of the ordered map.

use std::borrow::Borrow;
use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use ccm_core::ports::{
    DateField, DocumentStore, IndexEntry, IndexError, IndexPage, IndexQuery, ObjectIndex, SortField, Statistics,
    StoreError, list_all,
};
use ccm_core::{CustomerCode, Object, ObjectId, ObjectKind, Status, StorageKey};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

mod interning;
mod query;

use interning::*;
use query::*;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

/// The position of an entry in the default order: newest first, undated last, then by id.
type OrderKey = (Reverse<Option<DateTime<Utc>>>, ObjectId);

/// The periods starting at one instant: (id, which period of the entry, end). Mostly one: a list
/// costs one small allocation where a map would cost a table.
type PeriodsAt = Vec<(ObjectId, u8, DateTime<Utc>)>;

/// Index entries in the compact form of a snapshot: each with the positions of its distinct words
/// in one shared list. `search_text` is empty in these entries; the words stand for it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compact {
    pub words: Vec<String>,
    pub entries: Vec<(IndexEntry, Vec<u32>)>,
}

/// The dictionary ids of a compact word list, by position ([`MemoryIndex::load_words`]).
#[derive(Debug)]
pub struct WordIds(Vec<u32>);

fn compact_error(why: String) -> IndexError {
    IndexError::Unavailable(format!("compact index entries: {why}"))
}

/// What filters and sorts read of one entry, kept small and free of heap strings so that a scan of
/// 100 000 entries stays within the cache; the full entry is boxed beside it and read only for the page.
struct Slot {
    status: Status,
    kind: ObjectKind,
    draft: bool,
    created_by: Option<u32>,
    submitted_by: Option<u32>,
    customers: CustomerSet,
    modified: Option<DateTime<Utc>>,
    created: Option<DateTime<Utc>>,
    start: Option<DateTime<Utc>>,
    title_lower: Box<str>,
    /// The distinct whitespace-separated words of `search_text`, as ids in `Entries::words`.
    words: Box<[u32]>,
    entry: Box<IndexEntry>,
}

/// The entries in default order, and the dictionaries their slots refer to. Dictionaries only grow:
/// a user, customer or word that is no longer used costs a few bytes until the next rebuild.
#[derive(Default)]
struct Entries {
    ordered: BTreeMap<OrderKey, Slot>,
    /// Where each id sits in `ordered`.
    modified: HashMap<ObjectId, Option<DateTime<Utc>>>,
    /// ASCII-lower-cased user names (`is_mine` compares them ASCII-case-insensitively).
    users: Interner<String>,
    customers: Interner<CustomerCode>,
    words: Dictionary,
    /// Every period of every entry by start: start → (id, which period) → end.
    by_start: BTreeMap<DateTime<Utc>, PeriodsAt>,
    /// How many periods have each length, so the longest is known after removals too.
    lengths: BTreeMap<TimeDelta, usize>,
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

    /// Every entry with its distinct words as positions in one word list (for a snapshot of the
    /// index: a word many entries share is written once). The entries' `search_text` is empty.
    pub fn export_compact(&self) -> Compact {
        let Ok(e) = self.read() else { return Compact::default() };
        // Dictionary id → position in the exported list: only the words still in use are exported.
        let mut position: Vec<Option<u32>> = vec![None; e.words.len()];
        let mut words = Vec::new();
        let entries = e
            .ordered
            .values()
            .map(|slot| {
                let ids = slot
                    .words
                    .iter()
                    .filter_map(|&id| {
                        let at = position.get_mut(id as usize)?;
                        Some(*at.get_or_insert_with(|| {
                            words.push(e.words.word(id).to_owned());
                            u32::try_from(words.len() - 1).unwrap_or(u32::MAX)
                        }))
                    })
                    .collect();
                ((*slot.entry).clone(), ids)
            })
            .collect();
        Compact { words, entries }
    }

    /// Adds the entries of [`export_compact`](Self::export_compact) (an entry already held is
    /// replaced). The whole set is checked first: a set that does not check loads nothing.
    pub fn load_compact(&self, compact: Compact) -> Result<usize, IndexError> {
        let words = self.load_words(&compact.words)?;
        self.load_entries(&words, compact.entries)
    }

    /// Interns the word list of compact entries (each word one non-empty run without whitespace)
    /// for [`load_entries`](Self::load_entries).
    pub fn load_words(&self, words: &[String]) -> Result<WordIds, IndexError> {
        if let Some(w) = words.iter().position(|w| w.is_empty() || w.contains(char::is_whitespace)) {
            return Err(compact_error(format!("word {w} is empty or has whitespace")));
        }
        let mut e = self.write()?;
        Ok(WordIds(words.iter().map(|w| e.words.intern(w)).collect()))
    }

    /// Adds compact entries whose words are positions in the list `words` came from (an entry
    /// already held is replaced). The batch is checked first: one that does not check loads nothing.
    pub fn load_entries(&self, words: &WordIds, entries: Vec<(IndexEntry, Vec<u32>)>) -> Result<usize, IndexError> {
        let count = words.0.len();
        if let Some((entry, _)) = entries.iter().find(|(_, ids)| ids.iter().any(|&p| p as usize >= count)) {
            return Err(compact_error(format!("{} names a word beyond the list", entry.id)));
        }
        let mut e = self.write()?;
        let loaded = entries.len();
        for (entry, positions) in entries {
            let ids = positions.iter().filter_map(|&p| words.0.get(p as usize).copied()).collect();
            e.insert_with_words(entry, ids);
        }
        Ok(loaded)
    }

    /// Forgets every entry (a snapshot that failed half-way).
    pub fn clear(&self) {
        if let Ok(mut e) = self.write() {
            *e = Entries::default();
        }
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
        let words = entry.search_text.split_whitespace().map(|w| self.words.intern(w)).collect();
        self.insert_with_words(entry, words);
    }

    /// Inserts `entry` with the dictionary ids of its words. Only the words are kept of its search
    /// text (a search compares distinct words), so the text itself is dropped.
    fn insert_with_words(&mut self, mut entry: IndexEntry, mut words: Vec<u32>) {
        self.remove(&entry.id);
        entry.search_text = String::new();
        let user = |users: &mut Interner<String>, name: &Option<String>| {
            name.as_deref().map(|n| match n.bytes().any(|b| b.is_ascii_uppercase()) {
                true => users.intern(n.to_ascii_lowercase().as_str(), str::to_owned),
                false => users.intern(n, str::to_owned),
            })
        };
        words.sort_unstable();
        words.dedup();
        let slot = Slot {
            status: entry.status,
            kind: entry.kind(),
            draft: entry.draft,
            created_by: user(&mut self.users, &entry.created_by),
            submitted_by: user(&mut self.users, &entry.submitted_by),
            customers: CustomerSet::of(entry.customers.iter().map(|c| self.customers.intern(c, Clone::clone))),
            modified: entry.modified_at,
            created: entry.created_at,
            start: entry.start,
            title_lower: entry.title.to_lowercase().into(),
            words: words.into(),
            entry: Box::new(entry),
        };
        for (which, (start, end)) in (0u8..).zip(slot.entry.spans()) {
            self.by_start.entry(start).or_default().push((slot.entry.id.clone(), which, end));
            *self.lengths.entry(end.signed_duration_since(start)).or_default() += 1;
        }
        self.modified.insert(slot.entry.id.clone(), slot.modified);
        self.ordered.insert((Reverse(slot.modified), slot.entry.id.clone()), slot);
    }

    fn remove(&mut self, id: &ObjectId) {
        if let Some(modified) = self.modified.remove(id)
            && let Some(slot) = self.ordered.remove(&(Reverse(modified), id.clone()))
        {
            for (which, (start, end)) in (0u8..).zip(slot.entry.spans()) {
                if let Some(at) = self.by_start.get_mut(&start) {
                    at.retain(|(held, w, _)| !(*w == which && held == id));
                    if at.is_empty() {
                        self.by_start.remove(&start);
                    }
                }
                let length = end.signed_duration_since(start);
                if let Some(n) = self.lengths.get_mut(&length) {
                    *n -= 1;
                    if *n == 0 {
                        self.lengths.remove(&length);
                    }
                }
            }
        }
    }

    fn slot(&self, id: &ObjectId) -> Option<&Slot> {
        self.modified.get(id).and_then(|m| self.ordered.get(&(Reverse(*m), id.clone())))
    }

    /// The ids with a period meeting `[from, to)`, read from the periods ordered by start.
    fn meeting(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> BTreeSet<&ObjectId> {
        let longest = self.lengths.keys().next_back().copied().unwrap_or_default();
        let lowest = from.checked_sub_signed(longest).unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut ids = BTreeSet::new();
        if to <= lowest {
            return ids;
        }
        for (start, periods) in self.by_start.range(lowest..to) {
            for (id, _, end) in periods {
                if ccm_core::ports::index::spans_meet(*start, *end, from, to) {
                    ids.insert(id);
                }
            }
        }
        ids
    }
}

#[async_trait]
impl ObjectIndex for MemoryIndex {
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
        Ok(found.map(|slot| (*slot.entry).clone()))
    }

    async fn query(&self, query: &IndexQuery) -> Result<IndexPage, IndexError> {
        let limit = match query.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let order = Order { field: query.sort, descending: query.descending };
        let cursor = query.cursor.as_deref().map(|c| Cursor::decode(c, order)).transpose()?;
        let entries = self.read()?;
        let filter = Filter::new(query, &entries);
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
        Ok(IndexPage { items: page.into_iter().map(|s| (*s.entry).clone()).collect(), next_cursor, total })
    }

    async fn overlapping(
        &self,
        query: &IndexQuery,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<IndexPage, IndexError> {
        let limit = match query.limit {
            0 => MAX_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let entries = self.read()?;
        // The range replaces the query's own dates.
        let query = IndexQuery { from: None, to: None, ..query.clone() };
        let filter = Filter::new(&query, &entries);
        let mut found: Vec<(DateTime<Utc>, &Slot)> = entries
            .meeting(from, to)
            .into_iter()
            .filter_map(|id| entries.slot(id))
            .filter(|slot| filter.matches(slot))
            .filter_map(|slot| Some((slot.entry.spans().map(|(start, _)| start).min()?, slot)))
            .collect();
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.entry.id.as_str().cmp(b.1.entry.id.as_str())));
        let total = found.len();
        let items = found.into_iter().take(limit).map(|(_, slot)| (*slot.entry).clone()).collect();
        Ok(IndexPage { items, next_cursor: None, total })
    }

    async fn statistics(&self, query: &IndexQuery) -> Result<Statistics, IndexError> {
        let entries = self.read()?;
        let filter = Filter::new(query, &entries);
        let mut stats = Statistics::default();
        for slot in entries.ordered.values().filter(|s| filter.matches(s)) {
            stats.all.add(slot.status);
            if filter.is_mine(slot) {
                stats.mine.add(slot.status);
            }
            if slot.kind.is_change() {
                stats.changes.add(slot.status);
            } else {
                stats.announcements.add(slot.status);
            }
        }
        Ok(stats)
    }
}
