//! Delivery feedback: what SES tells about a send after it left (delivered, bounced, complained,
//! rejected). A send carries [`SendTags`] (SES message tags naming the object, version, event and
//! customer), so an event coming back names the delivery it belongs to; the processor checks the
//! event's message id against the ledger and keeps one [`FeedbackRecord`] per (message, kind),
//! create-only, under `feedback/{id}/v{n}/{customer}/{event}/{kind}-{message-hash}.json` (apart from
//! `results/`, which every view of the object reads: there is one record per message and kind).

mod record;
mod summary;
mod tags;

pub use record::{FeedbackKind, FeedbackRecord};
pub use summary::{CustomerFeedback, KeyCounts, count_key, summarize};
pub use tags::{SendTags, TAG_CUSTOMER, TAG_EVENT, TAG_OBJECT, TAG_VERSION, TagError, is_tag_value};
