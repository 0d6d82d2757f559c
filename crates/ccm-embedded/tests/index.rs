//! The in-memory index: the index contract (`ccm_testkit::index_contract`), and its rebuild from a
//! document store.

use std::sync::Arc;

use bytes::Bytes;
use ccm_core::ports::{ChangeIndex, DocumentStore, IndexQuery, PutOptions};
use ccm_core::{AnnouncementType, CustomerCode, ObjectId, Status, StorageKey};
use ccm_embedded::{EmbeddedStore, MemoryIndex};
use ccm_testkit::index_contract::{self, ALICE, announcement, change};

#[tokio::test]
async fn the_memory_index_keeps_the_index_contract() {
    index_contract::run_all(async || Arc::new(MemoryIndex::new()) as Arc<dyn ChangeIndex>).await;
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
