//! Attachment uploads in `ccm serve`: the "presigned URL" is a local API route that stores the bytes
//! (the route checks the session, CSRF, ownership, size and type), and downloads are streamed.

use async_trait::async_trait;
use ccm_core::StorageKey;
use ccm_core::ports::{StoreError, UploadSigner, UploadSpec, UploadTarget};

#[derive(Debug, Default, Clone, Copy)]
pub struct LocalUploads;

#[async_trait]
impl UploadSigner for LocalUploads {
    async fn upload(&self, key: &StorageKey, spec: &UploadSpec<'_>) -> Result<UploadTarget, StoreError> {
        let mut headers = std::collections::BTreeMap::new();
        headers.insert("Content-Type".to_owned(), spec.content_type.to_owned());
        if let Some(sha) = spec.sha256 {
            headers.insert("x-amz-checksum-sha256".to_owned(), sha.to_owned());
        }
        Ok(UploadTarget {
            upload_url: format!("/api/uploads/{key}"),
            method: "PUT".into(),
            headers,
            expires_in_seconds: 900,
        })
    }
    async fn download(&self, _key: &StorageKey, _file_name: &str) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
}
