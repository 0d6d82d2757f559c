//! The testkit's own fakes keep the contracts of the ports they stand in for.

use ccm_testkit::{MemoryStore, store_contract};

#[tokio::test]
async fn the_memory_store_keeps_the_document_store_contract() {
    let store = MemoryStore::new();
    store_contract::run_all(&store).await;
    store_contract::list_all_collects_every_key_exactly_once(&store, 2_500).await;
}
