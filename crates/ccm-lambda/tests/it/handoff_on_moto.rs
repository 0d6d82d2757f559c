//! The processor's hand-off on the moto emulator: a message out of time is copied to the queue its
//! `eventSourceARN` names, as a new message with the same body (received once, receive count 1).

use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use ccm_lambda::handoff::SqsRequeue;
use ccm_processor::{Requeue, SqsMessage};
use ccm_testkit::moto;
use serde_json::json;

#[tokio::test]
async fn a_message_is_handed_on_to_the_queue_it_came_from() {
    let Some(moto) = moto::shared().await else { return };
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config());
    let url = sqs.create_queue().queue_name(moto::unique_name("ccm-acme")).send().await.unwrap().queue_url.unwrap();
    let attributes =
        sqs.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::QueueArn).send().await.unwrap();
    let arn = attributes.attributes.unwrap()[&QueueAttributeName::QueueArn].clone();
    let body = json!({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "customers/acme/CHG-1.json"}}}]})
        .to_string();
    let message: SqsMessage = serde_json::from_value(json!({
        "messageId": "m-1", "receiptHandle": "r", "body": body, "eventSourceARN": arn, "eventSource": "aws:sqs",
        "attributes": {"ApproximateReceiveCount": "3"}
    }))
    .unwrap();

    SqsRequeue { sqs: sqs.clone() }.requeue(&message).await.unwrap();

    let received = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body.as_deref(), Some(body.as_str()), "the same triggers");
    let count = received[0].attributes.as_ref().unwrap()[&MessageSystemAttributeName::ApproximateReceiveCount].clone();
    assert_eq!(count, "1", "a new message: the old one's receives do not count");

    let mut nowhere = message;
    nowhere.event_source_arn = Some("arn:aws:sqs:us-east-1:123456789012:missing".into());
    let err = SqsRequeue { sqs }.requeue(&nowhere).await.unwrap_err();
    assert!(err.contains("GetQueueUrl missing"), "{err}");
}
