//! The local equivalent of S3 → SQS → processor Lambda: every trigger the embedded store writes (an
//! object's, or a reminder the sweep handed off) is queued and handed to the notification processor; triggers left over from an earlier run are
//! queued again at start (a trigger is deleted only once processed, as on AWS). A retryable failure
//! is retried with exponential backoff, like an SQS redelivery; after the last attempt the trigger is
//! left in place (the local dead-letter queue: the next start retries it). After a trigger is
//! processed the object's index entry is refreshed: the processor may have recorded a meeting, whose
//! join link the lists show. Triggers of one key are processed one at a time: a trigger written
//! again while its first event is in progress (submitted, then quickly approved) would otherwise be
//! processed twice at once, and the delivery ledger counts a concurrent attempt as a crashed one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use ccm_core::StorageKey;
use ccm_core::ports::{ObjectIndex, list_all};
use ccm_core::reminders::DueReminder;
use ccm_embedded::{EmbeddedStore, TriggerWritten};
use ccm_processor::{Outcome, Processor};
use tokio::sync::Semaphore;

/// Attempts per trigger before it is left for the next start.
const MAX_ATTEMPTS: u32 = 8;
/// Triggers processed at once (customers are independent; one slow customer does not block others).
const PARALLEL: usize = 8;

pub async fn start(store: Arc<EmbeddedStore>, processor: Processor, index: Arc<dyn ObjectIndex>) -> anyhow::Result<()> {
    let mut rx = store.subscribe_triggers();
    let pending = list_all(&*store, StorageKey::CUSTOMERS_PREFIX).await.context("listing pending triggers")?;
    let backlog: Vec<StorageKey> = pending
        .into_iter()
        .filter_map(|l| match StorageKey::parse(&l.key) {
            Ok(key @ (StorageKey::Trigger(..) | StorageKey::ReminderTrigger { .. })) => Some(key),
            _ => None,
        })
        .collect();
    if !backlog.is_empty() {
        tracing::info!(pending = backlog.len(), "triggers from an earlier run queued again");
    }
    let shared =
        Arc::new(Shared { processor, slots: Semaphore::new(PARALLEL), index, keys: Mutex::new(HashMap::new()) });
    tokio::spawn(async move {
        for key in backlog {
            dispatch(shared.clone(), key);
        }
        while let Some(TriggerWritten { key, .. }) = rx.recv().await {
            dispatch(shared.clone(), key);
        }
    });
    Ok(())
}

struct Shared {
    processor: Processor,
    slots: Semaphore,
    index: Arc<dyn ObjectIndex>,
    /// One lock per trigger key.
    keys: Mutex<HashMap<StorageKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl Shared {
    fn key_lock(&self, key: &StorageKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.entry(key.clone()).or_default().clone()
    }
}

fn dispatch(shared: Arc<Shared>, key: StorageKey) {
    let lock = shared.key_lock(&key);
    // A status trigger, or a reminder trigger written by the reminder sweep.
    let (customer, id, reminder) = match key {
        StorageKey::Trigger(customer, id) => (customer, id, None),
        other => match DueReminder::from_key(&other) {
            Some(due) => (due.customer.clone(), due.object.clone(), Some(due)),
            None => return,
        },
    };
    tokio::spawn(async move {
        let (processor, index) = (&shared.processor, &shared.index);
        for attempt in 1..=MAX_ATTEMPTS {
            let result = {
                let _one_at_a_time = lock.lock().await;
                let Ok(_slot) = shared.slots.acquire().await else { return };
                match &reminder {
                    Some(due) => processor.remind(due).await,
                    None => processor.process(&customer, &id).await,
                }
            };
            if (matches!(result, Ok(Outcome::Sent(_))) || result.as_ref().is_err_and(|e| e.retryable))
                && let Err(e) = ccm_app::view::refresh_index_entry(&*processor.store, &**index, &id).await
            {
                tracing::warn!(object = %id, error = %e, "refreshing the index entry failed");
            }
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
