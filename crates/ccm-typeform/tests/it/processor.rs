//! Through the processor: a completed change for two customers, delivered twice, makes one form per
//! customer, and every notice links its customer's form.

use std::sync::Arc;

use bytes::Bytes;
use ccm_core::StorageKey;
use ccm_core::config::AppConfig;
use ccm_core::ports::{Clock, DocumentStore, PutOptions};
use ccm_processor::{Outcome, Processor, Settings};
use ccm_testkit::MemoryStore;
use ccm_testkit::fakes::{FakeContacts, FakeLedger, FakeMailer};
use chrono::{DateTime, Utc};

use crate::stub::Stub;
use crate::{adapter, completed};

struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> DateTime<Utc> {
        "2026-06-10T16:06:00Z".parse().unwrap()
    }
}

#[tokio::test]
async fn a_completion_delivered_twice_makes_one_form_per_customer_and_links_it_in_every_notice() {
    let stub = Stub::start().await;
    let store = Arc::new(MemoryStore::new());
    let contacts = Arc::new(FakeContacts::new());
    for c in ["acme", "globex"] {
        for who in ["ops", "noc"] {
            contacts.add(c, &format!("{who}@{c}.example.com"), &["aws-announce"]);
        }
    }
    let mailer = Arc::new(FakeMailer::new());
    let config = AppConfig::from_json(include_str!("../../../../config.json")).unwrap();
    let processor = Processor {
        store: store.clone(),
        contacts,
        mailer: mailer.clone(),
        ledger: Arc::new(FakeLedger::new()),
        calendar: None,
        surveys: Some(Arc::new(adapter(&stub, &store))),
        config: Arc::new(config),
        clock: Arc::new(Fixed),
        settings: Settings::default(),
    };
    let o = completed("CHG-P1", &["acme", "globex"]);
    let body = Bytes::from(o.to_json());
    store.put(&StorageKey::Archive(o.id().clone()), body.clone(), PutOptions::default()).await.unwrap();
    for round in 0..2 {
        for c in o.customers() {
            let trigger = StorageKey::Trigger(c.clone(), o.id().clone());
            store.put(&trigger, body.clone(), PutOptions::default()).await.unwrap();
            let outcome = processor.process(c, o.id()).await.unwrap();
            assert!(matches!(outcome, Outcome::Sent(_)), "round {round}: {outcome:?}");
        }
    }
    let forms = stub.forms();
    assert_eq!(forms.len(), 2, "one form per customer, however often the trigger comes");
    assert_eq!(stub.count("POST /forms"), 2);
    let sent = mailer.sent();
    assert_eq!(sent.len(), 4, "the ledger stops the second round's sends");
    for m in sent {
        let form = forms.iter().find(|f| f["title"].as_str().unwrap().contains(&format!("/{}]", m.customer))).unwrap();
        let display = form["_links"]["display"].as_str().unwrap();
        let link = format!(
            "{display}#object_id=CHG-P1&event_type=change&event_subtype=general&customer_code={}&year=2026&quarter=2",
            m.customer
        );
        assert!(m.email.text.contains(&link), "{} got {}", m.email.to, m.email.text);
        assert!(m.email.html.contains(&link.replace('&', "&amp;")));
    }
}
