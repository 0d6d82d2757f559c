//! Delivery feedback the way AWS carries it, on the moto emulator: an SES event published to an SNS
//! topic reaches the SQS queue subscribed to it (in SNS's envelope), and the processor's batch
//! handler records it against the send. Skips when moto is not installed; fails with
//! `CCM_REQUIRE_MOTO=1`.

use ccm_core::StorageKey;
use ccm_core::feedback::FeedbackKind;
use ccm_processor::SqsEvent;
use ccm_testkit::moto;
use serde_json::{Value, json};

use crate::feedback::sns_event;
use crate::support::*;

/// The text of the first `<tag>…</tag>` of an XML answer.
fn xml_field(xml: &str, tag: &str) -> String {
    let start = xml.find(&format!("<{tag}>")).map(|i| i + tag.len() + 2).unwrap_or_else(|| panic!("no {tag}: {xml}"));
    let end = xml[start..].find(&format!("</{tag}>")).unwrap_or_else(|| panic!("no {tag} end: {xml}"));
    xml[start..start + end].to_owned()
}

#[tokio::test]
async fn an_ses_event_published_to_sns_reaches_the_subscribed_queue_and_is_recorded() {
    let Some(moto) = moto::shared().await else { return };
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config());
    let queue = sqs.create_queue().queue_name(moto::unique_name("ccm-feedback")).send().await.unwrap();
    let queue_url = queue.queue_url().unwrap().to_owned();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap();
    let queue_arn = attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
    let topic_arn = xml_field(
        &moto.sns(&[("Action", "CreateTopic"), ("Name", &moto::unique_name("ccm-ses-events"))]).await,
        "TopicArn",
    );
    moto.sns(&[("Action", "Subscribe"), ("TopicArn", &topic_arn), ("Protocol", "sqs"), ("Endpoint", &queue_arn)]).await;

    // A real send through the processor, then SES's bounce for it, published as SES publishes it.
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 1);
    let o = change("CHG-fb-moto", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    rig.processor.process(&code("acme"), o.id()).await.unwrap();
    let sent = rig.mailer.sent();
    let envelope: Value =
        serde_json::from_str(&sns_event(FeedbackKind::Bounce, &sent[0], &sent[0].message_id)).unwrap();
    let ses_event = envelope["Message"].as_str().unwrap();
    moto.sns(&[("Action", "Publish"), ("TopicArn", &topic_arn), ("Message", ses_event)]).await;

    let received = sqs.receive_message().queue_url(&queue_url).max_number_of_messages(10).send().await.unwrap();
    let messages = received.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let body = messages[0].body().unwrap();
    let notification: Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (notification["Type"].as_str(), notification["TopicArn"].as_str()),
        (Some("Notification"), Some(topic_arn.as_str()))
    );

    let batch: SqsEvent = serde_json::from_value(json!({"Records": [
        {"messageId": messages[0].message_id().unwrap(), "receiptHandle": messages[0].receipt_handle().unwrap(), "body": body}
    ]}))
    .unwrap();
    let response = ccm_processor::handle_batch(&rig.processor, &batch).await;
    assert!(response.batch_item_failures.is_empty());
    let recorded: Vec<String> = rig
        .feedback_keys(o.id())
        .await
        .into_iter()
        .filter(|k| matches!(StorageKey::parse(k), Ok(StorageKey::Feedback { .. })))
        .collect();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert!(recorded[0].contains("/acme/approved/bounce-"), "{recorded:?}");
}
