//! What the first mail of a fan-out waits for: the trigger and the archived object are read while
//! the customer's directory gets ready; the reads the notice depends on (last announced, the meeting)
//! run beside the first page of subscribers; and the first message goes out alone, before the others
//! of its fan-out take their share of the sender. Each test would hang (and time out) or see the
//! sends overlap if the processor did these one after another.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ccm_core::ports::{ContactDirectory, ContactError, MailError, Mailer, OutgoingEmail, SendReceipt, SubscriberPages};
use ccm_core::{CustomerCode, EmailAddress, StorageKey, TopicName};
use ccm_processor::Outcome;
use ccm_testkit::fakes::{FakeContacts, FakeMailer};
use ccm_testkit::hooked_store::{HookedStore, Op};
use futures::StreamExt;
use serde_json::json;
use tokio::sync::watch;

use crate::support::*;

/// The rig's contacts, telling when they were asked to get ready and when the first page was asked for.
struct Watched {
    inner: Arc<FakeContacts>,
    prepared: watch::Sender<bool>,
    listing: watch::Sender<bool>,
}

#[async_trait]
impl ContactDirectory for Watched {
    async fn list_name(&self, customer: &CustomerCode) -> Result<String, ContactError> {
        self.inner.list_name(customer).await
    }
    async fn subscribers(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<EmailAddress>, ContactError> {
        self.inner.subscribers(customer, topic).await
    }
    fn subscriber_pages<'a>(&'a self, customer: &'a CustomerCode, topic: &'a TopicName) -> SubscriberPages<'a> {
        let started = futures::stream::once(async { self.listing.send_replace(true) }).filter_map(|_| async { None });
        Box::pin(started.chain(self.inner.subscriber_pages(customer, topic)))
    }
    async fn prepare(&self, _: &CustomerCode) {
        self.prepared.send_replace(true);
    }
}

async fn until(flag: watch::Receiver<bool>) {
    let mut flag = flag;
    let _ = flag.wait_for(|set| *set).await;
}

#[tokio::test]
async fn the_directory_gets_ready_while_the_object_is_read_and_the_first_page_while_the_notice_is_decided() {
    let mut rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 3);
    let (prepared, prepared_rx) = watch::channel(false);
    let (listing, listing_rx) = watch::channel(false);
    rig.processor.contacts = Arc::new(Watched { inner: rig.contacts.clone(), prepared, listing });
    // The archived object is not read until the directory was asked to get ready, the results (last
    // announced) and meeting records not until the first page was asked for: done one after another,
    // the trigger would never finish.
    let o = change("CHG-FM1", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    let (archive, results) = (StorageKey::Archive(o.id().clone()).to_string(), StorageKey::results_prefix(o.id()));
    let gated = Arc::new(Mutex::new(Vec::new()));
    let seen = gated.clone();
    rig.processor.store = Arc::new(HookedStore::new(rig.store.clone(), move |op, key| {
        let wait = match op {
            Op::Get if key == archive => Some(prepared_rx.clone()),
            Op::List if key.starts_with(&results) => Some(listing_rx.clone()),
            _ => None,
        };
        if wait.is_some() {
            seen.lock().unwrap().push(format!("{op:?} {key}"));
        }
        Box::pin(async move {
            if let Some(flag) = wait {
                until(flag).await;
            }
        })
    }));
    rig.archive_and_trigger(&o).await;

    let outcome = tokio::time::timeout(Duration::from_secs(30), rig.processor.process(&code("acme"), o.id()))
        .await
        .expect("the processor read one thing after another")
        .unwrap();
    let Outcome::Sent(s) = outcome else { panic!("{outcome:?}") };
    assert_eq!(s.sent, 3);
    let gated = gated.lock().unwrap().clone();
    let listed = |prefix: String| gated.iter().any(|g| g == &format!("List {prefix}"));
    assert!(gated.contains(&format!("Get {}", StorageKey::Archive(o.id().clone()))), "{gated:?}");
    assert!(listed(StorageKey::results_prefix(o.id())), "last announced was looked up: {gated:?}");
    assert!(listed(ccm_core::model::meeting_prefix(o.id())), "the meeting records were read: {gated:?}");
}

/// The rig's mailer, taking a while per message and noting when each began and ended.
struct Slow {
    inner: Arc<FakeMailer>,
    log: Mutex<Vec<(bool, String)>>,
}

#[async_trait]
impl Mailer for Slow {
    async fn send(&self, customer: &CustomerCode, email: &OutgoingEmail) -> Result<SendReceipt, MailError> {
        self.log.lock().unwrap().push((true, email.to.as_str().to_owned()));
        tokio::time::sleep(Duration::from_millis(20)).await;
        let receipt = self.inner.send(customer, email).await;
        self.log.lock().unwrap().push((false, email.to.as_str().to_owned()));
        receipt
    }
}

#[tokio::test]
async fn the_first_message_goes_out_alone_and_the_rest_side_by_side() {
    let mut rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 12);
    let slow = Arc::new(Slow { inner: rig.mailer.clone(), log: Mutex::new(Vec::new()) });
    rig.processor.mailer = slow.clone();
    let o = change("CHG-FM2", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 12);

    let log = slow.log.lock().unwrap().clone();
    let (first_began, first) = log[0].clone();
    assert!(first_began);
    assert_eq!(log[1], (false, first), "another send began before the first ended: {log:?}");
    let mut in_flight: usize = 0;
    let mut most = 0;
    for (began, _) in &log[2..] {
        in_flight = if *began { in_flight + 1 } else { in_flight - 1 };
        most = most.max(in_flight);
    }
    assert!(most > 1, "after the first, the sends run side by side: {log:?}");
}
