//! The local equivalent of S3 → SQS: every trigger the embedded store writes is queued here, and
//! triggers left over from an earlier run are queued again at start (they are deleted only once
//! processed, as on AWS). The consumer hands each one to the notification processor.

use std::sync::Arc;

use anyhow::Context;
use ccm_core::StorageKey;
use ccm_core::ports::list_all;
use ccm_embedded::{EmbeddedStore, TriggerWritten};

pub async fn start(store: Arc<EmbeddedStore>) -> anyhow::Result<()> {
    let mut rx = store.subscribe_triggers();
    let pending = list_all(&*store, StorageKey::CUSTOMERS_PREFIX).await.context("listing pending triggers")?;
    let mut backlog = Vec::new();
    for listed in pending {
        if let Ok(key @ StorageKey::Trigger(..)) = StorageKey::parse(&listed.key) {
            backlog.push(TriggerWritten { key, etag: listed.etag });
        }
    }
    if !backlog.is_empty() {
        tracing::info!(pending = backlog.len(), "triggers from an earlier run queued again");
    }
    tokio::spawn(async move {
        for t in backlog {
            handle(&t);
        }
        while let Some(t) = rx.recv().await {
            handle(&t);
        }
    });
    Ok(())
}

fn handle(trigger: &TriggerWritten) {
    // The notification processor consumes these; until it is wired in, triggers stay in the store.
    tracing::info!(key = %trigger.key, "trigger queued for notification");
}
