//! One SQS batch in, an SQS partial batch response out: only the messages whose processing failed
//! with a retryable error are listed, so SQS redelivers those alone (and, after `maxReceiveCount`
//! receives, moves them to the dead-letter queue). Malformed messages and permanent failures are
//! logged and acknowledged. SES delivery feedback (SNS notifications) goes to [`crate::feedback`].
//!
//! Within a time budget ([`handle_batch_within`], the Lambda handler), a message whose fan-out ran out
//! of time after some sends is handed on: a copy goes to its queue as a new message ([`Requeue`]) and
//! this one is acknowledged, so the next invocation carries on at once (the ledger skips the sent)
//! instead of after the visibility timeout, and a long fan-out does not use up `maxReceiveCount`.
//! When the copy cannot be sent, the message is retried as any other.

use std::panic::AssertUnwindSafe;

use async_trait::async_trait;
pub use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::FutureExt;
use tracing::Instrument;

use crate::budget::Budget;
use crate::events::{Parsed, parse_body};
use crate::processor::{Outcome, Processor};

/// What becomes of a message once processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Acknowledged: done, nothing to do, or failed for good (logged).
    Done,
    /// Left for SQS to redeliver.
    Retry,
    /// Out of time mid-fan-out: carries on in a copy of the message.
    HandOn,
}

/// Sends a copy of a message to the queue it came from.
#[async_trait]
pub trait Requeue: Send + Sync {
    async fn requeue(&self, message: &SqsMessage) -> Result<(), String>;
}

/// Processes one message.
pub async fn handle_message(processor: &Processor, message: &SqsMessage) -> Verdict {
    let span = tracing::info_span!("message", id = message.message_id.as_deref().unwrap_or_default());
    handle_message_in_span(processor, message).instrument(span).await
}

async fn handle_message_in_span(processor: &Processor, message: &SqsMessage) -> Verdict {
    let body = message.body.as_deref().unwrap_or_default();
    if crate::feedback::is_feedback(body) {
        // As for triggers: a bug must not turn one event into a failed batch.
        let retry = AssertUnwindSafe(crate::feedback::handle_feedback(processor, body))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!("recording delivery feedback panicked; the event is acknowledged (a bug: report it)");
                false
            });
        return if retry { Verdict::Retry } else { Verdict::Done };
    }
    let triggers = match parse_body(body) {
        Ok(Parsed::Triggers(t)) => t,
        Ok(Parsed::Ignore(why)) => {
            tracing::info!(reason = %why, "message ignored");
            return Verdict::Done;
        }
        Err(e) => {
            tracing::error!(error = %e, "malformed message acknowledged without processing");
            return Verdict::Done;
        }
    };
    let (mut retry, mut hand_on) = (false, false);
    for t in triggers {
        if processor.is_own_write(t.principal.as_deref()) {
            tracing::debug!(key = %t.key(), "own write ignored");
            continue;
        }
        // A bug must not turn one poison trigger into a failed batch (and every other customer's
        // message into a retry): a panic while processing is logged and the trigger acknowledged.
        let outcome = match &t.reminder {
            Some(due) => AssertUnwindSafe(processor.remind(due)).catch_unwind().await,
            None => AssertUnwindSafe(processor.process(&t.customer, &t.id)).catch_unwind().await,
        };
        match outcome {
            Ok(Ok(Outcome::NothingToSend(why))) => tracing::info!(key = %t.key(), reason = %why, "nothing to send"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) if e.out_of_time => {
                tracing::info!(key = %t.key(), reason = %e, "handed on");
                hand_on = true;
            }
            Ok(Err(e)) if e.retryable => {
                tracing::warn!(key = %t.key(), error = %e, "will be retried");
                retry = true;
            }
            Ok(Err(e)) => tracing::error!(key = %t.key(), error = %e, "failed permanently; acknowledged"),
            Err(_) => {
                tracing::error!(key = %t.key(), "processing panicked; the trigger is acknowledged (a bug: report it)")
            }
        }
    }
    // A copy carries every trigger of the message on; those done meanwhile are found done.
    match (retry, hand_on) {
        (true, _) => Verdict::Retry,
        (false, true) => Verdict::HandOn,
        (false, false) => Verdict::Done,
    }
}

/// Processes a batch without a time budget (`ccm serve`'s queue never hands a message on).
pub async fn handle_batch(processor: &Processor, event: &SqsEvent) -> SqsBatchResponse {
    let verdicts = join_messages(processor, event).await;
    respond(verdicts.into_iter().map(|(m, v)| (m, v == Verdict::Retry)))
}

/// Processes a batch within `budget`: a message out of time mid-fan-out is handed on through
/// `requeue` (see the module doc).
pub async fn handle_batch_within(
    processor: &Processor,
    event: &SqsEvent,
    budget: Budget,
    requeue: &dyn Requeue,
) -> SqsBatchResponse {
    let verdicts = budget.run(join_messages(processor, event)).await;
    let mut outcomes = Vec::with_capacity(verdicts.len());
    for (message, verdict) in verdicts {
        let retry = match verdict {
            Verdict::Done => false,
            Verdict::Retry => true,
            Verdict::HandOn => match requeue.requeue(message).await {
                Ok(()) => false,
                Err(e) => {
                    tracing::warn!(id = message.message_id.as_deref().unwrap_or_default(), error = %e, "could not hand the message on; it is retried after the visibility timeout");
                    true
                }
            },
        };
        outcomes.push((message, retry));
    }
    respond(outcomes.into_iter())
}

async fn join_messages<'e>(processor: &Processor, event: &'e SqsEvent) -> Vec<(&'e SqsMessage, Verdict)> {
    futures::future::join_all(event.records.iter().map(|m| async move { (m, handle_message(processor, m).await) }))
        .await
}

/// The partial batch response naming the messages to retry.
fn respond<'e>(outcomes: impl Iterator<Item = (&'e SqsMessage, bool)>) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for (message, retry) in outcomes {
        if !retry {
            continue;
        }
        match message.message_id.clone() {
            Some(id) => {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
            // A message without an id cannot be named for a retry; SQS always sends one.
            None => tracing::error!("a message without messageId failed and cannot be retried alone"),
        }
    }
    response
}
