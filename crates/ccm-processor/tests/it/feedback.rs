//! Delivery feedback through the processor: each SES event kind of a real send is recorded once
//! against it (the tags name the delivery, the ledger's message id must match), redeliveries write
//! nothing, events for unknown messages are skipped and logged, malformed ones acknowledged.

use ccm_core::StorageKey;
use ccm_core::feedback::{FeedbackKind, FeedbackRecord};
use ccm_core::ports::DocumentStore;
use ccm_processor::SqsEvent;
use ccm_processor::feedback::{FeedbackOutcome, parse_feedback};
use ccm_testkit::fakes::Sent;
use serde_json::{Value, json};

use crate::support::*;

/// The SNS notification SES event publishing delivers for `sent` (AWS's documented shape).
pub fn sns_event(kind: FeedbackKind, sent: &Sent, message_id: &str) -> String {
    let to = sent.email.to.as_str();
    let mut tags = json!({"ses:configuration-set": ["acme-ccoe-emails"], "ses:from-domain": ["example.com"]});
    for (name, value) in sent.email.feedback.as_ref().expect("a delivery's send carries its tags").to_pairs() {
        tags[name] = json!([value]);
    }
    let mail = json!({
        "timestamp": "2026-06-01T12:00:00.000Z", "source": "notifications@example.com",
        "sendingAccountId": "111111111111", "messageId": message_id, "destination": [to],
        "headersTruncated": false, "tags": tags,
    });
    let event = match kind {
        FeedbackKind::Delivery => json!({"eventType": "Delivery", "mail": mail,
            "delivery": {"timestamp": "2026-06-01T12:00:01.000Z", "processingTimeMillis": 500, "recipients": [to], "smtpResponse": "250 OK"}}),
        FeedbackKind::Bounce => json!({"eventType": "Bounce", "mail": mail,
            "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": "2026-06-01T12:00:01.000Z",
                       "bouncedRecipients": [{"emailAddress": to, "action": "failed", "status": "5.1.1"}]}}),
        FeedbackKind::Complaint => json!({"eventType": "Complaint", "mail": mail,
            "complaint": {"timestamp": "2026-06-01T12:00:02.000Z", "complaintFeedbackType": "abuse",
                          "complainedRecipients": [{"emailAddress": to}]}}),
        FeedbackKind::Reject => json!({"eventType": "Reject", "mail": mail, "reject": {"reason": "Bad content"}}),
    };
    json!({"Type": "Notification", "MessageId": "sns-1", "TopicArn": "arn:aws:sns:us-east-1:999999999999:ccm-ses-events",
           "Message": event.to_string(), "Timestamp": "2026-06-01T12:00:03.000Z"})
    .to_string()
}

fn batch(bodies: &[String]) -> SqsEvent {
    let records: Vec<Value> =
        bodies.iter().enumerate().map(|(i, b)| json!({"messageId": format!("sqs-{i}"), "body": b})).collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

/// An approved change sent to `n` acme subscribers; the sends as the mailer saw them.
async fn sent_change(rig: &Rig, id: &str, n: usize) -> (ccm_core::Object, Vec<Sent>) {
    rig.subscribers("acme", "aws-announce", n);
    let o = change(id, "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    rig.processor.process(&code("acme"), o.id()).await.unwrap();
    (o, rig.mailer.sent())
}

async fn feedback_records(rig: &Rig, id: &ccm_core::ObjectId) -> Vec<FeedbackRecord> {
    let mut out = Vec::new();
    for key in rig.feedback_keys(id).await {
        if let Ok(key @ StorageKey::Feedback { .. }) = StorageKey::parse(&key) {
            let doc = rig.store.get(&key).await.unwrap().unwrap();
            out.push(serde_json::from_slice(&doc.body).unwrap());
        }
    }
    out
}

#[tokio::test]
async fn every_send_carries_its_deliverys_tags() {
    let rig = Rig::new().await;
    let (o, sent) = sent_change(&rig, "CHG-fb-tags", 2).await;
    for s in &sent {
        let tags = s.email.feedback.as_ref().unwrap();
        assert_eq!(
            (&tags.object, tags.version, tags.event.as_str(), tags.customer.as_str()),
            (o.id(), 2, "approved", "acme")
        );
    }
}

#[tokio::test]
async fn each_event_kind_of_a_send_is_recorded_once_against_it() {
    let rig = Rig::new().await;
    let (o, sent) = sent_change(&rig, "CHG-fb-kinds", 4).await;
    let kinds = [FeedbackKind::Delivery, FeedbackKind::Bounce, FeedbackKind::Complaint, FeedbackKind::Reject];
    let bodies: Vec<String> = kinds.iter().zip(&sent).map(|(k, s)| sns_event(*k, s, &s.message_id)).collect();

    let response = ccm_processor::handle_batch(&rig.processor, &batch(&bodies)).await;
    assert!(response.batch_item_failures.is_empty());
    // Redelivered, every one of them: nothing more is written.
    let response = ccm_processor::handle_batch(&rig.processor, &batch(&bodies)).await;
    assert!(response.batch_item_failures.is_empty());

    let records = feedback_records(&rig, o.id()).await;
    assert_eq!(records.len(), 4, "{records:#?}");
    for (kind, s) in kinds.iter().zip(&sent) {
        let r = records.iter().find(|r| r.kind == *kind).unwrap();
        assert_eq!(
            (r.message_id.as_str(), &r.recipients[0], r.version, r.event.as_str()),
            (s.message_id.as_str(), &s.email.to, 2, "approved")
        );
    }
    let bounce = records.iter().find(|r| r.kind == FeedbackKind::Bounce).unwrap();
    assert_eq!(bounce.detail.as_deref(), Some("Permanent/General"));
}

#[tokio::test]
async fn a_redelivered_event_is_recorded_once() {
    let rig = Rig::new().await;
    let (o, sent) = sent_change(&rig, "CHG-fb-again", 1).await;
    let event = parse_feedback(&sns_event(FeedbackKind::Bounce, &sent[0], &sent[0].message_id)).unwrap().unwrap();
    assert_eq!(rig.processor.record_feedback(&event).await.unwrap(), FeedbackOutcome::Recorded(FeedbackKind::Bounce));
    assert_eq!(
        rig.processor.record_feedback(&event).await.unwrap(),
        FeedbackOutcome::AlreadyRecorded(FeedbackKind::Bounce)
    );
    assert_eq!(feedback_records(&rig, o.id()).await.len(), 1);
}

#[tokio::test]
async fn an_event_for_an_unknown_message_id_is_skipped_and_logged() {
    let (_capture, logs) = ccm_testkit::logs::capture();
    let rig = Rig::new().await;
    let (o, sent) = sent_change(&rig, "CHG-fb-unknown", 1).await;
    // The tags name a real delivery, but the ledger sent another message to this recipient.
    let forged = sns_event(FeedbackKind::Complaint, &sent[0], "not-the-ledgers-message");
    let response = ccm_processor::handle_batch(&rig.processor, &batch(&[forged])).await;
    assert!(response.batch_item_failures.is_empty(), "acknowledged");
    assert!(feedback_records(&rig, o.id()).await.is_empty());
    assert!(logs.text().contains("unknown message id"), "{}", logs.text());
    // Tags of a version never sent: the ledger has no such send at all.
    let mut other = sent[0].clone();
    other.email.feedback.as_mut().unwrap().version = 9;
    let event = parse_feedback(&sns_event(FeedbackKind::Bounce, &other, &other.message_id)).unwrap().unwrap();
    assert!(matches!(rig.processor.record_feedback(&event).await.unwrap(), FeedbackOutcome::UnknownMessage(_)));
}

#[tokio::test]
async fn an_event_from_another_customers_account_is_not_recorded() {
    let rig = Rig::new().await;
    let (o, sent) = sent_change(&rig, "CHG-fb-account", 1).await;
    let body = sns_event(FeedbackKind::Bounce, &sent[0], &sent[0].message_id).replace("111111111111", "222222222222");
    let event = parse_feedback(&body).unwrap().unwrap();
    assert!(matches!(rig.processor.record_feedback(&event).await.unwrap(), FeedbackOutcome::NotOurs(_)));
    assert!(feedback_records(&rig, o.id()).await.is_empty());
}

#[tokio::test]
async fn malformed_feedback_is_acknowledged_and_writes_nothing() {
    let (_capture, logs) = ccm_testkit::logs::capture();
    let rig = Rig::new().await;
    let (o, sent) = sent_change(&rig, "CHG-fb-bad", 1).await;
    let good: Value = serde_json::from_str(&sns_event(FeedbackKind::Bounce, &sent[0], &sent[0].message_id)).unwrap();
    let mut no_bounce: Value = serde_json::from_str(good["Message"].as_str().unwrap()).unwrap();
    no_bounce.as_object_mut().unwrap().remove("bounce");
    let bodies = vec![
        r#"{"Type":"Notification","Message":"not json"}"#.to_owned(),
        json!({"Type": "Notification", "Message": no_bounce.to_string()}).to_string(),
        json!({"eventType": "Delivery", "mail": {"messageId": ["x"]}}).to_string(),
    ];
    let response = ccm_processor::handle_batch(&rig.processor, &batch(&bodies)).await;
    assert!(response.batch_item_failures.is_empty());
    assert!(feedback_records(&rig, o.id()).await.is_empty());
    assert_eq!(logs.text().matches("malformed delivery feedback").count(), 3, "{}", logs.text());
}

#[tokio::test]
async fn an_event_for_a_send_not_yet_confirmed_is_retried() {
    use ccm_core::ports::DeliveryLedger;
    let rig = Rig::new().await;
    let (o, sent) = sent_change(&rig, "CHG-fb-early", 1).await;
    // Another version's send is reserved but not confirmed (the confirm has not landed yet).
    let mut early = sent[0].clone();
    early.email.feedback.as_mut().unwrap().version = 3;
    let key = early.email.feedback.as_ref().unwrap().delivery_key(&early.email.to);
    rig.ledger.reserve(&key).await.unwrap();
    let body = sns_event(FeedbackKind::Delivery, &early, "m-early");
    let response = ccm_processor::handle_batch(&rig.processor, &batch(std::slice::from_ref(&body))).await;
    assert_eq!(response.batch_item_failures.len(), 1, "left for SQS to redeliver");
    rig.ledger.confirm(&key, &ccm_core::ports::SendReceipt { message_id: "m-early".into() }).await.unwrap();
    let response = ccm_processor::handle_batch(&rig.processor, &batch(&[body])).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(feedback_records(&rig, o.id()).await.len(), 1);
}
