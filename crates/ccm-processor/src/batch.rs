//! One SQS batch in, an SQS partial batch response out: only the messages whose processing failed
//! with a retryable error are listed, so SQS redelivers those alone (and, after `maxReceiveCount`
//! receives, moves them to the dead-letter queue). Malformed messages and permanent failures are
//! logged and acknowledged. SES delivery feedback (SNS notifications) goes to [`crate::feedback`].

use std::panic::AssertUnwindSafe;

pub use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::FutureExt;
use tracing::Instrument;

use crate::events::{Parsed, parse_body};
use crate::processor::{Outcome, Processor};

/// Processes one message; `true` when it must be retried.
pub async fn handle_message(processor: &Processor, message: &SqsMessage) -> bool {
    let span = tracing::info_span!("message", id = message.message_id.as_deref().unwrap_or_default());
    handle_message_in_span(processor, message).instrument(span).await
}

async fn handle_message_in_span(processor: &Processor, message: &SqsMessage) -> bool {
    let body = message.body.as_deref().unwrap_or_default();
    if crate::feedback::is_feedback(body) {
        // As for triggers: a bug must not turn one event into a failed batch.
        return AssertUnwindSafe(crate::feedback::handle_feedback(processor, body))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!("recording delivery feedback panicked; the event is acknowledged (a bug: report it)");
                false
            });
    }
    let triggers = match parse_body(body) {
        Ok(Parsed::Triggers(t)) => t,
        Ok(Parsed::Ignore(why)) => {
            tracing::info!(reason = %why, "message ignored");
            return false;
        }
        Err(e) => {
            tracing::error!(error = %e, "malformed message acknowledged without processing");
            return false;
        }
    };
    let mut retry = false;
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
    retry
}

pub async fn handle_batch(processor: &Processor, event: &SqsEvent) -> SqsBatchResponse {
    let results = futures::future::join_all(
        event.records.iter().map(|m| async move { (m.message_id.clone(), handle_message(processor, m).await) }),
    )
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, retry) in results {
        if !retry {
            continue;
        }
        match id {
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
