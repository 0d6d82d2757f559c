//! Inspectable fakes of the messaging ports, for processor and end-to-end tests.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use ccm_core::ports::{
    ContactDirectory, ContactError, DeliveryKey, DeliveryLedger, LedgerError, MailError, Mailer, OutgoingEmail,
    Recorded, Reservation, SendReceipt, Subscriber, SubscriberPages,
};
use ccm_core::{CustomerCode, EmailAddress, TopicName};

/// A sent message as the fake mailer saw it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub customer: CustomerCode,
    pub email: OutgoingEmail,
    /// The message id the fake answered with.
    pub message_id: String,
}

/// How the fake mailer answers a customer's sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Accept,
    Throttle,
    Down,
    Deny,
}

#[derive(Default)]
pub struct FakeMailer {
    sent: Mutex<Vec<Sent>>,
    behaviour: Mutex<HashMap<CustomerCode, Behaviour>>,
    counter: AtomicU64,
}

impl FakeMailer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn set(&self, customer: &str, b: Behaviour) {
        if let Ok(c) = CustomerCode::parse(customer) {
            self.behaviour.lock().unwrap_or_else(|e| e.into_inner()).insert(c, b);
        }
    }
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// (customer, lower-cased recipient) → how many messages.
    pub fn counts(&self) -> BTreeMap<(String, String), usize> {
        let mut out = BTreeMap::new();
        for s in self.sent() {
            *out.entry((s.customer.to_string(), s.email.to.normalized())).or_insert(0) += 1;
        }
        out
    }
}

#[async_trait]
impl Mailer for FakeMailer {
    async fn send(&self, customer: &CustomerCode, email: &OutgoingEmail) -> Result<SendReceipt, MailError> {
        let b = self
            .behaviour
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(customer)
            .copied()
            .unwrap_or(Behaviour::Accept);
        match b {
            Behaviour::Accept => {}
            Behaviour::Throttle => return Err(MailError::Throttled("Maximum sending rate exceeded".into())),
            Behaviour::Down => return Err(MailError::Unavailable("503 Service Unavailable".into())),
            Behaviour::Deny => return Err(MailError::Rejected("AccessDenied".into())),
        }
        let message_id = format!("fake-{}", self.counter.fetch_add(1, Ordering::Relaxed));
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).push(Sent {
            customer: customer.clone(),
            email: email.clone(),
            message_id: message_id.clone(),
        });
        Ok(SendReceipt { message_id })
    }
}

/// One contact: the address, the topics it opted in to, and its time zone.
type Contact = (EmailAddress, HashSet<String>, Option<chrono_tz::Tz>);

/// Contacts per customer.
#[derive(Default)]
pub struct FakeContacts {
    lists: Mutex<HashMap<CustomerCode, Vec<Contact>>>,
}

impl FakeContacts {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&self, customer: &str, email: &str, topics: &[&str]) {
        self.add_in_zone(customer, email, topics, None);
    }

    /// [`add`](Self::add) for a contact that reads times in `zone`.
    pub fn add_in_zone(&self, customer: &str, email: &str, topics: &[&str], zone: Option<chrono_tz::Tz>) {
        let (Ok(c), Ok(e)) = (CustomerCode::parse(customer), EmailAddress::parse(email)) else { return };
        self.lists.lock().unwrap_or_else(|e| e.into_inner()).entry(c).or_default().push((
            e,
            topics.iter().map(|t| (*t).to_owned()).collect(),
            zone,
        ));
    }

    fn matching(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<Subscriber>, ContactError> {
        let lists = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        let list = lists.get(customer).ok_or(ContactError::NoList)?;
        Ok(list
            .iter()
            .filter(|(_, t, _)| t.contains(topic.as_str()))
            .map(|(e, _, zone)| Subscriber { address: e.clone(), timezone: *zone })
            .collect())
    }
}

#[async_trait]
impl ContactDirectory for FakeContacts {
    async fn list_name(&self, customer: &CustomerCode) -> Result<String, ContactError> {
        if self.lists.lock().unwrap_or_else(|e| e.into_inner()).contains_key(customer) {
            Ok(format!("{customer}-contacts"))
        } else {
            Err(ContactError::NoList)
        }
    }
    async fn subscribers(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<EmailAddress>, ContactError> {
        Ok(self.matching(customer, topic)?.into_iter().map(|s| s.address).collect())
    }
    fn subscriber_pages<'a>(&'a self, customer: &'a CustomerCode, topic: &'a TopicName) -> SubscriberPages<'a> {
        Box::pin(futures::stream::iter([self.matching(customer, topic)]))
    }
}

/// An in-memory delivery ledger with the same answers as the real one.
#[derive(Default)]
pub struct FakeLedger {
    /// `None` while reserved, the receipt once confirmed.
    states: Mutex<HashMap<DeliveryKey, Option<SendReceipt>>>,
}

impl FakeLedger {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl DeliveryLedger for FakeLedger {
    async fn reserve(&self, key: &DeliveryKey) -> Result<Reservation, LedgerError> {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        Ok(match states.get(key) {
            None => {
                states.insert(key.clone(), None);
                Reservation::Acquired
            }
            Some(None) => Reservation::InFlight,
            Some(Some(_)) => Reservation::Sent,
        })
    }
    async fn confirm(&self, key: &DeliveryKey, receipt: &SendReceipt) -> Result<(), LedgerError> {
        self.states.lock().unwrap_or_else(|e| e.into_inner()).insert(key.clone(), Some(receipt.clone()));
        Ok(())
    }
    async fn lookup(&self, key: &DeliveryKey) -> Result<Recorded, LedgerError> {
        Ok(match self.states.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
            None => Recorded::Missing,
            Some(None) => Recorded::InFlight,
            Some(Some(receipt)) => Recorded::Sent(receipt.clone()),
        })
    }
}
