//! The snapshot of the shared index, `index/snapshot.json.gz` in the metadata bucket: every live
//! record with its sequence number, and the feed position it is complete up to. A cold start reads
//! it (one GET, whatever the number of objects) and then only the feed after it. It is written by
//! `ccm index rebuild` and by the indexer; it never goes backwards (a writer with an older position
//! leaves a newer snapshot alone).

use std::io::{Read, Write};

use bytes::Bytes;
use ccm_core::StorageKey;
use ccm_core::ports::{DocumentStore, IndexError, IndexRecord, PutOptions, StoreError};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

/// Largest snapshot read back (decompressed), a guard against a corrupt or hostile object.
const MAX_SNAPSHOT_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Every change with a sequence number up to this one is in the snapshot.
    pub high_water: i64,
    pub records: Vec<SnapshotRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    pub seq: i64,
    pub record: IndexRecord,
}

fn err(what: &str, e: impl std::fmt::Display) -> IndexError {
    IndexError::Unavailable(format!("index snapshot: {what}: {e}"))
}

/// The snapshot, if one was written. A snapshot that does not parse is ignored (logged): the feed
/// from the start rebuilds the same state, only slower.
pub async fn read(store: &dyn DocumentStore) -> Result<Option<Snapshot>, IndexError> {
    let Some(doc) = store.get(&StorageKey::IndexSnapshot).await.map_err(|e| err("reading", e))? else {
        return Ok(None);
    };
    let mut json = Vec::new();
    let decoded = GzDecoder::new(&doc.body[..]).take(MAX_SNAPSHOT_BYTES).read_to_end(&mut json);
    match decoded.map_err(|e| e.to_string()).and_then(|_| serde_json::from_slice(&json).map_err(|e| e.to_string())) {
        Ok(snapshot) => Ok(Some(snapshot)),
        Err(why) => {
            tracing::warn!(%why, "the index snapshot does not read; starting from the feed");
            Ok(None)
        }
    }
}

/// Writes `snapshot` unless the stored one is at least as far along.
pub async fn write(store: &dyn DocumentStore, snapshot: &Snapshot) -> Result<bool, IndexError> {
    let key = StorageKey::IndexSnapshot;
    let current = store.head(&key).await.map_err(|e| err("reading", e))?;
    let stored_high_water =
        current.as_ref().and_then(|m| m.metadata.get("high-water")).and_then(|h| h.parse::<i64>().ok());
    if stored_high_water.is_some_and(|h| h >= snapshot.high_water) {
        return Ok(false);
    }
    let json = serde_json::to_vec(snapshot).map_err(|e| err("encoding", e))?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&json).map_err(|e| err("compressing", e))?;
    let body = gz.finish().map_err(|e| err("compressing", e))?;
    let options = match current {
        Some(meta) => PutOptions::if_match(meta.etag),
        None => PutOptions::create_only(),
    }
    .with_metadata("high-water", snapshot.high_water.to_string());
    match store.put(&key, Bytes::from(body), options).await {
        Ok(_) => Ok(true),
        // Another writer got there first; theirs is as fresh as ours.
        Err(StoreError::PreconditionFailed { .. }) => Ok(false),
        Err(e) => Err(err("writing", e)),
    }
}
