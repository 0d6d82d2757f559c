//! Embedded adapters for the one-machine default (`ccm serve`): a durable local document store with
//! S3's semantics, trigger notifications (the local S3 → SQS), an in-memory index, the outbox
//! mailer, contacts with SES-like list management (topic opt-outs through signed one-click
//! unsubscribe links), the local calendar (ICS meetings with a local join page), and SES's mailbox
//! simulator (delivery, bounce and complaint events for the outbox's sends).

pub mod calendar;
pub mod contacts;
pub mod index;
pub mod outbox;
pub mod simulator;
pub mod store;
pub mod unsubscribe;

pub use calendar::LocalCalendar;
pub use contacts::JsonContacts;
pub use index::MemoryIndex;
pub use outbox::OutboxMailer;
pub use store::{EmbeddedStore, TriggerWritten, etag_of};
pub use unsubscribe::{LinkKeys, Unsubscribe};
