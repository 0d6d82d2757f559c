//! Embedded adapters for the one-machine default (`ccm serve`): a durable local document store with
//! S3's semantics, trigger notifications (the local S3 → SQS), and an in-memory index.

pub mod index;
pub mod store;

pub use index::MemoryIndex;
pub use store::{etag_of, EmbeddedStore, TriggerWritten};
