//! The in-memory index: the index contract (`ccm_testkit::index_contract`), and its rebuild from a
//! document store.

use std::sync::Arc;

use bytes::Bytes;
use ccm_core::ports::{DocumentStore, IndexQuery, ObjectIndex, PutOptions};
use ccm_core::{AnnouncementType, CustomerCode, ObjectId, Status, StorageKey};
use ccm_embedded::{EmbeddedStore, MemoryIndex};
use ccm_testkit::index_contract::{self, ALICE, announcement, change};

#[tokio::test]
async fn the_memory_index_keeps_the_index_contract() {
    index_contract::run_all(async || Arc::new(MemoryIndex::new()) as Arc<dyn ObjectIndex>).await;
}

fn code(raw: &str) -> CustomerCode {
    CustomerCode::parse(raw).unwrap()
}

fn oid(raw: &str) -> ObjectId {
    ObjectId::parse(raw).unwrap()
}

async fn ids(index: &MemoryIndex) -> Vec<String> {
    let query = IndexQuery { viewer: ALICE.to_owned(), descending: true, ..IndexQuery::default() };
    index.query(&query).await.unwrap().items.iter().map(|e| e.id.as_str().to_owned()).collect()
}

#[tokio::test]
async fn rebuild_from_an_embedded_store_finds_archive_and_draft_objects_and_skips_junk() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).await.unwrap();
    let put = async |key: StorageKey, body: Vec<u8>| {
        store.put(&key, Bytes::from(body), PutOptions::default()).await.unwrap();
    };
    let archived = change("CHG-1").title("Archived").status(Status::Approved);
    put(StorageKey::Archive(oid("CHG-1")), archived.json.to_string().into_bytes()).await;
    let draft = announcement("FIN-1", AnnouncementType::Finops).status(Status::Draft);
    put(StorageKey::Draft(oid("FIN-1")), draft.json.to_string().into_bytes()).await;
    put(StorageKey::Archive(oid("CHG-2")), b"{ not json".to_vec()).await;
    put(StorageKey::Archive(oid("CHG-3")), br#"{"neither": "change nor announcement"}"#.to_vec()).await;
    let trigger = change("CHG-9").json.to_string().into_bytes();
    put(StorageKey::Trigger(code("acme"), oid("CHG-9")), trigger).await;
    // Written by an older version that checked nothing: a meeting of i64::MAX minutes, a version at
    // its limit. They load (the meeting end clamped) instead of stopping start-up.
    let hostile = announcement("CIC-7", AnnouncementType::Cic)
        .set("include_meeting", true)
        .set("meeting_date", "2026-06-10T14:00:00Z")
        .set("meeting_duration", i64::MAX)
        .set("version", u32::MAX);
    put(StorageKey::Archive(oid("CIC-7")), hostile.json.to_string().into_bytes()).await;

    let index = MemoryIndex::rebuild_from(store.as_ref()).await.unwrap();

    assert_eq!(index.len(), 3);
    assert_eq!(ids(&index).await, ["CHG-1", "CIC-7", "FIN-1"]);
    let clamped = index.get(&oid("CIC-7")).await.unwrap().unwrap();
    assert_eq!(clamped.end.unwrap().to_rfc3339(), "2026-06-10T22:00:00+00:00");
    assert_eq!(index.get(&oid("CHG-1")).await.unwrap().unwrap().title, "Archived");
    assert!(index.get(&oid("FIN-1")).await.unwrap().unwrap().draft);
}

/// The port's default range query (paging through `query`), for adapters that do not override it.
struct DefaultRange(MemoryIndex);

#[async_trait::async_trait]
impl ObjectIndex for DefaultRange {
    async fn upsert(&self, entry: ccm_core::ports::IndexEntry) -> Result<(), ccm_core::ports::IndexError> {
        self.0.upsert(entry).await
    }
    async fn remove(&self, id: &ObjectId) -> Result<(), ccm_core::ports::IndexError> {
        self.0.remove(id).await
    }
    async fn get(&self, id: &ObjectId) -> Result<Option<ccm_core::ports::IndexEntry>, ccm_core::ports::IndexError> {
        self.0.get(id).await
    }
    async fn query(&self, query: &IndexQuery) -> Result<ccm_core::ports::IndexPage, ccm_core::ports::IndexError> {
        self.0.query(query).await
    }
    async fn statistics(&self, query: &IndexQuery) -> Result<ccm_core::ports::Statistics, ccm_core::ports::IndexError> {
        self.0.statistics(query).await
    }
}

#[tokio::test]
async fn the_default_range_query_of_the_port_keeps_the_range_contract() {
    ccm_testkit::index_range_contract::run_all(&DefaultRange(MemoryIndex::new())).await;
}

#[tokio::test]
async fn the_range_query_finds_a_long_window_and_forgets_its_length_once_removed() {
    let at = |raw: &str| raw.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let index = MemoryIndex::new();
    for day in 1..=28 {
        let start = format!("2026-02-{day:02}T10:00:00Z");
        let end = format!("2026-02-{day:02}T11:00:00Z");
        let entry =
            change(&format!("CHG-day-{day}")).set("implementationStart", start).set("implementationEnd", end).entry();
        index.upsert(entry).await.unwrap();
    }
    let long = change("CHG-long")
        .set("implementationStart", "2026-01-01T00:00:00Z")
        .set("implementationEnd", "2026-03-01T00:00:00Z");
    index.upsert(long.entry()).await.unwrap();
    let q = IndexQuery { viewer: ALICE.to_owned(), ..IndexQuery::default() };
    let page = index.overlapping(&q, at("2026-02-14T00:00:00Z"), at("2026-02-15T00:00:00Z")).await.unwrap();
    let got: Vec<&str> = page.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(got, ["CHG-long", "CHG-day-14"]);
    index.remove(&oid("CHG-long")).await.unwrap();
    let page = index.overlapping(&q, at("2026-02-14T00:00:00Z"), at("2026-02-15T00:00:00Z")).await.unwrap();
    assert_eq!(page.total, 1);
}
