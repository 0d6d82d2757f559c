//! The shared index's snapshot without the emulator: the binary format gives back what the memory
//! index held (lists, search, exact times), the first format (JSON) is still read, and a corrupt or
//! hostile snapshot is refused whole instead of half loaded.

use std::io::Write;

use bytes::Bytes;
use ccm_aws::index::snapshot::{self, Snapshot};
use ccm_core::StorageKey;
use ccm_core::ports::{DocumentStore, IndexEntry, IndexQuery, IndexRecord, ObjectIndex, PutOptions};
use ccm_embedded::MemoryIndex;
use ccm_embedded::index::Compact;
use ccm_testkit::MemoryStore;
use ccm_testkit::synthetic;

const VIEWER: &str = "user01@example.com";

async fn index_of(entries: &[IndexEntry]) -> MemoryIndex {
    let index = MemoryIndex::new();
    for e in entries {
        index.upsert(e.clone()).await.unwrap();
    }
    index
}

fn query(q: Option<&str>) -> IndexQuery {
    IndexQuery { viewer: VIEWER.into(), q: q.map(str::to_owned), descending: true, limit: 500, ..IndexQuery::default() }
}

/// What lists and searches show of an index.
async fn answers(index: &MemoryIndex) -> Vec<Vec<IndexEntry>> {
    let mut all = Vec::new();
    for q in [None, Some("database"), Some("failover rollback"), Some("chg")] {
        all.push(index.query(&query(q)).await.unwrap().items);
    }
    all
}

fn gzip(raw: &[u8]) -> Bytes {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(raw).unwrap();
    Bytes::from(gz.finish().unwrap())
}

async fn stored(store: &MemoryStore, raw: &[u8]) {
    store.put(&StorageKey::IndexSnapshot, gzip(raw), PutOptions::default()).await.unwrap();
}

#[tokio::test]
async fn a_snapshot_read_back_answers_as_the_index_it_was_taken_from() {
    let mut entries = synthetic::entries(300, 11);
    // A time with nanoseconds survives exactly: instances must order entries alike.
    entries[0].modified_at = Some("2025-03-04T05:06:07.123456789Z".parse().unwrap());
    let original = index_of(&entries).await;
    let store = MemoryStore::new();
    let taken = Snapshot::new(42, original.export_compact(), |_| 7);
    assert!(snapshot::write(&store, &taken).await.unwrap());

    let read = snapshot::read(&store).await.unwrap().expect("a snapshot");
    assert_eq!(read, taken, "the binary format gives back every field");
    assert_eq!(read.high_water, 42);
    let (compact, versions) = read.into_compact();
    assert_eq!(versions.len(), 300);
    assert!(versions.iter().all(|(_, _, seq)| *seq == 7));
    let loaded = MemoryIndex::new();
    assert_eq!(loaded.load_compact(compact).unwrap(), 300);
    assert_eq!(answers(&loaded).await, answers(&original).await);
    let first = &entries[0].id;
    assert_eq!(loaded.get(first).await.unwrap(), original.get(first).await.unwrap());
}

#[tokio::test]
async fn a_snapshot_stores_each_word_once() {
    let entries = synthetic::entries(200, 3);
    let taken = Snapshot::new(1, index_of(&entries).await.export_compact(), |_| 1);
    let mut words = taken.words.clone();
    words.sort();
    words.dedup();
    assert_eq!(words.len(), taken.words.len(), "no word twice in the list");
    assert!(taken.records.iter().all(|r| r.entry.search_text.is_empty()), "the words stand for the text");
}

#[tokio::test]
async fn a_snapshot_in_the_first_format_is_still_read() {
    let entries = synthetic::entries(50, 5);
    let records: Vec<_> =
        entries.iter().map(|e| serde_json::json!({"seq": 3, "record": IndexRecord::from(e.clone())})).collect();
    let first = serde_json::json!({"highWater": 99, "records": records});
    let store = MemoryStore::new();
    stored(&store, first.to_string().as_bytes()).await;

    let read = snapshot::read(&store).await.unwrap().expect("the first format reads");
    assert_eq!(read.high_water, 99);
    let loaded = MemoryIndex::new();
    loaded.load_compact(read.into_compact().0).unwrap();
    assert_eq!(answers(&loaded).await, answers(&index_of(&entries).await).await);
}

#[tokio::test]
async fn a_snapshot_that_does_not_decode_is_left_out() {
    let store = MemoryStore::new();
    for raw in [&b"not json"[..], b"ccm-index\x00\x02\xff\xff\xff", b"{\"highWater\": 1, \"records\": [{}]}"] {
        stored(&store, raw).await;
        assert_eq!(snapshot::read(&store).await.unwrap(), None, "{raw:?}");
    }
    store
        .put(&StorageKey::IndexSnapshot, Bytes::from_static(b"\x1f\x8b truncated"), PutOptions::default())
        .await
        .unwrap();
    assert_eq!(snapshot::read(&store).await.unwrap(), None);
}

#[tokio::test]
async fn a_snapshot_with_a_bad_id_is_refused_whole() {
    let entries = synthetic::entries(3, 9);
    let taken = Snapshot::new(1, index_of(&entries).await.export_compact(), |_| 1);
    let raw = {
        let store = MemoryStore::new();
        snapshot::write(&store, &taken).await.unwrap();
        store.get(&StorageKey::IndexSnapshot).await.unwrap().unwrap().body
    };
    assert!(snapshot::decode(&raw).is_ok());
    // The same bytes with one id turned into a path: the decoder parses ids as from any stored object.
    let id = taken.records[1].entry.id.as_str().to_owned();
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut plain).unwrap();
    let at = plain.windows(id.len()).position(|w| w == id.as_bytes()).expect("the id is in the body");
    plain[at..at + 3].copy_from_slice(b"../");
    let store = MemoryStore::new();
    stored(&store, &plain).await;
    assert_eq!(snapshot::read(&store).await.unwrap(), None, "no entry of a snapshot with a bad id is loaded");
}

#[tokio::test]
async fn compact_entries_naming_a_word_beyond_the_list_load_nothing() {
    let entries = synthetic::entries(2, 1);
    let mut compact = index_of(&entries).await.export_compact();
    compact.entries[1].1.push(u32::try_from(compact.words.len()).unwrap());
    let index = MemoryIndex::new();
    assert!(index.load_compact(compact).is_err());
    assert!(index.is_empty(), "nothing half loaded");
    let spaced = Compact { words: vec!["two words".into()], entries: Vec::new() };
    assert!(index.load_compact(spaced).is_err(), "a word with whitespace would break the dictionary");
}

#[tokio::test]
async fn a_cold_start_loads_the_snapshot_while_decoding_it() {
    let entries = synthetic::entries(5_000, 21);
    let original = index_of(&entries).await;
    let store = MemoryStore::new();
    snapshot::write(&store, &Snapshot::new(77, original.export_compact(), |_| 5)).await.unwrap();

    let local = MemoryIndex::new();
    let loaded = snapshot::load(&store, &local).await.unwrap().expect("loaded");
    assert_eq!(loaded.high_water, 77);
    assert_eq!(loaded.versions.len(), 5_000, "several batches");
    assert_eq!(local.len(), 5_000);
    assert_eq!(answers(&local).await, answers(&original).await);
}

#[tokio::test]
async fn a_snapshot_failing_after_some_batches_leaves_nothing_loaded() {
    let entries = synthetic::entries(5_000, 22);
    let taken = Snapshot::new(1, index_of(&entries).await.export_compact(), |_| 1);
    let store = MemoryStore::new();
    snapshot::write(&store, &taken).await.unwrap();
    let body = store.get(&StorageKey::IndexSnapshot).await.unwrap().unwrap().body;
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain).unwrap();
    // An id near the end, after the first batches were loaded, turned into a path.
    let id = taken.records[4_500].entry.id.as_str().to_owned();
    let at = plain.windows(id.len()).position(|w| w == id.as_bytes()).expect("the id is in the body");
    plain[at..at + 3].copy_from_slice(b"../");
    stored(&store, &plain).await;

    let local = MemoryIndex::new();
    assert_eq!(snapshot::load(&store, &local).await.unwrap(), None);
    assert!(local.is_empty(), "the batches before the bad record are gone again");
}
