//! Shared set-up for the processor tests: an embedded store, fakes for contacts, mail and ledger,
//! the example config, and helpers to archive an object and write its triggers.

#![allow(dead_code)]

use std::sync::Arc;

use bytes::Bytes;
use ccm_core::config::AppConfig;
use ccm_core::ports::{Clock, DocumentStore, PutOptions};
use ccm_core::{CustomerCode, Object, ObjectId, StorageKey};
use ccm_embedded::EmbeddedStore;
use ccm_processor::{Processor, Settings};
use ccm_testkit::fakes::{FakeContacts, FakeLedger, FakeMailer};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        "2026-06-01T12:00:00Z".parse().unwrap()
    }
}

pub fn config() -> Arc<AppConfig> {
    Arc::new(AppConfig::from_json(include_str!("../../../../../config.json")).unwrap())
}

pub struct Rig {
    pub dir: tempfile::TempDir,
    pub store: Arc<EmbeddedStore>,
    pub contacts: Arc<FakeContacts>,
    pub mailer: Arc<FakeMailer>,
    pub ledger: Arc<FakeLedger>,
    pub processor: Processor,
}

impl Rig {
    pub async fn new() -> Self {
        Self::with_config(config()).await
    }

    pub async fn with_config(config: Arc<AppConfig>) -> Self {
        // Every callsite registers with the testkit's log subscriber before a test captures.
        ccm_testkit::logs::install();
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).await.unwrap();
        let contacts = Arc::new(FakeContacts::new());
        let mailer = Arc::new(FakeMailer::new());
        let ledger = Arc::new(FakeLedger::new());
        let processor = Processor {
            store: store.clone(),
            contacts: contacts.clone(),
            mailer: mailer.clone(),
            ledger: ledger.clone(),
            calendar: None,
            surveys: None,
            config,
            clock: Arc::new(FixedClock),
            settings: Settings::default(),
        };
        Self { dir, store, contacts, mailer, ledger, processor }
    }

    /// `n` subscribers of `topic` for `customer`: `user{i}@{customer}.example.com`.
    pub fn subscribers(&self, customer: &str, topic: &str, n: usize) {
        for i in 0..n {
            self.contacts.add(customer, &format!("user{i}@{customer}.example.com"), &[topic]);
        }
    }

    /// Archives `object` and writes a trigger for each of its customers.
    pub async fn archive_and_trigger(&self, object: &Object) {
        let body = Bytes::from(object.to_json());
        self.store.put(&StorageKey::Archive(object.id().clone()), body.clone(), PutOptions::default()).await.unwrap();
        for c in object.customers() {
            self.store
                .put(&StorageKey::Trigger(c.clone(), object.id().clone()), body.clone(), PutOptions::default())
                .await
                .unwrap();
        }
    }

    pub async fn archived(&self, id: &ObjectId) -> Object {
        let doc = self.store.get(&StorageKey::Archive(id.clone())).await.unwrap().unwrap();
        Object::from_json(&doc.body).unwrap()
    }

    /// The delivery results written for `id`, in key order.
    pub async fn results(&self, id: &ObjectId) -> Vec<ccm_core::model::DeliveryResult> {
        let mut out = Vec::new();
        for listed in ccm_core::ports::list_all(&*self.store, &StorageKey::results_prefix(id)).await.unwrap() {
            let key = StorageKey::parse(&listed.key).unwrap();
            if let StorageKey::Result { .. } = key {
                let doc = self.store.get(&key).await.unwrap().unwrap();
                out.push(serde_json::from_slice(&doc.body).unwrap());
            }
        }
        out
    }

    /// The keys under `results/{id}/`.
    pub async fn result_keys(&self, id: &ObjectId) -> Vec<String> {
        let listed = ccm_core::ports::list_all(&*self.store, &StorageKey::results_prefix(id)).await.unwrap();
        listed.into_iter().map(|l| l.key).collect()
    }

    /// The keys under `feedback/{id}/` (SES's delivery feedback).
    pub async fn feedback_keys(&self, id: &ObjectId) -> Vec<String> {
        let listed = ccm_core::ports::list_all(&*self.store, &StorageKey::feedback_prefix(id)).await.unwrap();
        listed.into_iter().map(|l| l.key).collect()
    }

    pub async fn trigger_exists(&self, customer: &str, id: &ObjectId) -> bool {
        self.store.head(&StorageKey::Trigger(code(customer), id.clone())).await.unwrap().is_some()
    }
}

pub fn code(c: &str) -> CustomerCode {
    CustomerCode::parse(c).unwrap()
}

pub fn change(id: &str, status: &str, customers: &[&str], extra: Value) -> Object {
    let mut v = json!({
        "changeId": id,
        "changeTitle": "Rotate certificates",
        "changeReason": "Expiry",
        "implementationPlan": "Deploy",
        "customers": customers,
        "implementationStart": "2026-06-10T14:00:00Z",
        "implementationEnd": "2026-06-10T16:00:00Z",
        "timezone": "America/New_York",
        "status": status,
        "version": 2,
        "createdBy": "alice@example.com",
        "unknownField": {"kept": true}
    });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    Object::from_json(v.to_string().as_bytes()).unwrap()
}
