//! Direct uploads and downloads of attachment bytes: presigned S3 URLs, so the bytes never pass
//! through a Lambda (whose synchronous payload stops at 6 MB). The upload URL binds the exact
//! content type, length and (when the uploader gave it) SHA-256 into its signature, so S3 refuses
//! any other bytes; it expires after 10 minutes. Downloads are presigned GETs answered as
//! attachments (`Content-Disposition: attachment`) with the stored type.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::presigning::PresigningConfig;
use ccm_core::StorageKey;
use ccm_core::ports::{StoreError, UploadSigner, UploadSpec, UploadTarget};

/// How long a presigned URL works.
const EXPIRES: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub struct S3Uploads {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Uploads {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }
}

fn presigning() -> Result<PresigningConfig, StoreError> {
    PresigningConfig::expires_in(EXPIRES).map_err(|e| StoreError::Other(format!("presigning: {e}")))
}

#[async_trait]
impl UploadSigner for S3Uploads {
    async fn upload(&self, key: &StorageKey, spec: &UploadSpec<'_>) -> Result<UploadTarget, StoreError> {
        let size = i64::try_from(spec.size).map_err(|_| StoreError::Other("an upload size out of range".into()))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key.to_string())
            .content_type(spec.content_type)
            .content_length(size)
            .set_checksum_sha256(spec.sha256.map(str::to_owned))
            .presigned(presigning()?)
            .await
            .map_err(|e| StoreError::Other(format!("presigning PutObject {key}: {e}")))?;
        // Exactly the headers the signature covers (a browser sets Content-Length itself).
        let headers: BTreeMap<String, String> = request
            .headers()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("host"))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        Ok(UploadTarget {
            upload_url: request.uri().to_owned(),
            method: request.method().to_owned(),
            headers,
            expires_in_seconds: EXPIRES.as_secs(),
        })
    }

    async fn download(&self, key: &StorageKey, file_name: &str) -> Result<Option<String>, StoreError> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.to_string())
            .response_content_disposition(format!("attachment; filename=\"{file_name}\""))
            .presigned(presigning()?)
            .await
            .map_err(|e| StoreError::Other(format!("presigning GetObject {key}: {e}")))?;
        Ok(Some(request.uri().to_owned()))
    }
}
