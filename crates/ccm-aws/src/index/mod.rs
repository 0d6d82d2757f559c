//! The shared index of the AWS deployment (ADR 0008): every API instance answers lists, search and
//! statistics from an in-memory index (the same `MemoryIndex` as `ccm serve`, so the semantics are
//! one), and keeps it in step with the DynamoDB table every writer writes to.
//!
//! - A writer writes the table first (ordered by version), then its own memory: it reads its writes.
//! - Before answering, an instance that has not looked for a while (`max_staleness`, 250 ms) reads
//!   the feed: the items whose sequence number is above the last one it saw, minus an overlap
//!   (5 s) that covers the feed index's propagation delay. Changes are applied idempotently, in
//!   (version, sequence) order, so re-reading is harmless.
//! - A cold start reads the snapshot (one S3 GET) and then the feed after it: its cost does not
//!   grow with the number of objects, only with the changes since the snapshot.

mod packed;
pub mod snapshot;
pub mod table;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ccm_core::ObjectId;
use ccm_core::ports::{
    DocumentStore, IndexEntry, IndexError, IndexPage, IndexQuery, IndexRecord, ObjectIndex, Statistics,
};
use ccm_embedded::MemoryIndex;
use chrono::Utc;

pub use snapshot::Snapshot;
pub use table::{Change, IndexTable, Written};

/// How far back each feed read starts before the last sequence number seen: longer than the
/// propagation delay of the feed index (typically well under a second).
const OVERLAP_MICROS: i64 = 5_000_000;

/// What an instance has applied of one object: its version and sequence number.
type Seen = (u32, i64);

pub struct SyncedIndex {
    local: MemoryIndex,
    table: IndexTable,
    /// Held while a change is applied, so memory and this map agree.
    seen: tokio::sync::Mutex<HashMap<ObjectId, Seen>>,
    sync: tokio::sync::Mutex<SyncState>,
    last_seq: AtomicI64,
    max_staleness: Duration,
    /// DynamoDB requests made by reads of the feed (for the benchmark's request counts).
    feed_requests: AtomicUsize,
}

struct SyncState {
    high_water: i64,
    last: Option<Instant>,
}

impl SyncedIndex {
    /// Opens the index: the snapshot from `store` (if any), then the feed after it.
    pub async fn open(table: IndexTable, store: Option<&dyn DocumentStore>) -> Result<Self, IndexError> {
        let index = Self {
            local: MemoryIndex::new(),
            table,
            seen: tokio::sync::Mutex::new(HashMap::new()),
            sync: tokio::sync::Mutex::new(SyncState { high_water: 0, last: None }),
            last_seq: AtomicI64::new(0),
            max_staleness: Duration::from_millis(250),
            feed_requests: AtomicUsize::new(0),
        };
        if let Some(store) = store {
            index.load(store).await?;
        }
        index.sync_now().await?;
        Ok(index)
    }

    /// Reads the feed before every answer given after more than `staleness` (tests shorten it).
    pub fn with_max_staleness(mut self, staleness: Duration) -> Self {
        self.max_staleness = staleness;
        self
    }

    pub fn table(&self) -> &IndexTable {
        &self.table
    }

    /// Feed reads made so far (DynamoDB Query requests).
    pub fn feed_requests(&self) -> usize {
        self.feed_requests.load(Ordering::Relaxed)
    }

    /// How many objects the instance holds.
    pub fn len(&self) -> usize {
        self.local.len()
    }

    pub fn is_empty(&self) -> bool {
        self.local.is_empty()
    }

    /// A sequence number above every one this writer gave before (microseconds since the epoch).
    fn next_seq(&self) -> i64 {
        let now = Utc::now().timestamp_micros();
        let mut last = self.last_seq.load(Ordering::Relaxed);
        loop {
            let next = now.max(last.saturating_add(1));
            match self.last_seq.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }

    /// Applies one change to memory if it is newer than what was applied for its object.
    async fn apply(&self, change: Change) -> Result<(), IndexError> {
        let (id, seen) = match &change {
            Change::Upsert { record, version, seq } => (record.entry.id.clone(), (*version, *seq)),
            Change::Removed { id, version, seq } => (id.clone(), (*version, *seq)),
        };
        let mut known = self.seen.lock().await;
        if known.get(&id).is_some_and(|k| *k >= seen) {
            return Ok(());
        }
        match change {
            Change::Upsert { record, .. } => self.local.upsert(record.into_entry()).await?,
            Change::Removed { id, .. } => self.local.remove(&id).await?,
        }
        known.insert(id, seen);
        Ok(())
    }

    /// Reads the feed if it was not read within `max_staleness`.
    async fn sync_if_stale(&self) -> Result<(), IndexError> {
        let mut state = self.sync.lock().await;
        if state.last.is_some_and(|t| t.elapsed() < self.max_staleness) {
            return Ok(());
        }
        match self.read_feed(&mut state).await {
            Ok(()) => Ok(()),
            // Serving slightly stale data beats failing a list: the next request tries again.
            Err(e) => {
                tracing::warn!(error = %e, "the index feed could not be read; answering from memory");
                Ok(())
            }
        }
    }

    /// Reads the feed now (at start, and in tests).
    pub async fn sync_now(&self) -> Result<(), IndexError> {
        let mut state = self.sync.lock().await;
        self.read_feed(&mut state).await
    }

    async fn read_feed(&self, state: &mut SyncState) -> Result<(), IndexError> {
        let after = if state.high_water == 0 { 0 } else { state.high_water.saturating_sub(OVERLAP_MICROS) };
        let (changes, requests) = self.table.changes_after(after).await?;
        self.feed_requests.fetch_add(requests, Ordering::Relaxed);
        for change in changes {
            state.high_water = state.high_water.max(change.seq());
            self.apply(change).await?;
        }
        state.last = Some(Instant::now());
        Ok(())
    }

    /// A snapshot of what this instance holds, complete up to the feed position it has read.
    pub async fn snapshot(&self) -> Result<Snapshot, IndexError> {
        let high_water = self.sync.lock().await.high_water;
        let seen = self.seen.lock().await.clone();
        Ok(Snapshot::new(high_water, self.local.export_compact(), |entry| seen.get(&entry.id).map_or(0, |s| s.1)))
    }

    /// Loads the snapshot into this (empty) instance, if there is one that loads.
    async fn load(&self, store: &dyn DocumentStore) -> Result<(), IndexError> {
        let Some(loaded) = snapshot::load(store, &self.local).await? else { return Ok(()) };
        let count = loaded.versions.len();
        let mut seen = self.seen.lock().await;
        for (id, version, seq) in loaded.versions {
            // A snapshot lists each object once; should it not, the later record is the one loaded.
            seen.insert(id, (version, seq));
        }
        self.sync.lock().await.high_water = loaded.high_water;
        tracing::info!(records = count, high_water = loaded.high_water, "index snapshot loaded");
        Ok(())
    }

    /// Writes the snapshot of this instance to `store` (unless a fresher one is there).
    pub async fn write_snapshot(&self, store: &dyn DocumentStore) -> Result<bool, IndexError> {
        snapshot::write(store, &self.snapshot().await?).await
    }
}

#[async_trait]
impl ObjectIndex for SyncedIndex {
    async fn upsert(&self, entry: IndexEntry) -> Result<(), IndexError> {
        let seq = self.next_seq();
        let version = entry.version;
        let record = IndexRecord::from(entry);
        match self.table.put(&record, seq).await? {
            Written::Applied => self.apply(Change::Upsert { record: Box::new(record), version, seq }).await,
            // A newer version is in the table: learn it instead.
            Written::Superseded => self.sync_now().await,
        }
    }

    async fn remove(&self, id: &ObjectId) -> Result<(), IndexError> {
        let seq = self.next_seq();
        // The last version this instance applied; an object it never saw cannot come back older.
        let version = self.seen.lock().await.get(id).map(|k| k.0).unwrap_or(u32::MAX);
        match self.table.tombstone(id, version, seq, Utc::now().timestamp()).await? {
            Written::Applied => self.apply(Change::Removed { id: id.clone(), version, seq }).await,
            Written::Superseded => self.sync_now().await,
        }
    }

    async fn get(&self, id: &ObjectId) -> Result<Option<IndexEntry>, IndexError> {
        self.sync_if_stale().await?;
        self.local.get(id).await
    }

    async fn query(&self, query: &IndexQuery) -> Result<IndexPage, IndexError> {
        self.sync_if_stale().await?;
        self.local.query(query).await
    }

    async fn statistics(&self, query: &IndexQuery) -> Result<Statistics, IndexError> {
        self.sync_if_stale().await?;
        self.local.statistics(query).await
    }

    async fn overlapping(
        &self,
        query: &IndexQuery,
        from: chrono::DateTime<Utc>,
        to: chrono::DateTime<Utc>,
    ) -> Result<IndexPage, IndexError> {
        self.sync_if_stale().await?;
        self.local.overlapping(query, from, to).await
    }
}

/// The index of a deployment: the table's client and a store for the snapshot.
pub async fn open(
    client: aws_sdk_dynamodb::Client,
    table: &str,
    store: Arc<dyn DocumentStore>,
) -> Result<SyncedIndex, IndexError> {
    SyncedIndex::open(IndexTable::new(client, table), Some(&*store)).await
}

/// What the indexer did for one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reindexed {
    /// The object's current copy was written to the index.
    Indexed { version: u32 },
    /// It is gone (deleted or never written): a tombstone was written.
    Removed,
    /// The table already had a newer version.
    Superseded,
    /// The stored copy does not parse; it was left out (logged).
    Unreadable,
}

/// Brings the index entry of `id` in line with the store: the object as it is now (the archive copy,
/// else the draft), or a tombstone when neither exists. Reading the store instead of trusting the
/// event makes this idempotent and independent of the order events arrive in.
pub async fn reindex_object(
    store: &dyn DocumentStore,
    table: &IndexTable,
    id: &ObjectId,
) -> Result<Reindexed, IndexError> {
    use ccm_core::{Object, StorageKey};
    let unavailable = |e: ccm_core::ports::StoreError| IndexError::Unavailable(e.to_string());
    let seq = Utc::now().timestamp_micros();
    for key in [StorageKey::Archive(id.clone()), StorageKey::Draft(id.clone())] {
        let Some(doc) = store.get(&key).await.map_err(unavailable)? else { continue };
        let object = match Object::from_json(&doc.body) {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(key = %key, error = %e, "not indexed: the stored object does not parse");
                return Ok(Reindexed::Unreadable);
            }
        };
        // The lists' joinUrl is the current meeting's, from the processor's meeting records (as the
        // API's view shows it); their events come here too (`results/`).
        let legacy = ccm_core::model::legacy_meeting(&object);
        let meeting = ccm_core::model::load_history(store, id, legacy).await.map_err(unavailable)?;
        let mut entry = IndexEntry::from_object(&object);
        entry.join_url = meeting.current().and_then(|m| m.join_url.clone());
        let record = IndexRecord::from(entry);
        let version = record.entry.version;
        return Ok(match table.put(&record, seq).await? {
            Written::Applied => Reindexed::Indexed { version },
            Written::Superseded => Reindexed::Superseded,
        });
    }
    // Gone: the last version is the soft-deleted copy's, when there is one.
    let mut version = u32::MAX;
    for key in [StorageKey::DeletedArchive(id.clone()), StorageKey::DeletedDraft(id.clone())] {
        if let Some(doc) = store.get(&key).await.map_err(unavailable)?
            && let Ok(object) = Object::from_json(&doc.body)
        {
            version = object.life().version;
            break;
        }
    }
    Ok(match table.tombstone(id, version, seq, Utc::now().timestamp()).await? {
        Written::Applied => Reindexed::Removed,
        Written::Superseded => Reindexed::Superseded,
    })
}
