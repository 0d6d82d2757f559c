//! The local SNS → SQS → processor of delivery feedback: the outbox mailer, acting as SES's mailbox
//! simulator, publishes SES events for each send of a delivery ([`ccm_embedded::simulator`]); each
//! goes to the same handler the processor Lambda runs for the feedback queue
//! ([`ccm_processor::feedback::handle_feedback`]). SES publishes after the send has returned, so an
//! event waits a moment before it is handled, and one whose send is not confirmed in the ledger
//! yet is retried with backoff, as SQS would redeliver it.

use std::time::Duration;

use ccm_core::config::AppConfig;
use ccm_embedded::simulator::{FeedbackSink, Senders};
use ccm_processor::Processor;
use tokio::sync::mpsc::UnboundedReceiver;

/// How long an event waits before it is handled (SES's events follow the send).
const FIRST_WAIT: Duration = Duration::from_millis(100);
/// Attempts per event before it is dropped (logged).
const MAX_ATTEMPTS: u32 = 8;

/// The queue the simulator publishes to, and each customer's (account id, configuration set).
pub fn channel(config: &AppConfig) -> (FeedbackSink, UnboundedReceiver<String>, Senders) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let customers = config
        .customer_mappings
        .iter()
        .map(|(code, c)| (code.clone(), (Some(c.account_id().to_owned()), c.configuration_set())))
        .collect();
    (tx, rx, customers)
}

/// Hands every event of `rx` to the processor's feedback handler, each in its own task.
pub fn start(mut rx: UnboundedReceiver<String>, processor: Processor) {
    tokio::spawn(async move {
        while let Some(body) = rx.recv().await {
            let processor = processor.clone();
            tokio::spawn(async move {
                tokio::time::sleep(FIRST_WAIT).await;
                for attempt in 1..=MAX_ATTEMPTS {
                    if !ccm_processor::feedback::handle_feedback(&processor, &body).await {
                        return;
                    }
                    let wait = Duration::from_millis(250u64.saturating_mul(1 << (attempt - 1).min(5)));
                    tokio::time::sleep(wait).await;
                }
                tracing::error!(attempts = MAX_ATTEMPTS, "delivery feedback could not be recorded; dropped");
            });
        }
    });
}
