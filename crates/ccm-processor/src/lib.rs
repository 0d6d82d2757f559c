//! The notification processor: trigger events in, per-customer notifications out. The same library
//! serves the `ccm-processor` Lambda (SQS batches with partial batch responses) and `ccm serve`'s
//! in-process queue.

pub mod batch;
pub mod error;
pub mod events;
pub mod processor;
pub mod recipients;
mod stream;
mod survey_step;

pub use batch::{SqsBatchResponse, SqsEvent, handle_batch};
pub use error::ProcessError;
pub use events::{Parsed, TriggerRef, parse_body};
pub use processor::{Outcome, Processor, Settings, Summary};
