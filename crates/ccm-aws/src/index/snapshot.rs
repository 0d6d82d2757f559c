//! The snapshot of the shared index, `index/snapshot.json.gz` in the metadata bucket (the name is
//! format 1's, JSON; format 2 is binary: `index::packed`): every live record with its sequence
//! number, and the feed position it is complete up to. A cold start reads
//! it (one GET, whatever the number of objects) and then only the feed after it. It is written by
//! `ccm index rebuild` and by the indexer; it never goes backwards (a writer with an older position
//! leaves a newer snapshot alone).

use std::collections::HashMap;
use std::io::Read;

use bytes::Bytes;
use ccm_core::ports::{DocumentStore, IndexEntry, IndexError, IndexRecord, PutOptions, StoreError};
use ccm_core::{ObjectId, StorageKey};
use ccm_embedded::MemoryIndex;
use ccm_embedded::index::Compact;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::Deserialize;

/// Largest snapshot read back (decompressed), a guard against a corrupt or hostile object.
const MAX_SNAPSHOT_BYTES: u64 = 1 << 30;

/// Every record of the index, each with the positions of its distinct words in one word list: a
/// word shared by many objects is stored once, and a cold start interns each word once instead of
/// splitting and hashing every object's text (ADR 0008, docs/performance.md).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Every change with a sequence number up to this one is in the snapshot.
    pub high_water: i64,
    pub words: Vec<String>,
    pub records: Vec<SnapshotRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRecord {
    pub seq: i64,
    /// The entry; its search text is empty (the words stand for it).
    pub entry: IndexEntry,
    /// Positions in [`Snapshot::words`].
    pub words: Vec<u32>,
}

impl Snapshot {
    /// A snapshot of entries as a memory index exports them, each with its sequence number.
    pub fn new(high_water: i64, compact: Compact, seq_of: impl Fn(&IndexEntry) -> i64) -> Self {
        let records = compact
            .entries
            .into_iter()
            .map(|(entry, words)| SnapshotRecord { seq: seq_of(&entry), entry, words })
            .collect();
        Self { high_water, words: compact.words, records }
    }

    /// A snapshot of whole records (their search text split into words here).
    pub fn of_records(high_water: i64, records: impl IntoIterator<Item = (i64, IndexRecord)>) -> Self {
        let mut positions: HashMap<String, u32> = HashMap::new();
        let mut words = Vec::new();
        let records = records
            .into_iter()
            .map(|(seq, record)| {
                let mut ids: Vec<u32> = record
                    .search_text
                    .split_whitespace()
                    .map(|w| match positions.get(w) {
                        Some(&p) => p,
                        None => {
                            let p = u32::try_from(words.len()).unwrap_or(u32::MAX);
                            words.push(w.to_owned());
                            positions.insert(w.to_owned(), p);
                            p
                        }
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                let entry = IndexEntry { search_text: String::new(), ..record.entry };
                SnapshotRecord { seq, entry, words: ids }
            })
            .collect();
        Self { high_water, words, records }
    }

    /// The entries for [`MemoryIndex::load_compact`](ccm_embedded::MemoryIndex::load_compact), and
    /// each id's (version, sequence number).
    pub fn into_compact(self) -> (Compact, Vec<(ObjectId, u32, i64)>) {
        let seen = self.records.iter().map(|r| (r.entry.id.clone(), r.entry.version, r.seq)).collect();
        let entries = self.records.into_iter().map(|r| (r.entry, r.words)).collect();
        (Compact { words: self.words, entries }, seen)
    }
}

/// The first format: whole records.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FirstFormat {
    high_water: i64,
    records: Vec<FirstFormatRecord>,
}

#[derive(Deserialize)]
struct FirstFormatRecord {
    seq: i64,
    record: IndexRecord,
}

fn err(what: &str, e: impl std::fmt::Display) -> IndexError {
    IndexError::Unavailable(format!("index snapshot: {what}: {e}"))
}

/// Records handed from the decoding thread to the loader at once.
const BATCH: usize = 2048;

/// The snapshot, if one was written. A snapshot that does not parse is ignored (logged): the feed
/// from the start rebuilds the same state, only slower.
pub async fn read(store: &dyn DocumentStore) -> Result<Option<Snapshot>, IndexError> {
    let Some(doc) = store.get(&StorageKey::IndexSnapshot).await.map_err(|e| err("reading", e))? else {
        return Ok(None);
    };
    // Decompressing and parsing take a while at 100 000 objects: off the async workers.
    let body = doc.body;
    let decoded = tokio::task::spawn_blocking(move || decode(&body)).await.map_err(|e| err("decoding", e))?;
    match decoded {
        Ok(snapshot) => Ok(Some(snapshot)),
        Err(why) => {
            tracing::warn!(%why, "the index snapshot does not read; starting from the feed");
            Ok(None)
        }
    }
}

/// What [`load`] put into the memory index.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub high_water: i64,
    /// Each object's (version, sequence number).
    pub versions: Vec<(ObjectId, u32, i64)>,
}

/// What the decoding thread hands to the loader.
enum Part {
    Words(i64, Vec<String>),
    Records(Vec<SnapshotRecord>),
}

/// Reads the snapshot into `local` (an empty memory index) while it decodes: one thread
/// decompresses and decodes, handing records on in batches, while this task loads them, so the
/// two costs overlap where there are two cores. A snapshot that fails anywhere is left out whole
/// (`local` is emptied again, logged): the feed from the start gives the same state, only slower.
pub async fn load(store: &dyn DocumentStore, local: &MemoryIndex) -> Result<Option<Loaded>, IndexError> {
    let Some(doc) = store.get(&StorageKey::IndexSnapshot).await.map_err(|e| err("reading", e))? else {
        return Ok(None);
    };
    let (parts, mut received) = tokio::sync::mpsc::channel::<Result<Part, String>>(4);
    let body = doc.body;
    let decoder = tokio::task::spawn_blocking(move || {
        if let Err(why) = decode_into(&body, &parts) {
            // The loader may have stopped listening already; then there is nobody to tell.
            let _ = parts.blocking_send(Err(why));
        }
    });
    let loaded = load_parts(local, &mut received).await;
    received.close();
    decoder.await.map_err(|e| err("decoding", e))?;
    match loaded {
        Ok(loaded) => Ok(loaded),
        Err(why) => {
            local.clear();
            tracing::warn!(%why, "the index snapshot does not load; starting from the feed");
            Ok(None)
        }
    }
}

async fn load_parts(
    local: &MemoryIndex,
    received: &mut tokio::sync::mpsc::Receiver<Result<Part, String>>,
) -> Result<Option<Loaded>, String> {
    let (mut high_water, mut words, mut versions) = (None, None, Vec::new());
    while let Some(part) = received.recv().await {
        match part? {
            Part::Words(h, list) => {
                words = Some(local.load_words(&list).map_err(|e| e.to_string())?);
                high_water = Some(h);
            }
            Part::Records(records) => {
                let words = words.as_ref().ok_or("records before the word list")?;
                versions.extend(records.iter().map(|r| (r.entry.id.clone(), r.entry.version, r.seq)));
                let entries = records.into_iter().map(|r| (r.entry, r.words)).collect();
                local.load_entries(words, entries).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(high_water.map(|high_water| Loaded { high_water, versions }))
}

/// Decodes `body` (either format) and sends its parts; stops early when the loader has gone.
fn decode_into(body: &[u8], parts: &tokio::sync::mpsc::Sender<Result<Part, String>>) -> Result<(), String> {
    let send = |part: Part| parts.blocking_send(Ok(part)).is_ok();
    let raw = gunzip(body)?;
    let Some(packed) = raw.strip_prefix(super::packed::MAGIC) else {
        let snapshot = parse(&raw)?;
        if send(Part::Words(snapshot.high_water, snapshot.words)) {
            for chunk in chunked(snapshot.records) {
                if !send(Part::Records(chunk)) {
                    break;
                }
            }
        }
        return Ok(());
    };
    let mut reader = super::packed::Reader::new(packed)?;
    if !send(Part::Words(reader.high_water, std::mem::take(&mut reader.words))) {
        return Ok(());
    }
    loop {
        let batch = reader.next_batch(BATCH)?;
        if batch.is_empty() || !send(Part::Records(batch)) {
            return Ok(());
        }
    }
}

fn chunked(records: Vec<SnapshotRecord>) -> Vec<Vec<SnapshotRecord>> {
    let mut chunks = Vec::new();
    let mut records = records.into_iter().peekable();
    while records.peek().is_some() {
        chunks.push(records.by_ref().take(BATCH).collect());
    }
    chunks
}

fn gunzip(body: &[u8]) -> Result<Vec<u8>, String> {
    let mut raw = Vec::new();
    GzDecoder::new(body).take(MAX_SNAPSHOT_BYTES).read_to_end(&mut raw).map_err(|e| e.to_string())?;
    Ok(raw)
}

/// A stored snapshot's body, decompressed and parsed (either format).
pub fn decode(body: &[u8]) -> Result<Snapshot, String> {
    parse(&gunzip(body)?)
}

/// A decompressed snapshot, either format.
pub fn parse(raw: &[u8]) -> Result<Snapshot, String> {
    if let Some(packed) = raw.strip_prefix(super::packed::MAGIC) {
        let mut reader = super::packed::Reader::new(packed)?;
        let mut records = Vec::new();
        loop {
            let batch = reader.next_batch(BATCH)?;
            if batch.is_empty() {
                break;
            }
            records.extend(batch);
        }
        return Ok(Snapshot { high_water: reader.high_water, words: reader.words, records });
    }
    let first: FirstFormat = serde_json::from_slice(raw).map_err(|e| e.to_string())?;
    Ok(Snapshot::of_records(first.high_water, first.records.into_iter().map(|r| (r.seq, r.record))))
}

/// Writes `snapshot` unless the stored one is at least as far along.
pub async fn write(store: &dyn DocumentStore, snapshot: &Snapshot) -> Result<bool, IndexError> {
    let key = StorageKey::IndexSnapshot;
    let current = store.head(&key).await.map_err(|e| err("reading", e))?;
    let stored_high_water =
        current.as_ref().and_then(|m| m.metadata.get("high-water")).and_then(|h| h.parse::<i64>().ok());
    if stored_high_water.is_some_and(|h| h >= snapshot.high_water) {
        return Ok(false);
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    super::packed::encode(snapshot, &mut gz).map_err(|e| err("encoding", e))?;
    let body = gz.finish().map_err(|e| err("compressing", e))?;
    let options = match current {
        Some(meta) => PutOptions::if_match(meta.etag),
        None => PutOptions::create_only(),
    }
    .with_metadata("high-water", snapshot.high_water.to_string());
    match store.put(&key, Bytes::from(body), options).await {
        Ok(_) => Ok(true),
        // Another writer got there first; theirs is as fresh as ours.
        Err(StoreError::PreconditionFailed { .. }) => Ok(false),
        Err(e) => Err(err("writing", e)),
    }
}
