//! The processor over an embedded store and fakes: routing, exactly-once sends, isolation, retries,
//! and the object's meeting (Graph against a stand-in, and ICS invitations: `meetings/`).

mod completion_surveys;
mod first_mail;
mod reminders;
mod streaming;
mod time_budget;
mod zone_book;
mod zones_and_reschedules;

use crate::support::*;
use ccm_processor::{Outcome, SqsEvent};
use ccm_testkit::fakes::Behaviour;
use serde_json::json;

#[tokio::test]
async fn an_approved_change_reaches_every_announce_subscriber_once_and_the_trigger_is_deleted() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 5);
    rig.subscribers("acme", "aws-approval", 2);
    let o = change("CHG-1", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;

    let outcome = rig.processor.process(&code("acme"), o.id()).await.unwrap();
    let Outcome::Sent(s) = outcome else { panic!("{outcome:?}") };
    assert_eq!((s.event.as_str(), s.topic.as_str(), s.sent), ("approved", "aws-announce", 5));
    let sent = rig.mailer.sent();
    assert_eq!(sent.len(), 5);
    assert!(sent.iter().all(|m| m.email.list_management.as_ref().unwrap().1.as_str() == "aws-announce"));
    assert!(sent[0].email.subject.starts_with("🟢 Rotate certificates"));
    assert!(!rig.trigger_exists("acme", o.id()).await);

    assert_eq!(rig.archived(o.id()).await, o, "the processor never writes the archive");
    let results = rig.results(o.id()).await;
    assert_eq!(results.len(), 1);
    assert_eq!((results[0].customer.as_str(), results[0].event.as_str(), results[0].sent), ("acme", "approved", 5));
    assert_eq!(results[0].version, o.life().version);
}

#[tokio::test]
async fn a_redelivered_message_sends_nothing_again() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-approval", 3);
    let o = change("CHG-2", "submitted", &["acme"], json!({}));
    rig.archive_and_trigger(&o).await;
    rig.processor.process(&code("acme"), o.id()).await.unwrap();
    assert_eq!(rig.processor.process(&code("acme"), o.id()).await.unwrap(), Outcome::AlreadyProcessed);
    // Even if the trigger were written again for the same version, the ledger stops repeats.
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.sent, s.already_sent), (0, 3));
    assert_eq!(rig.mailer.sent().len(), 3);
    let results = rig.results(o.id()).await;
    assert_eq!(results.len(), 1, "the result is written once");
    assert_eq!((results[0].sent, results[0].already_sent), (3, 0), "the first delivery's result stands");
}

#[tokio::test]
async fn restricted_recipients_hold_back_everyone_not_listed() {
    let rig = Rig::new().await;
    rig.subscribers("hts-nonprod", "aws-announce", 4);
    rig.contacts.add("hts-nonprod", "Alice@Example.com", &["aws-announce"]);
    let o = change("CHG-3", "completed", &["hts-nonprod"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("hts-nonprod"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.subscribers, s.restricted, s.sent), (5, 4, 1));
    assert_eq!(rig.mailer.sent()[0].email.to.as_str(), "Alice@Example.com");
}

#[tokio::test]
async fn a_cancellation_goes_to_approvers_unless_the_change_was_ever_approved() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-approval", 1);
    rig.subscribers("globex", "aws-announce", 1);
    let never = change("CHG-4", "cancelled", &["acme"], json!({}));
    let after = change("CHG-5", "cancelled", &["globex"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&never).await;
    rig.archive_and_trigger(&after).await;
    let Outcome::Sent(a) = rig.processor.process(&code("acme"), never.id()).await.unwrap() else { panic!() };
    let Outcome::Sent(b) = rig.processor.process(&code("globex"), after.id()).await.unwrap() else { panic!() };
    assert_eq!((a.topic.as_str(), b.topic.as_str()), ("aws-approval", "aws-announce"));
}

#[tokio::test]
async fn one_customers_ses_outage_neither_fails_nor_delays_another_customer() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 3);
    rig.subscribers("globex", "aws-announce", 3);
    rig.mailer.set("acme", Behaviour::Down);
    let o = change("CHG-6", "approved", &["acme", "globex"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;

    let acme = rig.processor.process(&code("acme"), o.id()).await;
    assert!(acme.as_ref().is_err_and(|e| e.retryable), "{acme:?}");
    assert!(rig.trigger_exists("acme", o.id()).await, "kept for the retry");
    let Outcome::Sent(g) = rig.processor.process(&code("globex"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(g.sent, 3);

    rig.mailer.set("acme", Behaviour::Accept);
    let Outcome::Sent(a) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(a.sent, 3);
    assert!(rig.mailer.counts().values().all(|n| *n == 1));
}

#[tokio::test]
async fn throttling_is_retried_and_access_denied_is_not() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 2);
    rig.subscribers("globex", "aws-announce", 2);
    rig.mailer.set("acme", Behaviour::Throttle);
    rig.mailer.set("globex", Behaviour::Deny);
    let o = change("CHG-7", "approved", &["acme", "globex"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    assert!(rig.processor.process(&code("acme"), o.id()).await.is_err_and(|e| e.retryable));
    let Outcome::Sent(g) = rig.processor.process(&code("globex"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((g.sent, g.rejected), (0, 2));
    assert!(!rig.trigger_exists("globex", o.id()).await, "a permanent refusal does not loop");
}

#[tokio::test]
async fn a_customer_without_a_contact_list_fails_permanently_and_alone() {
    let rig = Rig::new().await;
    rig.subscribers("globex", "aws-announce", 1);
    let o = change("CHG-8", "approved", &["acme", "globex"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let err = rig.processor.process(&code("acme"), o.id()).await.unwrap_err();
    assert!(!err.retryable, "{err}");
    assert!(rig.processor.process(&code("globex"), o.id()).await.is_ok());
}

#[tokio::test]
async fn drafts_deleted_objects_and_removed_customers_send_nothing() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-approval", 1);
    let draft = change("CHG-9", "draft", &["acme"], json!({}));
    rig.archive_and_trigger(&draft).await;
    assert!(matches!(rig.processor.process(&code("acme"), draft.id()).await.unwrap(), Outcome::NothingToSend(_)));
    let o = change("CHG-10", "submitted", &["acme"], json!({}));
    rig.archive_and_trigger(&o).await;
    // The customer was removed from the object after the trigger was written.
    let edited = change("CHG-10", "submitted", &["globex"], json!({}));
    rig.archive_and_trigger(&edited).await;
    assert!(matches!(rig.processor.process(&code("acme"), o.id()).await.unwrap(), Outcome::NothingToSend(_)));
    assert!(rig.mailer.sent().is_empty());
}

#[tokio::test]
async fn an_unknown_customer_is_a_permanent_error() {
    let rig = Rig::new().await;
    let o = change("CHG-11", "submitted", &["acme"], json!({}));
    let err = rig.processor.process(&code("nobody"), o.id()).await.unwrap_err();
    assert!(!err.retryable);
}

#[tokio::test]
async fn a_batch_reports_only_the_retryable_messages() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 1);
    rig.subscribers("globex", "aws-announce", 1);
    rig.mailer.set("globex", Behaviour::Down);
    let o = change("CHG-12", "approved", &["acme", "globex"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let event = |c: &str| {
        json!({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": format!("customers%2F{c}%2FCHG-12.json")}}}]}).to_string()
    };
    let batch: SqsEvent = serde_json::from_value(json!({"Records": [
        {"messageId": "m-acme", "body": event("acme")},
        {"messageId": "m-globex", "body": event("globex")},
        {"messageId": "m-junk", "body": "not json"},
        {"messageId": "m-test", "body": r#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#},
    ]}))
    .unwrap();
    let response = ccm_processor::handle_batch(&rig.processor, &batch).await;
    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["m-globex"]);
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": "m-globex"}]})
    );
}

#[tokio::test]
async fn the_processors_own_writes_are_ignored() {
    let mut rig = Rig::new().await;
    rig.processor.settings.own_principals = vec!["ccm-processor".into()];
    rig.subscribers("acme", "aws-announce", 1);
    let o = change("CHG-13", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let body = json!({"Records": [{"eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "AWS:AROA1:ccm-processor"},
        "s3": {"object": {"key": "customers/acme/CHG-13.json"}}}]});
    let batch: SqsEvent =
        serde_json::from_value(json!({"Records": [{"messageId": "m", "body": body.to_string()}]})).unwrap();
    ccm_processor::handle_batch(&rig.processor, &batch).await;
    assert!(rig.mailer.sent().is_empty());
}

mod meetings;

#[tokio::test]
async fn the_processors_log_lines_name_the_request_that_wrote_the_trigger() {
    let (_capture, logs) = ccm_testkit::logs::capture();
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-approval", 1);
    let o = change("CHG-traced", "submitted", &["acme"], json!({}));
    rig.archive_and_trigger(&o).await;
    let trigger = ccm_core::StorageKey::Trigger(code("acme"), o.id().clone());
    let options = ccm_core::ports::PutOptions::default().with_metadata("request-id", "req-from-the-api");
    ccm_core::ports::DocumentStore::put(&*rig.store, &trigger, bytes::Bytes::from(o.to_json()), options).await.unwrap();
    rig.processor.process(&code("acme"), o.id()).await.unwrap();
    let text = logs.text();
    let processed = text.lines().find(|l| l.contains("trigger processed")).expect("a line for the trigger");
    assert!(processed.contains("request=\"req-from-the-api\""), "{processed}");
}
