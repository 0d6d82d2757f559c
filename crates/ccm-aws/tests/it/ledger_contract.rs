//! The delivery ledger contract (`ccm_testkit::ledger_contract`) against the ledger over every
//! document store it runs on: the in-memory one, the embedded one (`ccm serve`) and S3 on moto, where
//! conditional creates make exactly one of the racing reservations win.

use std::sync::Arc;

use ccm_aws::S3DocumentStore;
use ccm_aws::StoreLedger;
use ccm_aws::sdk::s3_client;
use ccm_embedded::EmbeddedStore;
use ccm_testkit::moto;
use ccm_testkit::{MemoryStore, ledger_contract};

#[tokio::test]
async fn the_ledger_on_the_memory_store_keeps_the_delivery_ledger_contract() {
    let ledger = StoreLedger::new(Arc::new(MemoryStore::new()));
    ledger_contract::run_all(&ledger).await;
}

#[tokio::test]
async fn the_ledger_on_the_embedded_store_keeps_the_delivery_ledger_contract() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = StoreLedger::new(EmbeddedStore::open(dir.path()).await.unwrap());
    ledger_contract::run_all(&ledger).await;
}

#[tokio::test]
async fn the_ledger_on_s3_keeps_the_delivery_ledger_contract() {
    let Some(moto) = moto::shared().await else { return };
    let bucket = moto.create_bucket("ccm-ledger").await;
    let ledger = StoreLedger::new(Arc::new(S3DocumentStore::new(s3_client(&moto.sdk_config(), true), bucket)));
    ledger_contract::run_all(&ledger).await;
}
