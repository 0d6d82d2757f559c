//! The `ccm-reminders` binary under the Lambda Runtime API emulator against moto: a scheduled event
//! runs one sweep over the shared index (DynamoDB) and writes the due reminder's trigger to the
//! bucket, once however often it is invoked.
//!
//! Skips (printing why) without moto; fails with `CCM_REQUIRE_MOTO=1`.

use std::time::Duration;

use bytes::Bytes;
use ccm_aws::index::{IndexTable, reindex_object};
use ccm_core::ports::{DocumentStore, PutOptions, list_all};
use ccm_core::{ObjectId, StorageKey};
use ccm_testkit::lambda_runtime::LambdaProcess;
use ccm_testkit::moto;
use serde_json::{Value, json};

/// An EventBridge Scheduler invocation's payload (the function does not read it).
fn scheduled_event() -> Value {
    json!({"version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.scheduler",
           "time": "2026-06-09T15:00:00Z", "detail": {}})
}

#[tokio::test]
async fn a_scheduled_sweep_hands_a_due_reminder_to_its_customer_once() {
    let Some(moto) = moto::shared().await else { return };
    let sdk = moto.sdk_config();
    let bucket = moto.create_bucket("ccm-reminders").await;
    let store = ccm_aws::S3DocumentStore::new(ccm_aws::sdk::s3_client(&sdk, true), &bucket);
    let table_name = moto::unique_name("ccm-index");
    let table = IndexTable::new(aws_sdk_dynamodb::Client::new(&sdk), &table_name);
    table.ensure_exists().await.unwrap();

    // An approved change for acme starting in about ten hours, and one starting in three days.
    let now = chrono::Utc::now();
    for (id, start) in [("CHG-soon", now + chrono::Duration::hours(10)), ("CHG-later", now + chrono::Duration::days(3))]
    {
        let object = json!({"changeId": id, "changeTitle": "Patch", "status": "approved", "version": 3,
            "customers": ["acme"], "implementationStart": start, "implementationEnd": start + chrono::Duration::hours(1),
            "approvedBy": "bob@example.com"});
        let key = StorageKey::Archive(ObjectId::parse(id).unwrap());
        store.put(&key, Bytes::from(object.to_string()), PutOptions::default()).await.unwrap();
        reindex_object(&store, &table, &ObjectId::parse(id).unwrap()).await.unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config.json");
    std::fs::copy(moto::repo_root().join("config.json"), &config_path).unwrap();
    let env: Vec<(String, String)> = [
        ("CCM_CONFIG", config_path.display().to_string()),
        ("CCM_SES_CONFIG", moto::repo_root().join("SESConfig.json").display().to_string()),
        ("CCM_BUCKET", bucket.clone()),
        ("CCM_INDEX_TABLE", table_name.clone()),
        ("CCM_LOG_FORMAT", "json".into()),
        ("RUST_LOG", "info".into()),
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", moto::TEST_ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY", moto::TEST_SECRET_KEY.into()),
        ("AWS_REGION", moto::TEST_REGION.into()),
        ("HOME", dir.path().display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let binary = std::path::PathBuf::from(env!("CARGO_BIN_EXE_ccm-reminders"));
    let mut lambda = LambdaProcess::spawn(&binary, "ccm-reminders", &env).await.unwrap();
    lambda.init_duration(Duration::from_secs(30)).await.unwrap();

    let first = lambda.invoke(&scheduled_event()).await.unwrap();
    assert_eq!(first, json!({"due": 1, "handedOff": 1, "pending": 0, "alreadySent": 0}), "{}", lambda.logs());
    let waiting: Vec<String> = list_all(&store, "customers/").await.unwrap().into_iter().map(|l| l.key).collect();
    assert_eq!(waiting, ["customers/acme/reminders/CHG-soon/v3/reminder.json"]);

    // The next schedule (or one beside it) finds the trigger waiting and writes nothing.
    let second = lambda.invoke(&scheduled_event()).await.unwrap();
    assert_eq!(second, json!({"due": 1, "handedOff": 0, "pending": 1, "alreadySent": 0}));
}
