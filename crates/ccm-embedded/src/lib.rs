//! Embedded adapters for the one-machine default (`ccm serve`): a durable local document store with
//! S3's semantics, trigger notifications (the local S3 → SQS), and an in-memory index.

pub mod contacts;
pub mod index;
pub mod outbox;
pub mod store;

pub use contacts::JsonContacts;
pub use index::MemoryIndex;
pub use outbox::OutboxMailer;
pub use store::{EmbeddedStore, TriggerWritten, etag_of};
