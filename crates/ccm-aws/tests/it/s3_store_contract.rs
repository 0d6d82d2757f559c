//! The document-store contract against `S3DocumentStore` on the moto emulator, plus the error mapping
//! of real SDK failures. Emulator tests skip (printing why) when moto is not installed, and panic
//! instead when `CCM_REQUIRE_MOTO=1`; run `scripts/setup-python.sh` once to install it.

use bytes::Bytes;
use ccm_aws::S3DocumentStore;
use ccm_aws::sdk::s3_client;
use ccm_core::ports::{DocumentStore, PutOptions, StoreError};
use ccm_core::{ObjectId, StorageKey};
use ccm_testkit::moto::{self, Moto};
use ccm_testkit::store_contract;

/// A store on a fresh bucket of its own, with the client built the way production builds it.
async fn s3_store_on_moto(moto: &Moto) -> S3DocumentStore {
    let bucket = moto.create_bucket("ccm-contract").await;
    S3DocumentStore::new(s3_client(&moto.sdk_config(), true), bucket)
}

fn key(id: &str) -> StorageKey {
    StorageKey::Archive(ObjectId::parse(id).expect("a valid object id"))
}

#[tokio::test]
async fn the_s3_store_keeps_the_document_store_contract() {
    let Some(moto) = moto::shared().await else { return };
    let store = s3_store_on_moto(moto).await;
    store_contract::run_all(&store).await;
}

#[tokio::test]
async fn list_all_on_s3_follows_continuation_tokens_past_one_thousand_keys() {
    let Some(moto) = moto::shared().await else { return };
    let store = s3_store_on_moto(moto).await;
    store_contract::list_all_collects_every_key_exactly_once(&store, 1_005).await;
}

#[tokio::test]
async fn a_412_from_s3_is_a_failed_precondition_naming_the_key() {
    let Some(moto) = moto::shared().await else { return };
    let store = s3_store_on_moto(moto).await;
    let key = key("CHG-contract-412");
    store.put(&key, Bytes::from_static(b"{}"), PutOptions::create_only()).await.expect("first create");
    match store.put(&key, Bytes::from_static(b"{}"), PutOptions::create_only()).await {
        Err(StoreError::PreconditionFailed { key: failed }) => assert_eq!(failed, key.to_string()),
        other => panic!("expected PreconditionFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_bucket_is_an_error_that_is_not_retried() {
    let Some(moto) = moto::shared().await else { return };
    let store = S3DocumentStore::new(s3_client(&moto.sdk_config(), true), moto::unique_name("ccm-absent"));
    let err = store.get(&key("CHG-contract-nobucket")).await.expect_err("get from a missing bucket");
    assert!(matches!(err, StoreError::Other(_)), "{err:?}");
    let err = store.list("archive/", None, 10).await.expect_err("list of a missing bucket");
    assert!(matches!(err, StoreError::Other(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_retryable_error() {
    // A port nothing listens on: the connection is refused at once (and retries are disabled).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let cfg = moto::sdk_config_for(&format!("http://127.0.0.1:{port}"));
    let store = S3DocumentStore::new(s3_client(&cfg, true), "ccm-unreachable");
    let key = key("CHG-contract-unreachable");

    let errors = [
        store.get(&key).await.map(|_| ()).expect_err("get"),
        store.head(&key).await.map(|_| ()).expect_err("head"),
        store.put(&key, Bytes::from_static(b"{}"), PutOptions::default()).await.map(|_| ()).expect_err("put"),
        store.delete(&key).await.expect_err("delete"),
        store.list("archive/", None, 10).await.map(|_| ()).expect_err("list"),
    ];
    for err in errors {
        assert!(err.is_retryable(), "{err:?} must be retryable");
    }
}
