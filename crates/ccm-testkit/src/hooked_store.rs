//! `HookedStore`: a [`DocumentStore`] that runs an async hook before handing each call to the store
//! it wraps: to count requests of one kind, hold one back until something else has happened, or add
//! a round trip's latency to every call (the fan-out benchmark's S3-like store).

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use ccm_core::StorageKey;
use ccm_core::ports::{Document, DocumentStore, ETag, ListPage, ObjectMeta, PutOptions, StoreError};
use futures::future::BoxFuture;

/// The kind of a store call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Get,
    Head,
    Put,
    Delete,
    List,
}

/// Run before each call with its kind and its key (a listing's prefix); the call waits for it.
pub type Hook = Arc<dyn Fn(Op, &str) -> BoxFuture<'static, ()> + Send + Sync>;

pub struct HookedStore {
    inner: Arc<dyn DocumentStore>,
    hook: Hook,
}

impl HookedStore {
    pub fn new(
        inner: Arc<dyn DocumentStore>,
        hook: impl Fn(Op, &str) -> BoxFuture<'static, ()> + Send + Sync + 'static,
    ) -> Self {
        Self { inner, hook: Arc::new(hook) }
    }
}

#[async_trait]
impl DocumentStore for HookedStore {
    async fn get(&self, key: &StorageKey) -> Result<Option<Document>, StoreError> {
        (self.hook)(Op::Get, &key.to_string()).await;
        self.inner.get(key).await
    }
    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectMeta>, StoreError> {
        (self.hook)(Op::Head, &key.to_string()).await;
        self.inner.head(key).await
    }
    async fn put(&self, key: &StorageKey, body: Bytes, options: PutOptions) -> Result<ETag, StoreError> {
        (self.hook)(Op::Put, &key.to_string()).await;
        self.inner.put(key, body, options).await
    }
    async fn delete(&self, key: &StorageKey) -> Result<(), StoreError> {
        (self.hook)(Op::Delete, &key.to_string()).await;
        self.inner.delete(key).await
    }
    async fn delete_if_match(&self, key: &StorageKey, etag: &ETag) -> Result<(), StoreError> {
        (self.hook)(Op::Delete, &key.to_string()).await;
        self.inner.delete_if_match(key, etag).await
    }
    async fn list(&self, prefix: &str, continuation: Option<&str>, limit: usize) -> Result<ListPage, StoreError> {
        (self.hook)(Op::List, prefix).await;
        self.inner.list(prefix, continuation, limit).await
    }
}
