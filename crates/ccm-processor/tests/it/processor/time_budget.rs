//! A fan-out within a time budget (the Lambda handler's deadline minus a margin): once the budget
//! is spent no send starts, the trigger stays and fails as out of time, and the batch handler hands
//! the message on as a new one; the next run sends the rest, nobody twice.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use ccm_processor::{Budget, Outcome, Requeue, SqsEvent, SqsMessage};
use ccm_testkit::fakes::FakeMailer;
use serde_json::json;

use crate::support::*;

/// Spent once `n` mails went out.
fn after_sends(mailer: &Arc<FakeMailer>, n: usize) -> Budget {
    let mailer = mailer.clone();
    Budget::from_fn(move || mailer.sent().len() >= n)
}

fn approved(id: &str) -> ccm_core::Object {
    change(id, "approved", &["acme"], json!({"approvedBy": "bob@example.com"}))
}

#[tokio::test]
async fn out_of_time_mid_fan_out_the_trigger_stays_and_the_next_run_sends_the_rest_once() {
    let mut rig = Rig::new().await;
    rig.processor.settings.send_concurrency = 1;
    rig.subscribers("acme", "aws-announce", 10);
    let o = approved("CHG-TB1");
    rig.archive_and_trigger(&o).await;

    let err = after_sends(&rig.mailer, 3).run(rig.processor.process(&code("acme"), o.id())).await.unwrap_err();
    assert!(err.out_of_time && err.retryable, "{err:?}");
    assert_eq!(rig.mailer.sent().len(), 3, "no send starts once the budget is spent");
    assert!(rig.trigger_exists("acme", o.id()).await, "the trigger stays for the next run");
    assert!(rig.results(o.id()).await.is_empty(), "no result before the fan-out is done");

    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!((s.sent, s.already_sent), (7, 3));
    assert_eq!(rig.mailer.sent().len(), 10);
    assert!(rig.mailer.counts().values().all(|n| *n == 1), "nobody twice");
    assert!(!rig.trigger_exists("acme", o.id()).await);
}

#[tokio::test]
async fn a_budget_spent_before_the_first_send_is_a_plain_retry() {
    let rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 2);
    let o = approved("CHG-TB2");
    rig.archive_and_trigger(&o).await;
    let err = Budget::from_fn(|| true).run(rig.processor.process(&code("acme"), o.id())).await.unwrap_err();
    assert!(err.retryable && !err.out_of_time, "no progress: it must not hand itself on forever ({err:?})");
    assert!(rig.mailer.sent().is_empty());
}

/// Records the messages handed on; fails when told to.
#[derive(Default)]
struct Handed {
    ids: Mutex<Vec<String>>,
    fail: bool,
}

#[async_trait]
impl Requeue for Handed {
    async fn requeue(&self, message: &SqsMessage) -> Result<(), String> {
        if self.fail {
            return Err("SendMessage: AccessDenied".into());
        }
        self.ids.lock().unwrap().push(message.message_id.clone().unwrap_or_default());
        Ok(())
    }
}

fn batch(id: &str) -> SqsEvent {
    let body = json!({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": format!("customers/acme/{id}.json")}}}]});
    serde_json::from_value(json!({"Records": [{"messageId": "m-1", "body": body.to_string()}]})).unwrap()
}

#[tokio::test]
async fn the_batch_handler_hands_an_out_of_time_message_on_instead_of_retrying_it() {
    let mut rig = Rig::new().await;
    rig.processor.settings.send_concurrency = 1;
    rig.subscribers("acme", "aws-announce", 5);
    let o = approved("CHG-TB3");
    rig.archive_and_trigger(&o).await;
    let handed = Handed::default();
    let response =
        ccm_processor::handle_batch_within(&rig.processor, &batch("CHG-TB3"), after_sends(&rig.mailer, 2), &handed)
            .await;
    assert!(response.batch_item_failures.is_empty(), "acknowledged: its copy carries on");
    assert_eq!(*handed.ids.lock().unwrap(), ["m-1"]);
    assert_eq!(rig.mailer.sent().len(), 2);

    // The copy, in the next invocation: the rest, once each.
    let response =
        ccm_processor::handle_batch_within(&rig.processor, &batch("CHG-TB3"), Budget::from_fn(|| false), &handed).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(handed.ids.lock().unwrap().len(), 1, "done: not handed on again");
    assert_eq!(rig.mailer.sent().len(), 5);
    assert!(rig.mailer.counts().values().all(|n| *n == 1));
}

#[tokio::test]
async fn a_message_that_cannot_be_handed_on_is_retried() {
    let mut rig = Rig::new().await;
    rig.processor.settings.send_concurrency = 1;
    rig.subscribers("acme", "aws-announce", 5);
    let o = approved("CHG-TB4");
    rig.archive_and_trigger(&o).await;
    let handed = Handed { fail: true, ..Handed::default() };
    let response =
        ccm_processor::handle_batch_within(&rig.processor, &batch("CHG-TB4"), after_sends(&rig.mailer, 2), &handed)
            .await;
    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["m-1"], "SQS redelivers it after the visibility timeout");
}
