//! `MemoryStore`: the one in-memory [`DocumentStore`] of the tests, with S3's semantics (MD5 ETags,
//! create-only and If-Match puts, conditional deletes, key-ordered paginated listing). It passes the
//! same contract suite as the embedded and S3 stores (`tests/it`), so tests written against it
//! cannot rely on behaviour the real stores lack. Every call is counted, for tests that assert on
//! how many requests an operation makes.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use ccm_core::StorageKey;
use ccm_core::ports::{
    Document, DocumentStore, ETag, ListPage, Listed, MAX_LIST_PAGE, ObjectMeta, Precondition, PutOptions, StoreError,
};
use chrono::Utc;
use md5::{Digest, Md5};

#[derive(Default)]
pub struct MemoryStore {
    docs: Mutex<BTreeMap<String, Document>>,
    calls: AtomicUsize,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests served so far (get, head, put, delete, list).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }

    /// Every key, in order.
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Document>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        // A test that panicked while holding the lock already failed; keep serving the others.
        self.docs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn etag_of(body: &[u8]) -> ETag {
    ETag(format!("\"{}\"", hex::encode(Md5::digest(body))))
}

#[async_trait]
impl DocumentStore for MemoryStore {
    async fn get(&self, key: &StorageKey) -> Result<Option<Document>, StoreError> {
        Ok(self.lock().get(&key.to_string()).cloned())
    }

    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectMeta>, StoreError> {
        Ok(self.lock().get(&key.to_string()).map(|d| d.meta.clone()))
    }

    async fn put(&self, key: &StorageKey, body: Bytes, options: PutOptions) -> Result<ETag, StoreError> {
        let key_s = key.to_string();
        let mut docs = self.lock();
        let current = docs.get(&key_s).map(|d| &d.meta.etag);
        let ok = match (&options.precondition, current) {
            (Precondition::None, _) => true,
            (Precondition::IfNoneMatch, existing) => existing.is_none(),
            (Precondition::IfMatch(want), Some(have)) => want == have,
            (Precondition::IfMatch(_), None) => false,
        };
        if !ok {
            return Err(StoreError::PreconditionFailed { key: key_s });
        }
        let etag = etag_of(&body);
        let meta = ObjectMeta {
            etag: etag.clone(),
            size: body.len() as u64,
            last_modified: Utc::now(),
            content_type: Some(options.content_type.unwrap_or_else(|| key.content_type().to_owned())),
            metadata: options.metadata,
        };
        docs.insert(key_s, Document { body, meta });
        Ok(etag)
    }

    async fn delete(&self, key: &StorageKey) -> Result<(), StoreError> {
        self.lock().remove(&key.to_string());
        Ok(())
    }

    async fn delete_if_match(&self, key: &StorageKey, etag: &ETag) -> Result<(), StoreError> {
        let key_s = key.to_string();
        let mut docs = self.lock();
        if docs.get(&key_s).map(|d| &d.meta.etag) != Some(etag) {
            return Err(StoreError::PreconditionFailed { key: key_s });
        }
        docs.remove(&key_s);
        Ok(())
    }

    async fn list(&self, prefix: &str, continuation: Option<&str>, limit: usize) -> Result<ListPage, StoreError> {
        let limit = limit.clamp(1, MAX_LIST_PAGE);
        let docs = self.lock();
        let start = match continuation {
            Some(after) => std::ops::Bound::Excluded(after.to_owned()),
            None => std::ops::Bound::Included(prefix.to_owned()),
        };
        let mut items = Vec::new();
        let mut next = None;
        for (key, doc) in docs.range((start, std::ops::Bound::Unbounded)) {
            if !key.starts_with(prefix) {
                break;
            }
            if items.len() == limit {
                next = items.last().map(|l: &Listed| l.key.clone());
                break;
            }
            items.push(Listed {
                key: key.clone(),
                etag: doc.meta.etag.clone(),
                size: doc.meta.size,
                last_modified: doc.meta.last_modified,
            });
        }
        Ok(ListPage { items, next })
    }
}
