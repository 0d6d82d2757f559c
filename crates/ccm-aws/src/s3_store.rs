//! [`DocumentStore`] on an S3 bucket: conditional writes with `If-None-Match` / `If-Match`, prefix
//! listing with ListObjectsV2, and S3 errors mapped to [`StoreError`] (retryable or not).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use ccm_core::StorageKey;
use ccm_core::ports::{
    Document, DocumentStore, ETag, ListPage, Listed, MAX_LIST_PAGE, ObjectMeta, Precondition, PutOptions, StoreError,
};
use chrono::{DateTime, Utc};

/// The bucket that holds every document; cheap to clone (the client is shared).
#[derive(Debug, Clone)]
pub struct S3DocumentStore {
    client: Client,
    bucket: String,
}

impl S3DocumentStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

#[async_trait]
impl DocumentStore for S3DocumentStore {
    #[tracing::instrument(skip_all, fields(bucket = %self.bucket, key = %key))]
    async fn get(&self, key: &StorageKey) -> Result<Option<Document>, StoreError> {
        let key = key.to_string();
        let out = match self.client.get_object().bucket(&self.bucket).key(&key).send().await {
            Ok(out) => out,
            Err(err) if is_not_found(&err) => return Ok(None),
            Err(err) => return Err(map_error("GetObject", &key, &err)),
        };
        let meta = object_meta(
            &key,
            out.e_tag(),
            out.content_length(),
            out.last_modified(),
            out.content_type(),
            out.metadata(),
        )?;
        let body = out
            .body
            .collect()
            .await
            .map_err(|err| StoreError::Unavailable(format!("GetObject {key}: reading the body: {err}")))?
            .into_bytes();
        Ok(Some(Document { meta: ObjectMeta { size: body.len() as u64, ..meta }, body }))
    }

    #[tracing::instrument(skip_all, fields(bucket = %self.bucket, key = %key))]
    async fn head(&self, key: &StorageKey) -> Result<Option<ObjectMeta>, StoreError> {
        let key = key.to_string();
        match self.client.head_object().bucket(&self.bucket).key(&key).send().await {
            Ok(out) => object_meta(
                &key,
                out.e_tag(),
                out.content_length(),
                out.last_modified(),
                out.content_type(),
                out.metadata(),
            )
            .map(Some),
            Err(err) if is_not_found(&err) => Ok(None),
            Err(err) => Err(map_error("HeadObject", &key, &err)),
        }
    }

    #[tracing::instrument(skip_all, fields(bucket = %self.bucket, key = %key, size = body.len()))]
    async fn put(&self, key: &StorageKey, body: Bytes, options: PutOptions) -> Result<ETag, StoreError> {
        let content_type = options.content_type.unwrap_or_else(|| key.content_type().to_owned());
        let key = key.to_string();
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(content_type)
            .set_metadata((!options.metadata.is_empty()).then(|| options.metadata.into_iter().collect()))
            .body(ByteStream::from(body));
        let if_match = matches!(options.precondition, Precondition::IfMatch(_));
        request = match options.precondition {
            Precondition::None => request,
            Precondition::IfNoneMatch => request.if_none_match("*"),
            Precondition::IfMatch(etag) => request.if_match(etag.0),
        };
        match request.send().await {
            Ok(out) => out
                .e_tag()
                .map(ETag::from_header)
                .ok_or_else(|| StoreError::Other(format!("PutObject {key}: the response has no ETag"))),
            // If-Match on a missing key is a failed precondition for the port; S3 answers 404 NoSuchKey.
            Err(err) if if_match && is_not_found(&err) => Err(StoreError::PreconditionFailed { key }),
            Err(err) => Err(map_error("PutObject", &key, &err)),
        }
    }

    #[tracing::instrument(skip_all, fields(bucket = %self.bucket, key = %key))]
    async fn delete(&self, key: &StorageKey) -> Result<(), StoreError> {
        let key = key.to_string();
        match self.client.delete_object().bucket(&self.bucket).key(&key).send().await {
            Ok(_) => Ok(()),
            // S3 answers 204 for a missing key; some emulators answer 404.
            Err(err) if is_not_found(&err) => Ok(()),
            Err(err) => Err(map_error("DeleteObject", &key, &err)),
        }
    }

    #[tracing::instrument(skip_all, fields(bucket = %self.bucket, key = %key))]
    async fn delete_if_match(&self, key: &StorageKey, etag: &ETag) -> Result<(), StoreError> {
        let key = key.to_string();
        let request = self.client.delete_object().bucket(&self.bucket).key(&key).if_match(etag.as_str());
        match request.send().await {
            Ok(_) => Ok(()),
            // A key that is gone no longer matches (S3 answers 404; a changed one 412, mapped below).
            Err(err) if is_not_found(&err) => Err(StoreError::PreconditionFailed { key }),
            Err(err) => Err(map_error("DeleteObject", &key, &err)),
        }
    }

    #[tracing::instrument(skip_all, fields(bucket = %self.bucket, prefix = %prefix))]
    async fn list(&self, prefix: &str, continuation: Option<&str>, limit: usize) -> Result<ListPage, StoreError> {
        let max_keys = limit.clamp(1, MAX_LIST_PAGE) as i32;
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .max_keys(max_keys)
            .set_continuation_token(continuation.map(str::to_owned))
            .send()
            .await
            .map_err(|err| map_error("ListObjectsV2", prefix, &err))?;
        let items = out
            .contents()
            .iter()
            .map(|object| {
                let key = object.key().unwrap_or_default();
                Ok(Listed {
                    key: key.to_owned(),
                    etag: object.e_tag().map(ETag::from_header).ok_or_else(|| missing("ETag", key))?,
                    size: object.size().unwrap_or(0).max(0) as u64,
                    last_modified: to_chrono(object.last_modified()).ok_or_else(|| missing("LastModified", key))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next =
            if out.is_truncated() == Some(true) { out.next_continuation_token().map(str::to_owned) } else { None };
        Ok(ListPage { items, next })
    }
}

fn object_meta(
    key: &str,
    etag: Option<&str>,
    size: Option<i64>,
    last_modified: Option<&aws_sdk_s3::primitives::DateTime>,
    content_type: Option<&str>,
    metadata: Option<&HashMap<String, String>>,
) -> Result<ObjectMeta, StoreError> {
    Ok(ObjectMeta {
        etag: etag.map(ETag::from_header).ok_or_else(|| missing("ETag", key))?,
        size: size.unwrap_or(0).max(0) as u64,
        last_modified: to_chrono(last_modified).ok_or_else(|| missing("Last-Modified", key))?,
        content_type: content_type.map(str::to_owned),
        metadata: metadata
            .map(|m| m.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect())
            .unwrap_or_default(),
    })
}

fn missing(what: &str, key: &str) -> StoreError {
    StoreError::Other(format!("S3 returned no {what} for {key}"))
}

fn to_chrono(t: Option<&aws_sdk_s3::primitives::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

fn status<E>(err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// A missing key: `NoSuchKey` (GET), `NotFound` (HEAD has no body, so only the status), or a bare 404.
/// A missing bucket is not a missing key.
fn is_not_found<E: ProvideErrorMetadata>(err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> bool {
    if !matches!(err, SdkError::ServiceError(_)) {
        return false;
    }
    match err.code() {
        Some("NoSuchKey" | "NotFound") => true,
        Some("NoSuchBucket") => false,
        _ => status(err) == Some(404),
    }
}

/// Maps an SDK error to the port's error: failed preconditions, transient failures (retryable), or the rest.
/// `subject` is the key (or prefix) for the message; bodies are never part of it.
fn map_error<E>(op: &str, subject: &str, err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let describe = || format!("{op} {subject}: {}", DisplayErrorContext(err));
    match err {
        SdkError::TimeoutError(_) => StoreError::Unavailable(describe()),
        SdkError::DispatchFailure(failure) if failure.is_user() => StoreError::Other(describe()),
        SdkError::DispatchFailure(_) => StoreError::Unavailable(describe()),
        SdkError::ConstructionFailure(_) => StoreError::Other(describe()),
        _ => {
            let status = status(err);
            let code = err.code();
            if status == Some(412) || code == Some("PreconditionFailed") || code == Some("ConditionalRequestConflict") {
                StoreError::PreconditionFailed { key: subject.to_owned() }
            } else if matches!(
                // An answer without a status is read as a refusal unless its code says otherwise.
                crate::sdk_error::class_of(code, status.or(Some(400))),
                crate::sdk_error::Class::Throttled | crate::sdk_error::Class::Unavailable
            ) {
                StoreError::Unavailable(describe())
            } else {
                StoreError::Other(describe())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::operation::put_object::PutObjectError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn service_error(status: u16, code: Option<&str>) -> SdkError<PutObjectError, Response> {
        let mut meta = ErrorMetadata::builder();
        if let Some(code) = code {
            meta = meta.code(code);
        }
        let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(PutObjectError::generic(meta.build()), raw)
    }

    fn mapped(status: u16, code: Option<&str>) -> StoreError {
        map_error("PutObject", "archive/CHG-1.json", &service_error(status, code))
    }

    #[test]
    fn a_412_or_a_conditional_conflict_is_a_failed_precondition() {
        for (status, code) in
            [(412, Some("PreconditionFailed")), (412, None), (409, Some("ConditionalRequestConflict"))]
        {
            match mapped(status, code) {
                StoreError::PreconditionFailed { key } => assert_eq!(key, "archive/CHG-1.json"),
                other => panic!("{status} {code:?} mapped to {other:?}"),
            }
        }
    }

    #[test]
    fn throttling_timeouts_and_server_errors_are_retryable() {
        for (status, code) in [
            (503, Some("SlowDown")),
            (400, Some("Throttling")),
            (400, Some("RequestTimeout")),
            (500, Some("InternalError")),
            (502, None),
            (429, None),
        ] {
            assert!(mapped(status, code).is_retryable(), "{status} {code:?} must be retryable");
        }
    }

    #[test]
    fn access_denied_and_a_missing_bucket_are_not_retryable() {
        for (status, code) in [(403, Some("AccessDenied")), (404, Some("NoSuchBucket")), (400, Some("InvalidArgument"))]
        {
            assert!(matches!(mapped(status, code), StoreError::Other(_)), "{status} {code:?}");
        }
    }

    #[test]
    fn a_missing_key_is_recognised_but_a_missing_bucket_is_not() {
        assert!(is_not_found(&service_error(404, Some("NoSuchKey"))));
        assert!(is_not_found(&service_error(404, None)));
        assert!(!is_not_found(&service_error(404, Some("NoSuchBucket"))));
        assert!(!is_not_found(&service_error(403, Some("AccessDenied"))));
    }
}
