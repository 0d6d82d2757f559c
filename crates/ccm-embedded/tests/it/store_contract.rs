//! The document store contract, run against the embedded store (the same suite runs against S3 on moto).

use ccm_embedded::EmbeddedStore;
use ccm_testkit::store_contract;

#[tokio::test]
async fn the_embedded_store_keeps_the_document_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).await.unwrap();
    store_contract::run_all(&*store).await;
    store_contract::list_all_collects_every_key_exactly_once(&*store, 2_500).await;
}

#[tokio::test]
async fn objects_survive_reopening_the_data_directory() {
    use bytes::Bytes;
    use ccm_core::ports::{DocumentStore, PutOptions};
    use ccm_core::{ObjectId, StorageKey};
    let dir = tempfile::tempdir().unwrap();
    let key = StorageKey::Archive(ObjectId::parse("CHG-durable").unwrap());
    let etag = {
        let store = EmbeddedStore::open(dir.path()).await.unwrap();
        store
            .put(&key, Bytes::from_static(b"{\"a\":1}"), PutOptions::default().with_metadata("status", "draft"))
            .await
            .unwrap()
    };
    let reopened = EmbeddedStore::open(dir.path()).await.unwrap();
    let doc = reopened.get(&key).await.unwrap().expect("still there");
    assert_eq!(&doc.body[..], b"{\"a\":1}");
    assert_eq!(doc.meta.etag, etag);
    assert_eq!(doc.meta.metadata["status"], "draft");
    assert_eq!(reopened.list("archive/", None, 10).await.unwrap().items.len(), 1);
}

#[tokio::test]
async fn writing_a_trigger_notifies_the_subscriber_and_other_keys_do_not() {
    use bytes::Bytes;
    use ccm_core::ports::{DocumentStore, PutOptions};
    use ccm_core::{CustomerCode, ObjectId, StorageKey};
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).await.unwrap();
    let mut rx = store.subscribe_triggers();
    let id = ObjectId::parse("CHG-t1").unwrap();
    store.put(&StorageKey::Archive(id.clone()), Bytes::from_static(b"{}"), PutOptions::default()).await.unwrap();
    let trigger = StorageKey::Trigger(CustomerCode::parse("acme").unwrap(), id);
    store.put(&trigger, Bytes::from_static(b"{}"), PutOptions::default()).await.unwrap();
    let got = rx.recv().await.unwrap();
    assert_eq!(got.key, trigger);
    assert!(rx.try_recv().is_err(), "only the trigger was announced");
}
