//! The shared index (`SyncedIndex` over DynamoDB) on the moto emulator: the index contract, and
//! what the shared shape adds: other instances see a write, removals travel, a stale writer cannot
//! roll an entry back, a cold start reads the snapshot and then only the feed after it.

use std::sync::Arc;
use std::time::Duration;

use ccm_aws::index::{IndexTable, SyncedIndex, Written};
use ccm_core::ObjectId;
use ccm_core::Status;
use ccm_core::ports::{IndexQuery, IndexRecord, ObjectIndex};
use ccm_testkit::index_contract::{self, ALICE, change};
use ccm_testkit::moto::{self, Moto};

async fn fresh_table(moto: &Moto) -> IndexTable {
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
    let table = IndexTable::new(client, moto::unique_name("ccm-index"));
    table.ensure_exists().await.expect("the table is created");
    table
}

fn all(viewer: &str) -> IndexQuery {
    IndexQuery { viewer: viewer.to_owned(), descending: true, limit: 500, ..IndexQuery::default() }
}

async fn ids(index: &dyn ObjectIndex) -> Vec<String> {
    index.query(&all(ALICE)).await.unwrap().items.iter().map(|e| e.id.as_str().to_owned()).collect()
}

#[tokio::test]
async fn the_shared_index_keeps_the_index_contract() {
    let Some(moto) = moto::shared().await else { return };
    index_contract::run_all(async || {
        let index = SyncedIndex::open(fresh_table(moto).await, None).await.expect("opens");
        Arc::new(index.with_max_staleness(Duration::ZERO)) as Arc<dyn ObjectIndex>
    })
    .await;
}

#[tokio::test]
async fn a_write_through_one_instance_is_listed_by_another_after_its_staleness_window() {
    let Some(moto) = moto::shared().await else { return };
    let table = fresh_table(moto).await;
    let a = SyncedIndex::open(table.clone(), None).await.unwrap();
    let b = SyncedIndex::open(table, None).await.unwrap().with_max_staleness(Duration::from_millis(100));
    assert!(ids(&b).await.is_empty());
    a.upsert(change("CHG-1").title("Written through A").entry()).await.unwrap();
    assert_eq!(ids(&a).await, ["CHG-1"], "the writer reads its own write at once");
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(ids(&b).await, ["CHG-1"], "another instance sees it once its window passed");

    b.remove(&ObjectId::parse("CHG-1").unwrap()).await.unwrap();
    let a = a.with_max_staleness(Duration::ZERO);
    assert!(ids(&a).await.is_empty(), "the removal reached the first instance");
}

#[tokio::test]
async fn a_stale_writer_cannot_roll_an_entry_back() {
    let Some(moto) = moto::shared().await else { return };
    let table = fresh_table(moto).await;
    let newer = change("CHG-1").title("Version 3").set("version", 3).status(Status::Approved).entry();
    let older = change("CHG-1").title("Version 2").set("version", 2).entry();
    assert_eq!(table.put(&IndexRecord::from(newer), 20).await.unwrap(), Written::Applied);
    assert_eq!(table.put(&IndexRecord::from(older.clone()), 30).await.unwrap(), Written::Superseded);
    let index = SyncedIndex::open(table, None).await.unwrap();
    index.upsert(older).await.unwrap();
    let got = index.get(&ObjectId::parse("CHG-1").unwrap()).await.unwrap().unwrap();
    assert_eq!((got.title.as_str(), got.version), ("Version 3", 3), "the newer version stands, here too");
}

#[tokio::test]
async fn a_cold_start_reads_the_snapshot_then_one_page_of_the_feed() {
    let Some(moto) = moto::shared().await else { return };
    let table = fresh_table(moto).await;
    let store = ccm_aws::S3DocumentStore::new(
        ccm_aws::sdk::s3_client(&moto.sdk_config(), true),
        moto.create_bucket("ccm-index-snapshot").await,
    );
    let writer = SyncedIndex::open(table.clone(), None).await.unwrap();
    for n in 0..40 {
        writer.upsert(change(&format!("CHG-{n:02}")).entry()).await.unwrap();
    }
    assert!(writer.write_snapshot(&store).await.unwrap(), "a first snapshot is written");
    assert!(!writer.write_snapshot(&store).await.unwrap(), "an equal one is not written again");
    writer.upsert(change("CHG-late").title("After the snapshot").entry()).await.unwrap();

    let cold = SyncedIndex::open(table, Some(&store)).await.unwrap();
    assert_eq!(cold.len(), 41, "the snapshot's 40 and the one written after it");
    assert_eq!(cold.feed_requests(), 1, "one feed page after the snapshot");
}
