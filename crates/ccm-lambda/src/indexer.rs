//! The `ccm-indexer` function: S3 events of `archive/`, `drafts/`, `deleted/` and `results/` (through
//! their SQS queue) keep the shared index in step with the bucket, whoever wrote it (the API, the
//! processor, an operator restoring a backup). For each key it re-reads the object's current copy
//! and writes its entry, or a tombstone when it is gone: idempotent, and indifferent to the order
//! in which events arrive. Every `SNAPSHOT_EVERY` it also refreshes the index snapshot that cold
//! starts read.

use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use ccm_aws::index::{IndexTable, Reindexed, SyncedIndex, reindex_object};
use ccm_core::ports::{DocumentStore, IndexError};
use ccm_core::{ObjectId, StorageKey};
use tokio::sync::Mutex;

/// How often the snapshot is refreshed (at most; only while events arrive).
pub const SNAPSHOT_EVERY: Duration = Duration::from_secs(600);

pub struct Indexer<'a> {
    pub store: &'a dyn DocumentStore,
    pub table: IndexTable,
    /// The index this (warm) function keeps to write snapshots from, opened on first need.
    pub snapshots: Mutex<Option<(SyncedIndex, Instant)>>,
}

impl<'a> Indexer<'a> {
    pub fn new(store: &'a dyn DocumentStore, table: IndexTable) -> Self {
        Self { store, table, snapshots: Mutex::new(None) }
    }

    /// One batch: every object named by the batch's S3 events, re-indexed once.
    pub async fn handle(&self, event: &SqsEvent) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in &event.records {
            let ids = objects_of(message.body.as_deref().unwrap_or_default());
            let mut retry = false;
            for id in ids {
                match reindex_object(self.store, &self.table, &id).await {
                    Ok(outcome) => log(&id, &outcome),
                    Err(e) => {
                        tracing::warn!(object = %id, error = %e, "re-indexing failed; the message will be retried");
                        retry = true;
                    }
                }
            }
            if retry && let Some(id) = &message.message_id {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id.clone();
                response.batch_item_failures.push(failure);
            }
        }
        if let Err(e) = self.snapshot_if_due().await {
            tracing::warn!(error = %e, "the index snapshot was not refreshed");
        }
        response
    }

    async fn snapshot_if_due(&self) -> Result<(), IndexError> {
        let mut held = self.snapshots.lock().await;
        let due = held.as_ref().is_none_or(|(_, at)| at.elapsed() >= SNAPSHOT_EVERY);
        if !due {
            return Ok(());
        }
        if held.is_none() {
            *held = Some((SyncedIndex::open(self.table.clone(), Some(self.store)).await?, Instant::now()));
        }
        if let Some((index, at)) = held.as_mut() {
            index.sync_now().await?;
            if index.write_snapshot(self.store).await? {
                tracing::info!(objects = index.len(), "index snapshot refreshed");
            }
            *at = Instant::now();
        }
        Ok(())
    }
}

fn log(id: &ObjectId, outcome: &Reindexed) {
    match outcome {
        Reindexed::Indexed { version } => tracing::info!(object = %id, version, "indexed"),
        Reindexed::Removed => tracing::info!(object = %id, "removed from the index"),
        Reindexed::Superseded => tracing::debug!(object = %id, "the index already had a newer version"),
        Reindexed::Unreadable => tracing::warn!(object = %id, "left out of the index: the stored copy does not parse"),
    }
}

/// The objects an SQS message's S3 notification names (deduplicated). Anything else (a test event,
/// a key outside the layout) names none and is acknowledged.
/// Only the key of each record is read: emulators (and S3 itself, across versions) leave out fields
/// a strict event type would require.
pub fn objects_of(body: &str) -> Vec<ObjectId> {
    let records = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut event)) => match event.remove("Records") {
            Some(serde_json::Value::Array(records)) => records,
            _ => Vec::new(),
        },
        _ => {
            tracing::info!("a message that is not an S3 event is acknowledged");
            return Vec::new();
        }
    };
    let mut ids: Vec<ObjectId> = Vec::new();
    for record in records {
        let Some(raw) = record.pointer("/s3/object/key").and_then(serde_json::Value::as_str) else { continue };
        // S3 event keys are form-url-encoded (`+` for space, `%2F`).
        let decoded = percent_decode(&raw.replace('+', " "));
        // Delivery feedback (one record per SES event, thousands per fan-out) changes nothing the
        // index holds: reindexing the object for each would only cost reads and writes.
        let key = StorageKey::parse(&decoded).ok().filter(|k| !matches!(k, StorageKey::Feedback { .. }));
        match key.and_then(|k| k.object_id().cloned()) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => tracing::debug!(key = %decoded, "not an object's key; ignored"),
        }
    }
    ids
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i.saturating_add(1)), hex(i.saturating_add(2))) {
            (b'%', Some(h), Some(l)) => {
                // Two hex digits make one byte.
                #[allow(clippy::cast_possible_truncation)]
                out.push((h * 16 + l) as u8);
                i = i.saturating_add(3);
            }
            _ => {
                out.push(b);
                i = i.saturating_add(1);
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_each_object_once_whatever_its_keys() {
        let body = serde_json::json!({"Records": [
            {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "archive/CHG-1.json"}}},
            {"eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "b"}, "object": {"key": "drafts%2FCHG-1.json"}}},
            {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "results/CIC-2/v3/acme/approved.json"}}},
            {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "ledger/x"}}},
            {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "results/GEN-3/v1/acme/approved/bounce-0a1b.json"}}},
        ]})
        .to_string();
        let ids: Vec<String> = objects_of(&body).iter().map(ToString::to_string).collect();
        assert_eq!(ids, ["CHG-1", "CIC-2"]);
        assert!(objects_of(r#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#).is_empty());
        assert!(objects_of("not json").is_empty());
    }
}
