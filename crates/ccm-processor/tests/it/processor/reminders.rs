//! Reminders: the sweep over the index hands due reminders to the processor, which decides again
//! on the archived object and sends through the ledger. A movable clock drives time.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use ccm_core::config::AppConfig;
use ccm_core::ports::{Clock, DocumentStore, IndexEntry, ObjectIndex, PutOptions, list_all};
use ccm_core::reminders::DueReminder;
use ccm_core::{Object, StorageKey};
use ccm_embedded::MemoryIndex;
use ccm_processor::{Outcome, SqsEvent, Sweep};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::*;

/// A clock the test moves.
struct MovableClock(Mutex<DateTime<Utc>>);
impl MovableClock {
    fn at(t: &str) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t.parse().unwrap())))
    }
    fn set(&self, t: &str) {
        *self.0.lock().unwrap() = t.parse().unwrap();
    }
}
impl Clock for MovableClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// The example config with `reminders` set to `reminders`.
fn config_with(reminders: Value) -> Arc<AppConfig> {
    let mut v: Value = serde_json::from_str(include_str!("../../../../../config.json")).unwrap();
    v["reminders"] = reminders;
    Arc::new(AppConfig::from_json(&v.to_string()).unwrap())
}

struct Reminders {
    rig: Rig,
    index: Arc<MemoryIndex>,
    clock: Arc<MovableClock>,
    sweep: Sweep,
}

impl Reminders {
    async fn new(reminders: Value, now: &str) -> Self {
        let config = config_with(reminders);
        let mut rig = Rig::with_config(config.clone()).await;
        let clock = MovableClock::at(now);
        rig.processor.clock = clock.clone();
        let index = Arc::new(MemoryIndex::new());
        let sweep = Sweep { store: rig.store.clone(), index: index.clone(), config, clock: clock.clone() };
        Self { rig, index, clock, sweep }
    }

    /// Archives `object` (no status trigger: its status notice is not under test) and indexes it.
    async fn archive(&self, object: &Object) {
        let key = StorageKey::Archive(object.id().clone());
        self.rig.store.put(&key, Bytes::from(object.to_json()), PutOptions::default()).await.unwrap();
        self.index.upsert(IndexEntry::from_object(object)).await.unwrap();
    }

    /// The reminder triggers waiting in the store.
    async fn waiting(&self) -> Vec<DueReminder> {
        let listed = list_all(&*self.rig.store, StorageKey::CUSTOMERS_PREFIX).await.unwrap();
        listed.iter().filter_map(|l| DueReminder::from_key(&StorageKey::parse(&l.key).ok()?)).collect()
    }

    /// Processes every waiting reminder trigger, as the customers' queues would.
    async fn drain(&self) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        for due in self.waiting().await {
            outcomes.push(self.rig.processor.remind(&due).await.unwrap());
        }
        outcomes
    }

    /// A sweep, then every trigger it wrote processed.
    async fn sweep_and_drain(&self) -> Vec<Outcome> {
        self.sweep.run(false).await.unwrap();
        self.drain().await
    }

    /// Mails sent per (customer, recipient), all of them 1.
    fn sent_once_each(&self) -> bool {
        self.rig.mailer.counts().values().all(|n| *n == 1)
    }
}

/// An approved change whose window starts 2026-06-10T14:00:00Z.
fn approved(id: &str, version: u32, extra: Value) -> Object {
    let mut fields = json!({"approvedBy": "bob@example.com", "version": version});
    for (k, v) in extra.as_object().unwrap() {
        fields[k] = v.clone();
    }
    change(id, "approved", &["acme", "globex"], fields)
}

#[tokio::test]
async fn a_due_reminder_is_sent_once_to_the_audience_topic_and_recorded() {
    let r = Reminders::new(json!({}), "2026-06-08T15:00:00Z").await;
    r.rig.subscribers("acme", "aws-announce", 3);
    r.rig.subscribers("globex", "aws-announce", 2);
    r.rig.subscribers("acme", "aws-approval", 4);
    let o = approved("CHG-R1", 2, json!({}));
    r.archive(&o).await;

    assert!(r.sweep_and_drain().await.is_empty(), "47 hours ahead: not due with the default 24 hours");
    r.clock.set("2026-06-09T15:00:00Z");
    let outcomes = r.sweep_and_drain().await;
    assert_eq!(outcomes.len(), 2, "one per customer");
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Sent(s) if s.event == "reminder" && s.topic == "aws-announce"))
    );
    let sent = r.rig.mailer.sent();
    assert_eq!(sent.len(), 5, "the audience only, not the approvers");
    assert!(sent.iter().all(|m| m.email.subject == "⏰ Starts in about 23 hours: Rotate certificates"));
    assert!(sent.iter().all(|m| m.email.list_management.as_ref().unwrap().1.as_str() == "aws-announce"));
    let keys = r.rig.result_keys(o.id()).await;
    assert_eq!(keys, ["results/CHG-R1/v2/acme/reminder.json", "results/CHG-R1/v2/globex/reminder.json"]);
    assert!(r.waiting().await.is_empty(), "the triggers are finished");

    // Every later sweep inside the lead time finds it sent.
    r.clock.set("2026-06-10T10:00:00Z");
    let report = r.sweep.run(false).await.unwrap();
    assert_eq!((report.handed_off, report.already_sent), (0, 2));
    assert!(r.drain().await.is_empty());
    assert_eq!(r.rig.mailer.sent().len(), 5);
}

#[tokio::test]
async fn two_sweeps_at_once_send_nothing_twice() {
    let r = Reminders::new(json!({}), "2026-06-09T20:00:00Z").await;
    r.rig.subscribers("acme", "aws-announce", 3);
    r.rig.subscribers("globex", "aws-announce", 3);
    r.archive(&approved("CHG-R2", 2, json!({}))).await;

    let (a, b) = tokio::join!(r.sweep.run(false), r.sweep.run(false));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.handed_off + b.handed_off, 2, "each trigger is written once");
    assert_eq!(a.pending + b.pending + a.already_sent + b.already_sent, 2);
    // One trigger per (customer, object version, kind): a queue delivers each to one processor.
    assert_eq!(r.drain().await.len(), 2);
    r.sweep_and_drain().await;
    let (c, d) = tokio::join!(r.sweep.run(false), r.sweep.run(false));
    assert_eq!(c.unwrap().handed_off + d.unwrap().handed_off, 0);
    assert_eq!(r.rig.mailer.sent().len(), 6);
    assert!(r.sent_once_each());
}

#[tokio::test]
async fn a_redelivered_hand_off_sends_nothing_twice() {
    let r = Reminders::new(json!({}), "2026-06-09T20:00:00Z").await;
    r.rig.subscribers("acme", "aws-announce", 3);
    let o = change("CHG-R3", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    r.archive(&o).await;
    r.sweep.run(false).await.unwrap();
    let body = json!({"Records": [{"eventName": "ObjectCreated:Put",
        "s3": {"object": {"key": "customers/acme/reminders/CHG-R3/v2/reminder.json"}}}]});
    let batch: SqsEvent =
        serde_json::from_value(json!({"Records": [{"messageId": "m", "body": body.to_string()}]})).unwrap();

    // The same message twice (SQS delivers at least once).
    for _ in 0..2 {
        let response = ccm_processor::handle_batch(&r.rig.processor, &batch).await;
        assert!(response.batch_item_failures.is_empty());
    }
    assert_eq!(r.rig.mailer.sent().len(), 3);

    // A crash after the sends but before the result: the trigger is written again and the result is
    // missing. The ledger knows every recipient was sent to.
    let due =
        DueReminder::from_key(&StorageKey::parse("customers/acme/reminders/CHG-R3/v2/reminder.json").unwrap()).unwrap();
    r.rig.store.delete(&due.result_key()).await.unwrap();
    r.rig.store.put(&due.trigger_key(), Bytes::from_static(b"{}"), PutOptions::default()).await.unwrap();
    ccm_processor::handle_batch(&r.rig.processor, &batch).await;
    let results = r.rig.results(o.id()).await;
    assert_eq!((results[0].sent, results[0].already_sent), (0, 3));
    assert_eq!(r.rig.mailer.sent().len(), 3);
}

#[tokio::test]
async fn a_window_moved_after_the_sweep_gets_no_reminder_for_the_old_version_and_one_for_the_new() {
    let r = Reminders::new(json!({}), "2026-06-09T20:00:00Z").await;
    r.rig.subscribers("acme", "aws-announce", 2);
    r.rig.subscribers("globex", "aws-announce", 1);
    r.archive(&approved("CHG-R4", 2, json!({}))).await;
    r.sweep.run(false).await.unwrap();
    assert_eq!(r.waiting().await.len(), 2, "found due for version 2");

    // Before the queue gets to it, the change is edited and approved again three days later.
    let moved = approved(
        "CHG-R4",
        4,
        json!({"implementationStart": "2026-06-13T14:00:00Z", "implementationEnd": "2026-06-13T16:00:00Z"}),
    );
    r.archive(&moved).await;
    let outcomes = r.drain().await;
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::NothingToSend(why) if why.contains("version 4"))),
        "{outcomes:?}"
    );
    assert!(r.rig.mailer.sent().is_empty());
    assert!(r.sweep_and_drain().await.is_empty(), "the new window is not due yet");

    r.clock.set("2026-06-12T20:00:00Z");
    r.sweep_and_drain().await;
    let sent = r.rig.mailer.sent();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|m| m.email.subject.starts_with("⏰ Starts in about 18 hours")));
    assert_eq!(r.rig.result_keys(moved.id()).await.len(), 2);
    assert!(r.rig.result_keys(moved.id()).await.iter().all(|k| k.contains("/v4/")));
}

#[tokio::test]
async fn a_window_moved_without_a_new_version_in_the_index_is_checked_on_the_archive() {
    // The index still says the old start (it lags the bucket); the archive has the same version but a
    // start outside the range (an object written by hand): the archive wins.
    let r = Reminders::new(json!({}), "2026-06-09T20:00:00Z").await;
    r.rig.subscribers("acme", "aws-announce", 2);
    let o = approved("CHG-R5", 2, json!({}));
    r.archive(&o).await;
    let later = approved("CHG-R5", 2, json!({"implementationStart": "2026-06-20T14:00:00Z"}));
    let key = StorageKey::Archive(later.id().clone());
    r.rig.store.put(&key, Bytes::from(later.to_json()), PutOptions::default()).await.unwrap();
    let outcomes = r.sweep_and_drain().await;
    assert!(outcomes.iter().all(|o| matches!(o, Outcome::NothingToSend(why) if why.contains("outside"))));
    assert!(r.rig.mailer.sent().is_empty());
}

#[tokio::test]
async fn a_cancelled_object_gets_no_reminder() {
    let r = Reminders::new(json!({}), "2026-06-09T20:00:00Z").await;
    r.rig.subscribers("acme", "aws-announce", 2);
    r.archive(&approved("CHG-R6", 2, json!({}))).await;
    r.sweep.run(false).await.unwrap();
    r.archive(&change(
        "CHG-R6",
        "cancelled",
        &["acme", "globex"],
        json!({"version": 3, "approvedBy": "bob@example.com"}),
    ))
    .await;
    let outcomes = r.drain().await;
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.iter().all(|o| matches!(o, Outcome::NothingToSend(_))));
    assert!(r.sweep_and_drain().await.is_empty(), "a cancelled object is never due");
    assert!(r.rig.mailer.sent().is_empty());
}

#[tokio::test]
async fn a_customer_with_reminders_off_gets_none() {
    let r = Reminders::new(json!({"disabled_customers": ["globex"]}), "2026-06-09T20:00:00Z").await;
    r.rig.subscribers("acme", "aws-announce", 1);
    r.rig.subscribers("globex", "aws-announce", 1);
    let o = approved("CHG-R7", 2, json!({}));
    r.archive(&o).await;
    let report = r.sweep.run(false).await.unwrap();
    assert_eq!(report.due.iter().map(|d| d.customer.as_str()).collect::<Vec<_>>(), ["acme"]);
    r.drain().await;
    // A trigger for globex written anyway (an older sweep's config) is refused by the processor.
    let forced = DueReminder { customer: code("globex"), ..report.due[0].clone() };
    r.rig.store.put(&forced.trigger_key(), Bytes::from_static(b"{}"), PutOptions::default()).await.unwrap();
    assert!(matches!(r.rig.processor.remind(&forced).await.unwrap(), Outcome::NothingToSend(_)));
    let counts = r.rig.mailer.counts();
    assert_eq!(counts.keys().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), ["acme"]);
}

#[tokio::test]
async fn a_topic_lead_time_overrides_the_default() {
    let r = Reminders::new(
        json!({"lead_hours_by_topic": {"aws-announce": 48, "finops-announce": 2}}),
        "2026-06-08T20:00:00Z",
    )
    .await;
    r.rig.subscribers("acme", "aws-announce", 1);
    r.archive(&change("CHG-R8", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}))).await;
    // 42 hours ahead: inside aws-announce's 48.
    r.sweep_and_drain().await;
    assert_eq!(r.rig.mailer.sent().len(), 1);
    assert!(r.rig.mailer.sent()[0].email.subject.contains("about 42 hours"));

    let default_only = Reminders::new(json!({}), "2026-06-08T20:00:00Z").await;
    default_only.rig.subscribers("acme", "aws-announce", 1);
    default_only.archive(&change("CHG-R8", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}))).await;
    default_only.sweep_and_drain().await;
    assert!(default_only.rig.mailer.sent().is_empty(), "the default 24 hours: not yet");
}

#[tokio::test]
async fn approvers_are_reminded_after_the_configured_wait_and_not_before() {
    let r = Reminders::new(json!({"approval_reminder_after_hours": 48}), "2026-06-02T12:00:00Z").await;
    r.rig.subscribers("acme", "aws-approval", 2);
    r.rig.subscribers("acme", "aws-announce", 5);
    let o = change(
        "CHG-R9",
        "submitted",
        &["acme"],
        json!({"submittedAt": "2026-06-01T00:00:00Z", "modifiedAt": "2026-06-01T00:00:00Z", "submittedBy": "alice@example.com"}),
    );
    r.archive(&o).await;
    assert!(r.sweep_and_drain().await.is_empty(), "36 hours: not yet");
    r.clock.set("2026-06-03T01:00:00Z");
    let outcomes = r.sweep_and_drain().await;
    assert!(matches!(&outcomes[..], [Outcome::Sent(s)] if s.event == "approval_reminder" && s.topic == "aws-approval"));
    let sent = r.rig.mailer.sent();
    assert_eq!(sent.len(), 2, "the approvers only");
    assert!(sent[0].email.subject.starts_with("⏳ Still waiting for approval: Rotate certificates"));
    assert!(sent[0].email.text.contains("waiting for approval for about 49 hours"));
    r.clock.set("2026-06-04T01:00:00Z");
    r.sweep_and_drain().await;
    assert_eq!(r.rig.mailer.sent().len(), 2, "once per version");
}

#[tokio::test]
async fn a_dry_run_reports_what_is_due_and_writes_nothing() {
    let r = Reminders::new(json!({}), "2026-06-09T20:00:00Z").await;
    r.archive(&approved("CHG-R10", 2, json!({}))).await;
    let report = r.sweep.run(true).await.unwrap();
    assert_eq!(report.due.len(), 2);
    assert_eq!(report.handed_off, 0);
    assert!(r.waiting().await.is_empty());
}

#[tokio::test]
async fn a_reminder_reads_its_trigger_its_result_and_the_object_side_by_side() {
    let mut r = Reminders::new(json!({}), "2026-06-09T15:00:00Z").await;
    r.rig.subscribers("acme", "aws-announce", 2);
    r.rig.subscribers("globex", "aws-announce", 1);
    let o = approved("CHG-R9", 2, json!({}));
    r.archive(&o).await;
    r.sweep.run(false).await.unwrap();
    // Each of the three reads waits until all three were asked for: one after another, they never end.
    let meets = Arc::new(tokio::sync::Barrier::new(3));
    let archive = StorageKey::Archive(o.id().clone()).to_string();
    r.rig.processor.store =
        Arc::new(ccm_testkit::hooked_store::HookedStore::new(r.rig.store.clone(), move |op, key| {
            use ccm_testkit::hooked_store::Op;
            let gated = match op {
                Op::Head => key.starts_with("customers/") || key.starts_with("results/"),
                Op::Get => key == archive,
                _ => false,
            };
            let meets = meets.clone();
            Box::pin(async move {
                if gated {
                    meets.wait().await;
                }
            })
        }));
    let outcomes = tokio::time::timeout(std::time::Duration::from_secs(30), r.drain())
        .await
        .expect("the reminder read one thing after another");
    assert!(outcomes.iter().all(|o| matches!(o, Outcome::Sent(s) if s.event == "reminder")), "{outcomes:?}");
    assert_eq!(r.rig.mailer.sent().len(), 3);
}
