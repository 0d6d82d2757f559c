//! The indexer on the moto emulator: S3 events of objects (real notifications, through SQS) keep the
//! shared index in step with the bucket, including deletes, whatever wrote them, and the join link
//! of a meeting the processor recorded.

use std::time::Duration;

use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
use aws_sdk_sqs::types::QueueAttributeName;
use bytes::Bytes;
use ccm_aws::index::{IndexTable, SyncedIndex};
use ccm_core::ports::{DocumentStore, IndexQuery, ObjectIndex, PutOptions};
use ccm_core::{ObjectId, StorageKey};
use ccm_lambda::indexer::Indexer;
use ccm_processor::SqsEvent;
use ccm_testkit::moto;
use serde_json::json;

fn object(id: &str, title: &str, version: u32) -> Bytes {
    Bytes::from(
        json!({"changeId": id, "changeTitle": title, "status": "submitted", "version": version,
               "customers": ["acme"], "createdBy": "alice@example.com"})
        .to_string(),
    )
}

#[tokio::test]
async fn object_events_keep_the_shared_index_in_step_with_the_bucket() {
    let Some(moto) = moto::shared().await else { return };
    let sdk = moto.sdk_config();
    let bucket = moto.create_bucket("ccm-indexer").await;
    let store = ccm_aws::S3DocumentStore::new(ccm_aws::sdk::s3_client(&sdk, true), &bucket);
    let table = IndexTable::new(aws_sdk_dynamodb::Client::new(&sdk), moto::unique_name("ccm-index"));
    table.ensure_exists().await.unwrap();

    // Every object event of the bucket goes to one queue (infra/ filters it to the object prefixes).
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let queue_url =
        sqs.create_queue().queue_name(moto::unique_name("ccm-index")).send().await.unwrap().queue_url.unwrap();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let queue_arn = attributes.attributes.unwrap()[&QueueAttributeName::QueueArn].clone();
    let queue = QueueConfiguration::builder()
        .queue_arn(queue_arn)
        .events(Event::S3ObjectCreated)
        .events(Event::S3ObjectRemoved)
        .build()
        .unwrap();
    moto.s3_client()
        .put_bucket_notification_configuration()
        .bucket(&bucket)
        .notification_configuration(NotificationConfiguration::builder().queue_configurations(queue).build())
        .send()
        .await
        .unwrap();
    let drain = async || {
        let mut records = Vec::new();
        for _ in 0..5 {
            let out = sqs.receive_message().queue_url(&queue_url).max_number_of_messages(10).send().await.unwrap();
            for m in out.messages() {
                records.push(json!({"messageId": m.message_id(), "body": m.body()}));
                sqs.delete_message()
                    .queue_url(&queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
            if out.messages().is_empty() {
                break;
            }
        }
        serde_json::from_value::<SqsEvent>(json!({"Records": records})).unwrap()
    };
    let indexer = Indexer::new(&store, table.clone());
    let reader = SyncedIndex::open(table, None).await.unwrap().with_max_staleness(Duration::ZERO);
    let titles = async || {
        let q = IndexQuery { viewer: "alice@example.com".into(), descending: true, ..IndexQuery::default() };
        let page = reader.query(&q).await.unwrap();
        page.items.iter().map(|e| (e.id.to_string(), e.title.clone())).collect::<Vec<_>>()
    };

    // An operator's restore (a write the API never saw) and a draft.
    let one = ObjectId::parse("CHG-1").unwrap();
    store
        .put(&StorageKey::Archive(one.clone()), object("CHG-1", "Restored by hand", 4), PutOptions::default())
        .await
        .unwrap();
    store
        .put(
            &StorageKey::Draft(ObjectId::parse("CHG-2").unwrap()),
            object("CHG-2", "A draft", 1),
            PutOptions::default(),
        )
        .await
        .unwrap();
    let response = indexer.handle(&drain().await).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(titles().await, [("CHG-1".into(), "Restored by hand".into()), ("CHG-2".into(), "A draft".into())]);

    // A soft delete: the copy under deleted/, then the archive goes.
    store
        .put(&StorageKey::DeletedArchive(one.clone()), object("CHG-1", "Restored by hand", 4), PutOptions::default())
        .await
        .unwrap();
    store.delete(&StorageKey::Archive(one)).await.unwrap();
    let response = indexer.handle(&drain().await).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(titles().await, [("CHG-2".into(), "A draft".into())]);

    // The processor records a meeting for an approved change: its entry gets the join link.
    let three = ObjectId::parse("CHG-3").unwrap();
    let approved = json!({"changeId": "CHG-3", "changeTitle": "With a meeting", "status": "approved", "version": 3,
                          "customers": ["acme"], "createdBy": "alice@example.com"});
    store
        .put(&StorageKey::Archive(three.clone()), Bytes::from(approved.to_string()), PutOptions::default())
        .await
        .unwrap();
    let record = json!({"object": "CHG-3", "step": 1, "change": "scheduled", "version": 3, "provider": "graph",
        "event_id": "AAMk-1", "ical_uid": "040000008200E0", "join_url": "https://teams.microsoft.com/l/meetup-join/x",
        "subject": "Go/no-go", "start": "2026-06-10T14:00:00Z", "end": "2026-06-10T14:30:00Z",
        "timezone": "Europe/Paris", "sequence": 0, "at": "2026-06-01T12:00:00Z", "by": "processor"});
    let key = ccm_core::model::MeetingKey::Record(1).storage_key(&three);
    store.put(&key, Bytes::from(record.to_string()), PutOptions::default()).await.unwrap();
    let response = indexer.handle(&drain().await).await;
    assert!(response.batch_item_failures.is_empty());
    let q = IndexQuery { viewer: "alice@example.com".into(), descending: true, ..IndexQuery::default() };
    let page = reader.query(&q).await.unwrap();
    let entry = page.items.iter().find(|e| e.id == three).expect("CHG-3 is listed");
    assert_eq!(entry.join_url.as_deref(), Some("https://teams.microsoft.com/l/meetup-join/x"));
}
