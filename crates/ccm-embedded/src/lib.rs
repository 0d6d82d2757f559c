//! Embedded adapters for the one-machine default (`ccm serve`): a durable local document store with
//! S3's semantics, trigger notifications (the local S3 → SQS), an in-memory index, the outbox
//! mailer, and contacts with SES-like list management (topic opt-outs through signed one-click
//! unsubscribe links).

pub mod contacts;
pub mod index;
pub mod outbox;
pub mod store;
pub mod unsubscribe;

pub use contacts::JsonContacts;
pub use index::MemoryIndex;
pub use outbox::OutboxMailer;
pub use store::{EmbeddedStore, TriggerWritten, etag_of};
pub use unsubscribe::{LinkKeys, Unsubscribe};
