//! A durable document store on local disk with S3's semantics: quoted-MD5 ETags, create-only and
//! If-Match writes that fail with "precondition failed", prefix listing with continuation tokens.
//!
//! Each key is one file under `{data}/objects/{key}`: a one-line JSON header (ETag, content type,
//! metadata, time) followed by the body. A write goes to `{data}/tmp/` first, is flushed, and is
//! renamed into place, so a crash leaves either the old or the new object, never half of one. A
//! catalog of every key's metadata is kept in memory (loaded at open) to answer HEAD and LIST.
//! Writes to one key are serialized by that key's lock (one of a fixed set of stripes), which makes
//! conditional writes atomic while writes to different keys flush in parallel. The store is meant for
//! one process (`ccm serve`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use ccm_core::StorageKey;
use ccm_core::ports::{
    Document, DocumentStore, ETag, ListPage, Listed, MAX_LIST_PAGE, ObjectMeta, Precondition, PutOptions, StoreError,
};
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock, mpsc};

/// A trigger key was written: the local equivalent of S3 → SQS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerWritten {
    pub key: StorageKey,
    pub etag: ETag,
}

#[derive(Serialize, Deserialize)]
struct Header {
    etag: String,
    content_type: Option<String>,
    metadata: BTreeMap<String, String>,
    last_modified: DateTime<Utc>,
}

pub struct EmbeddedStore {
    root: PathBuf,
    catalog: RwLock<BTreeMap<String, ObjectMeta>>,
    /// Write locks striped by key hash: same key → same lock.
    write_locks: Vec<Mutex<()>>,
    triggers: std::sync::Mutex<Option<mpsc::UnboundedSender<TriggerWritten>>>,
}

const WRITE_STRIPES: usize = 64;

fn io_err(context: &str, e: std::io::Error) -> StoreError {
    StoreError::Other(format!("{context}: {e}"))
}

impl EmbeddedStore {
    /// Opens (creating if needed) a store under `data_dir`, loading the catalog of existing keys.
    pub async fn open(data_dir: impl AsRef<Path>) -> Result<Arc<Self>, StoreError> {
        let root = data_dir.as_ref().to_path_buf();
        for sub in ["objects", "tmp"] {
            tokio::fs::create_dir_all(root.join(sub)).await.map_err(|e| io_err("creating the data directory", e))?;
        }
        let objects = root.join("objects");
        let catalog = tokio::task::spawn_blocking(move || load_catalog(&objects))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
        Ok(Arc::new(Self {
            root,
            catalog: RwLock::new(catalog),
            write_locks: (0..WRITE_STRIPES).map(|_| Mutex::new(())).collect(),
            triggers: std::sync::Mutex::new(None),
        }))
    }

    /// Every later write of a `customers/{code}/{id}.json` trigger is announced on the returned channel.
    pub fn subscribe_triggers(&self) -> mpsc::UnboundedReceiver<TriggerWritten> {
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut slot) = self.triggers.lock() {
            *slot = Some(tx);
        }
        rx
    }

    fn lock_for(&self, key: &str) -> &Mutex<()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        &self.write_locks[(h.finish() as usize) % self.write_locks.len()]
    }

    fn path_of(&self, key: &str) -> PathBuf {
        // Keys come from `StorageKey`, which refuses `..`, absolute paths and control characters.
        self.root.join("objects").join(key)
    }

    fn announce(&self, key: &StorageKey, etag: &ETag) {
        if !key.is_trigger() {
            return;
        }
        if let Ok(slot) = self.triggers.lock()
            && let Some(tx) = slot.as_ref()
        {
            let _ = tx.send(TriggerWritten { key: key.clone(), etag: etag.clone() });
        }
    }
}

fn load_catalog(objects: &Path) -> Result<BTreeMap<String, ObjectMeta>, StoreError> {
    let mut catalog = BTreeMap::new();
    let mut stack = vec![objects.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| io_err("reading the data directory", e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_err("reading the data directory", e))?;
            let path = entry.path();
            if entry.file_type().map_err(|e| io_err("reading the data directory", e))?.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(rel) = path.strip_prefix(objects) else { continue };
            let key = rel.to_string_lossy().replace(std::path::MAIN_SEPARATOR, "/");
            let bytes = std::fs::read(&path).map_err(|e| io_err("reading an object", e))?;
            match split(&bytes) {
                Ok((header, body)) => {
                    catalog.insert(key, meta_of(header, body.len()));
                }
                Err(e) => tracing::warn!(key, error = %e, "skipping an unreadable object file"),
            }
        }
    }
    Ok(catalog)
}

fn split(bytes: &[u8]) -> Result<(Header, &[u8]), StoreError> {
    let nl =
        bytes.iter().position(|b| *b == b'\n').ok_or_else(|| StoreError::Other("object file has no header".into()))?;
    let header: Header =
        serde_json::from_slice(&bytes[..nl]).map_err(|e| StoreError::Other(format!("bad object header: {e}")))?;
    Ok((header, &bytes[nl + 1..]))
}

fn meta_of(h: Header, size: usize) -> ObjectMeta {
    ObjectMeta {
        etag: ETag(h.etag),
        size: size as u64,
        last_modified: h.last_modified,
        content_type: h.content_type,
        metadata: h.metadata,
    }
}

pub fn etag_of(body: &[u8]) -> ETag {
    ETag(format!("\"{}\"", hex::encode(Md5::digest(body))))
}

#[async_trait]
impl DocumentStore for EmbeddedStore {
    async fn get(&self, key: &StorageKey) -> Result<Option<Document>, StoreError> {
        let key_s = key.to_string();
        if !self.catalog.read().await.contains_key(&key_s) {
            return Ok(None);
        }
        let bytes = match tokio::fs::read(self.path_of(&key_s)).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("reading an object", e)),
        };
        let (header, body) = split(&bytes)?;
        let meta = meta_of(header, body.len());
        Ok(Some(Document { body: Bytes::copy_from_slice(body), meta }))
    }

    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectMeta>, StoreError> {
        Ok(self.catalog.read().await.get(&key.to_string()).cloned())
    }

    async fn put(&self, key: &StorageKey, body: Bytes, options: PutOptions) -> Result<ETag, StoreError> {
        let key_s = key.to_string();
        let _guard = self.lock_for(&key_s).lock().await;
        let current = self.catalog.read().await.get(&key_s).map(|m| m.etag.clone());
        let ok = match (&options.precondition, &current) {
            (Precondition::None, _) => true,
            (Precondition::IfNoneMatch, existing) => existing.is_none(),
            (Precondition::IfMatch(want), Some(have)) => want == have,
            (Precondition::IfMatch(_), None) => false,
        };
        if !ok {
            return Err(StoreError::PreconditionFailed { key: key_s });
        }
        let etag = etag_of(&body);
        let header = Header {
            etag: etag.0.clone(),
            content_type: Some(options.content_type.unwrap_or_else(|| key.content_type().to_owned())),
            metadata: options.metadata,
            last_modified: Utc::now(),
        };
        let mut file = serde_json::to_vec(&header).map_err(|e| StoreError::Other(e.to_string()))?;
        file.push(b'\n');
        file.extend_from_slice(&body);
        let tmp = self.root.join("tmp").join(uuid_like());
        let dest = self.path_of(&key_s);
        let size = body.len();
        tokio::task::spawn_blocking(move || write_atomically(&tmp, &dest, &file))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))??;
        self.catalog.write().await.insert(key_s, meta_of(header, size));
        drop(_guard);
        self.announce(key, &etag);
        Ok(etag)
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StoreError> {
        let key_s = key.to_string();
        let _guard = self.lock_for(&key_s).lock().await;
        match tokio::fs::remove_file(self.path_of(&key_s)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("deleting an object", e)),
        }
        self.catalog.write().await.remove(&key_s);
        Ok(())
    }

    async fn delete_if_match(&self, key: &StorageKey, etag: &ETag) -> Result<(), StoreError> {
        let key_s = key.to_string();
        let _guard = self.lock_for(&key_s).lock().await;
        if self.catalog.read().await.get(&key_s).map(|m| &m.etag) != Some(etag) {
            return Err(StoreError::PreconditionFailed { key: key_s });
        }
        match tokio::fs::remove_file(self.path_of(&key_s)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("deleting an object", e)),
        }
        self.catalog.write().await.remove(&key_s);
        Ok(())
    }

    async fn list(&self, prefix: &str, continuation: Option<&str>, limit: usize) -> Result<ListPage, StoreError> {
        let limit = limit.clamp(1, MAX_LIST_PAGE);
        let catalog = self.catalog.read().await;
        let start = match continuation {
            Some(after) => std::ops::Bound::Excluded(after.to_owned()),
            None => std::ops::Bound::Included(prefix.to_owned()),
        };
        let mut items = Vec::with_capacity(limit.min(64));
        let mut next = None;
        for (key, meta) in catalog.range((start, std::ops::Bound::Unbounded)) {
            if !key.starts_with(prefix) {
                break;
            }
            if items.len() == limit {
                next = items.last().map(|l: &Listed| l.key.clone());
                break;
            }
            items.push(Listed {
                key: key.clone(),
                etag: meta.etag.clone(),
                size: meta.size,
                last_modified: meta.last_modified,
            });
        }
        Ok(ListPage { items, next })
    }
}

fn write_atomically(tmp: &Path, dest: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_err("creating a key directory", e))?;
    }
    let mut f = std::fs::File::create(tmp).map_err(|e| io_err("writing an object", e))?;
    f.write_all(bytes).map_err(|e| io_err("writing an object", e))?;
    f.sync_all().map_err(|e| io_err("flushing an object", e))?;
    std::fs::rename(tmp, dest).map_err(|e| io_err("renaming an object into place", e))?;
    Ok(())
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}
