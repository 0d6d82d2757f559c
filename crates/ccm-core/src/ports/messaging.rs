//! Ports for notifications: the per-customer mailer, contact directory and delivery ledger.

use async_trait::async_trait;
use bytes::Bytes;

use crate::ids::{CustomerCode, EmailAddress, TopicName};

/// One message to one recipient through one customer's SES account.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub from: EmailAddress,
    /// The display name of `From` (`email_config.sender_name`).
    pub from_name: Option<String>,
    pub to: EmailAddress,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// The SES contact list and topic: SES adds the unsubscribe link and honours opt-outs.
    pub list_management: Option<(String, TopicName)>,
    /// A calendar invitation (`text/calendar; method=REQUEST`) to attach.
    pub ics: Option<Bytes>,
    /// The delivery this message belongs to, sent as SES message tags (with the customer's
    /// configuration set) so SES's delivery, bounce and complaint events name it
    /// ([`crate::feedback`]); `None` for mail outside a delivery (a test send).
    pub feedback: Option<crate::feedback::SendTags>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    pub message_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("throttled by the provider: {0}")]
    Throttled(String),
    #[error("mail provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused this message for good (bad address, access denied, unverified sender).
    #[error("rejected: {0}")]
    Rejected(String),
}

impl MailError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Throttled(_) | Self::Unavailable(_))
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, customer: &CustomerCode, email: &OutgoingEmail) -> Result<SendReceipt, MailError>;
}

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("the customer has no contact list")]
    NoList,
    #[error("contacts unavailable: {0}")]
    Unavailable(String),
    #[error("contacts error: {0}")]
    Other(String),
}

/// One subscriber of a topic: the address, and the IANA time zone the contact reads times in when
/// the directory knows one (SES: the contact's `timezone` attribute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub address: EmailAddress,
    pub timezone: Option<chrono_tz::Tz>,
}

impl From<EmailAddress> for Subscriber {
    fn from(address: EmailAddress) -> Self {
        Self { address, timezone: None }
    }
}

/// A topic's subscribers page by page, in list order: each item is one page (possibly empty); an
/// error ends the stream.
pub type SubscriberPages<'a> = futures::stream::BoxStream<'a, Result<Vec<Subscriber>, ContactError>>;

#[async_trait]
pub trait ContactDirectory: Send + Sync {
    /// The name of the customer's contact list.
    async fn list_name(&self, customer: &CustomerCode) -> Result<String, ContactError>;
    /// Every contact opted in to `topic` (all pages).
    async fn subscribers(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<EmailAddress>, ContactError>;
    /// The same contacts as [`subscribers`](Self::subscribers), with their time zones, page by page
    /// as the directory reads them, so a fan-out can send to the first page while later ones are
    /// read. The default is one page holding the whole list, without zones; a paged directory (SES)
    /// or one that knows zones overrides it.
    fn subscriber_pages<'a>(&'a self, customer: &'a CustomerCode, topic: &'a TopicName) -> SubscriberPages<'a> {
        use futures::TryFutureExt;
        Box::pin(futures::stream::once(
            self.subscribers(customer, topic).map_ok(|all| all.into_iter().map(Subscriber::from).collect()),
        ))
    }
    /// Gets ready to list `customer`'s subscribers soon, so that the first page waits for less: a
    /// directory in another account (SES) assumes its role and finds its list here. Called while the
    /// caller reads other things; a failure is left for the listing itself to report. The default
    /// does nothing.
    async fn prepare(&self, customer: &CustomerCode) {
        let _ = customer;
    }
}

/// The identity of one send: (object, version, event, customer, recipient hash).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryKey {
    pub object: crate::ids::ObjectId,
    pub version: u32,
    pub event: String,
    pub customer: CustomerCode,
    /// Hex SHA-256 of the lower-cased recipient address: the ledger never stores addresses in keys.
    pub recipient_hash: String,
}

impl DeliveryKey {
    pub fn recipient_hash(recipient: &EmailAddress) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(recipient.normalized().as_bytes()))
    }
}

/// What the ledger knows of a send before it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Nobody has tried: this caller holds the reservation and must send.
    Acquired,
    /// A previous attempt reserved it but never confirmed: it may or may not have been sent.
    InFlight,
    /// Sent and confirmed: skip.
    Sent,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger unavailable: {0}")]
    Unavailable(String),
}

/// What the ledger holds for one send, read without reserving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// No send was ever reserved under this key.
    Missing,
    /// Reserved, not (yet) confirmed.
    InFlight,
    /// Sent, with the provider's receipt.
    Sent(SendReceipt),
}

#[async_trait]
pub trait DeliveryLedger: Send + Sync {
    /// Records the intent to send (conditional create).
    async fn reserve(&self, key: &DeliveryKey) -> Result<Reservation, LedgerError>;
    /// Records that the send happened.
    async fn confirm(&self, key: &DeliveryKey, receipt: &SendReceipt) -> Result<(), LedgerError>;
    /// What is recorded of a send (delivery feedback matches SES's message id against it). The
    /// default says the ledger cannot tell; every ledger that serves feedback overrides it.
    async fn lookup(&self, key: &DeliveryKey) -> Result<Recorded, LedgerError> {
        let _ = key;
        Err(LedgerError::Unavailable("this ledger cannot look up sends".into()))
    }
}
