//! Delivery feedback in: SES event publishing (a configuration set's SNS destination, SNS → SQS)
//! tells what became of each send: delivered, bounced, complained about, rejected. Each event is
//! matched to its send (the tags name the delivery, the ledger holds the send's SES message id) and
//! recorded once under `results/` ([`ccm_core::feedback`]), where the object's view counts it.
//!
//! [`event`] reads a queue message (an SNS notification, or the bare SES event when the subscription
//! delivers raw messages); [`record`] matches and stores it. A message that is not a usable event
//! is logged and acknowledged: retrying cannot make it readable.

pub mod event;
pub mod record;

pub use event::{SesEvent, is_feedback, parse_feedback};
pub use record::FeedbackOutcome;

use crate::processor::Processor;

/// Handles one queue body known to be feedback ([`is_feedback`]); `true` when it must be retried.
pub async fn handle_feedback(processor: &Processor, body: &str) -> bool {
    let event = match parse_feedback(body) {
        Ok(Some(event)) => event,
        Ok(None) => {
            tracing::debug!("an SES event ccm does not record (send, open, click, delay); acknowledged");
            return false;
        }
        Err(e) => {
            tracing::error!(error = %e, "malformed delivery feedback acknowledged without recording");
            return false;
        }
    };
    match processor.record_feedback(&event).await {
        Ok(outcome) => {
            outcome.log(&event);
            false
        }
        Err(e) if e.retryable => {
            tracing::warn!(kind = event.kind.as_str(), error = %e, "delivery feedback will be retried");
            true
        }
        Err(e) => {
            tracing::error!(kind = event.kind.as_str(), error = %e, "delivery feedback failed permanently; acknowledged");
            false
        }
    }
}
