//! The local equivalent of S3 → SQS → processor Lambda: every trigger the embedded store writes is
//! queued and handed to the notification processor; triggers left over from an earlier run are
//! queued again at start (a trigger is deleted only once processed, as on AWS). A retryable failure
//! is retried with exponential backoff, like an SQS redelivery; after the last attempt the trigger is
//! left in place (the local dead-letter queue: the next start retries it).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use ccm_core::StorageKey;
use ccm_core::ports::list_all;
use ccm_embedded::{EmbeddedStore, TriggerWritten};
use ccm_processor::{Outcome, Processor};
use tokio::sync::Semaphore;

/// Attempts per trigger before it is left for the next start.
const MAX_ATTEMPTS: u32 = 8;
/// Triggers processed at once (customers are independent; one slow customer does not block others).
const PARALLEL: usize = 8;

pub async fn start(store: Arc<EmbeddedStore>, processor: Processor) -> anyhow::Result<()> {
    let mut rx = store.subscribe_triggers();
    let pending = list_all(&*store, StorageKey::CUSTOMERS_PREFIX).await.context("listing pending triggers")?;
    let backlog: Vec<StorageKey> = pending
        .into_iter()
        .filter_map(|l| match StorageKey::parse(&l.key) {
            Ok(key @ StorageKey::Trigger(..)) => Some(key),
            _ => None,
        })
        .collect();
    if !backlog.is_empty() {
        tracing::info!(pending = backlog.len(), "triggers from an earlier run queued again");
    }
    let processor = Arc::new(processor);
    let slots = Arc::new(Semaphore::new(PARALLEL));
    tokio::spawn(async move {
        for key in backlog {
            dispatch(processor.clone(), slots.clone(), key);
        }
        while let Some(TriggerWritten { key, .. }) = rx.recv().await {
            dispatch(processor.clone(), slots.clone(), key);
        }
    });
    Ok(())
}

fn dispatch(processor: Arc<Processor>, slots: Arc<Semaphore>, key: StorageKey) {
    let StorageKey::Trigger(customer, id) = key else { return };
    tokio::spawn(async move {
        for attempt in 1..=MAX_ATTEMPTS {
            let result = {
                let Ok(_slot) = slots.acquire().await else { return };
                processor.process(&customer, &id).await
            };
            match result {
                Ok(Outcome::Sent(_) | Outcome::AlreadyProcessed | Outcome::OwnWrite) => return,
                Ok(Outcome::NothingToSend(why)) => {
                    tracing::info!(customer = %customer, object = %id, reason = %why, "nothing to send");
                    return;
                }
                Err(e) if e.retryable && attempt < MAX_ATTEMPTS => {
                    let wait = Duration::from_millis(500 * 2u64.pow(attempt - 1)).min(Duration::from_secs(60));
                    tracing::warn!(customer = %customer, object = %id, attempt, error = %e, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    tracing::error!(customer = %customer, object = %id, attempt, error = %e, "giving up; the trigger stays for the next start");
                    return;
                }
            }
        }
    });
}
