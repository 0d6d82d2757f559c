//! Event-to-first-send: how long a customer waits for its first message after the processor receives
//! the trigger's event, for the processor's streaming fan-out and for the previous strategy, which read
//! the whole subscriber list before the first send ([`ReadAllFirst`]). Measured twice per run: cold (the
//! fan-out itself: each customer's role, contact list and quota are looked up first) and warm (a second
//! approved change right after, as a processor that has already served the customer sees it; only its
//! first sends are waited for, then it is stopped).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use ccm_core::ports::{ContactDirectory, ContactError, DocumentStore, PutOptions};
use ccm_core::{CustomerCode, EmailAddress, Object, StorageKey, TopicName};
use ccm_embedded::{EmbeddedStore, TriggerWritten};
use ccm_processor::Processor;

use crate::stub::Stub;

/// How the processor reaches its first send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Subscribers streamed page by page into the sender (the processor today).
    Streaming,
    /// The previous strategy: the whole list read (`ContactDirectory::subscribers`) before any send.
    ReadAllFirst,
}

impl Strategy {
    pub fn label(self) -> &'static str {
        match self {
            Strategy::Streaming => "streaming",
            Strategy::ReadAllFirst => "previous: read all first",
        }
    }
}

/// The SES gateway seen as a directory without pages: `subscriber_pages` is the port's default, one
/// page holding `subscribers()`, the gateway's listing of every page before returning. Everything else
/// is the gateway's, so the two strategies differ in the listing alone.
pub struct ReadAllFirst(pub Arc<dyn ContactDirectory>);

#[async_trait]
impl ContactDirectory for ReadAllFirst {
    async fn list_name(&self, customer: &CustomerCode) -> Result<String, ContactError> {
        self.0.list_name(customer).await
    }
    async fn subscribers(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<EmailAddress>, ContactError> {
        self.0.subscribers(customer, topic).await
    }
    async fn prepare(&self, customer: &CustomerCode) {
        self.0.prepare(customer).await
    }
}

/// When each customer's trigger event reached the processor.
pub type Received = BTreeMap<String, Instant>;

/// The warm measurement: when it started and when each customer's event arrived.
pub struct Warm {
    pub started: Instant,
    pub received: Received,
}

/// A second approved change to every customer of `first`, processed by the same (now warm) processor
/// until every account has accepted one send of it (or 20 s), then stopped.
pub async fn warm(processor: Arc<Processor>, embedded: &Arc<EmbeddedStore>, first: &Object, stub: &Stub) -> Warm {
    // Let every account's quota refill from the fan-out, so the first send is not held by the limiter.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut value: serde_json::Value = serde_json::from_slice(&first.to_json()).expect("the change as JSON");
    value["changeId"] = "CHG-fanout-2".into();
    let second = Object::from_json(value.to_string().as_bytes()).expect("the second change");
    let store: Arc<dyn DocumentStore> = embedded.clone();
    let body = Bytes::from(second.to_json());
    store.put(&StorageKey::Archive(second.id().clone()), body.clone(), PutOptions::default()).await.expect("archive");
    let mut events = embedded.subscribe_triggers();
    let expected = second.customers().len();
    let started = Instant::now();
    let consumer = tokio::spawn(async move {
        let (mut received, mut tasks) = (Received::new(), Vec::new());
        while received.len() < expected {
            let Some(TriggerWritten { key, .. }) = events.recv().await else { break };
            let StorageKey::Trigger(customer, id) = key else { continue };
            received.insert(customer.to_string(), Instant::now());
            let processor = processor.clone();
            tasks.push(tokio::spawn(async move { processor.process(&customer, &id).await }));
        }
        (received, tasks)
    });
    for customer in second.customers() {
        let trigger = StorageKey::Trigger(customer.clone(), second.id().clone());
        store.put(&trigger, body.clone(), PutOptions::default()).await.expect("trigger");
    }
    let (received, tasks) = consumer.await.expect("the warm consumer");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let logs = stub.logs();
        let waiting = logs.values().filter(|l| !l.accepted.iter().any(|a| a.at >= started)).count();
        if waiting == 0 && logs.len() >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for task in tasks {
        task.abort();
    }
    Warm { started, received }
}
