//! The testkit's own fakes keep the contracts of the ports they stand in for.

use ccm_testkit::fakes::FakeLedger;
use ccm_testkit::{MemoryStore, ledger_contract, store_contract};

#[tokio::test]
async fn the_memory_store_keeps_the_document_store_contract() {
    let store = MemoryStore::new();
    store_contract::run_all(&store).await;
    store_contract::list_all_collects_every_key_exactly_once(&store, 2_500).await;
}

#[tokio::test]
async fn the_fake_ledger_keeps_the_delivery_ledger_contract() {
    let ledger = FakeLedger::new();
    ledger_contract::run_all(&ledger).await;
}
