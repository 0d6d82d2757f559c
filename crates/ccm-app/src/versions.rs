//! Version snapshots: `versions/{id}/v{n}.json` holds the object as it was at version `n`.

use ccm_core::ports::{DocumentStore, StoreError, list_all};
use ccm_core::{Object, ObjectId, StorageKey};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub version: u32,
    pub status: String,
    pub modified_at: Option<DateTime<Utc>>,
    pub modified_by: Option<String>,
    pub current: bool,
}

/// Every saved version plus the current one, newest first.
pub async fn list_versions(store: &dyn DocumentStore, current: &Object) -> Result<Vec<VersionInfo>, StoreError> {
    let id = current.id();
    let mut out = vec![info(current, true)];
    for listed in list_all(store, &StorageKey::versions_prefix(id)).await? {
        let Ok(key @ StorageKey::Version(..)) = StorageKey::parse(&listed.key) else { continue };
        if let Some(doc) = store.get(&key).await? {
            match Object::from_json(&doc.body) {
                Ok(o) if o.life().version != current.life().version => out.push(info(&o, false)),
                Ok(_) => {}
                Err(e) => tracing::warn!(key = %listed.key, error = %e, "unreadable version snapshot"),
            }
        }
    }
    out.sort_by_key(|v| std::cmp::Reverse(v.version));
    Ok(out)
}

fn info(o: &Object, current: bool) -> VersionInfo {
    let life = o.life();
    VersionInfo {
        version: life.version,
        status: life.status.to_string(),
        modified_at: life.modified_at,
        modified_by: life.modified_by.clone(),
        current,
    }
}

/// The snapshot of version `n`, if saved.
pub async fn load_version(store: &dyn DocumentStore, id: &ObjectId, n: u32) -> Result<Option<Object>, StoreError> {
    match store.get(&StorageKey::Version(id.clone(), n)).await? {
        Some(doc) => Ok(Object::from_json(&doc.body).ok()),
        None => Ok(None),
    }
}
