//! Attachments of announcements: get an upload target, upload (local route in `ccm serve`),
//! confirm, download, remove.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ccm_app::attachments::{Download, MAX_ATTACHMENT, parse_name};
use ccm_app::{Family, Saved};
use ccm_core::StorageKey;

use super::common::{ApiJson, with_etag};
use super::objects::parse_id;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{ErrorBody, SavedBody, UploadRequest, UploadTargetBody};

/// The body limit of the local upload route.
pub const UPLOAD_LIMIT: usize = MAX_ATTACHMENT as usize + 1;

fn saved(s: Saved) -> Response {
    let etag = s.etag.clone();
    with_etag(Json(SavedBody::from(s)).into_response(), &etag)
}

#[utoipa::path(post, path = "/api/announcements/{id}/attachments", tag = "announcements", operation_id = "startAttachmentUpload",
    params(("id" = String, Path, pattern = "^(CIC|FIN|INN|GEN)-[A-Za-z0-9-]{1,64}$")), request_body = UploadRequest,
    responses((status = 200, description = "Where to send the bytes", body = UploadTargetBody),
              (status = 400, description = "Bad name, size (≤ 50 MiB) or content type, named", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "Not the author, or CSRF", body = ErrorBody),
              (status = 404, description = "No such announcement", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody),
              (status = 422, description = "Attachments change only in draft or submitted", body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UploadRequest>,
) -> ApiResult<Json<UploadTargetBody>> {
    let id = parse_id(Family::Announcements, &id)?;
    let name = parse_name(&req.name)?;
    let objects = state.app.objects(&user.caller);
    let target = objects.upload_target(&id, &name, req.size, &req.content_type, req.sha256.as_deref()).await?;
    Ok(Json(UploadTargetBody {
        upload_url: target.upload_url,
        method: target.method,
        headers: target.headers,
        expires_in_seconds: target.expires_in_seconds,
        key: StorageKey::Attachment(id, name).to_string(),
    }))
}

#[utoipa::path(post, path = "/api/announcements/{id}/attachments/{name}/confirm", tag = "announcements", operation_id = "confirmAttachment",
    params(("id" = String, Path, pattern = "^(CIC|FIN|INN|GEN)-[A-Za-z0-9-]{1,64}$"), ("name" = String, Path, pattern = "^[A-Za-z0-9_()-][A-Za-z0-9 ._()-]{0,126}[A-Za-z0-9_().-]$|^[A-Za-z0-9_()-]$")),
    responses((status = 200, description = "The announcement, now listing the attachment", body = SavedBody),
              (status = 400, description = "Nothing uploaded, or not what was declared (then deleted)", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "Not the author, or CSRF", body = ErrorBody),
              (status = 404, description = "No such announcement", body = ErrorBody),
              (status = 409, description = "The announcement kept changing", body = ErrorBody),
              (status = 422, description = "Attachments change only in draft or submitted", body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    user: User,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(Family::Announcements, &id)?;
    let name = parse_name(&name)?;
    Ok(saved(state.app.objects(&user.caller).confirm_attachment(&id, &name).await?))
}

#[utoipa::path(delete, path = "/api/announcements/{id}/attachments/{name}", tag = "announcements", operation_id = "removeAttachment",
    params(("id" = String, Path, pattern = "^(CIC|FIN|INN|GEN)-[A-Za-z0-9-]{1,64}$"), ("name" = String, Path, pattern = "^[A-Za-z0-9_()-][A-Za-z0-9 ._()-]{0,126}[A-Za-z0-9_().-]$|^[A-Za-z0-9_()-]$")),
    responses((status = 200, description = "The announcement without the attachment", body = SavedBody),
              (status = 400, description = "A malformed id or name", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "Not the author, or CSRF", body = ErrorBody),
              (status = 404, description = "No such announcement", body = ErrorBody),
              (status = 409, description = "The announcement kept changing", body = ErrorBody),
              (status = 422, description = "Attachments change only in draft or submitted", body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    user: User,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(Family::Announcements, &id)?;
    let name = parse_name(&name)?;
    Ok(saved(state.app.objects(&user.caller).remove_attachment(&id, &name).await?))
}

#[utoipa::path(get, path = "/api/announcements/{id}/attachments/{name}", tag = "announcements", operation_id = "downloadAttachment",
    params(("id" = String, Path, pattern = "^(CIC|FIN|INN|GEN)-[A-Za-z0-9-]{1,64}$"), ("name" = String, Path, pattern = "^[A-Za-z0-9_()-][A-Za-z0-9 ._()-]{0,126}[A-Za-z0-9_().-]$|^[A-Za-z0-9_()-]$")),
    responses((status = 200, description = "The bytes, as a download (sandboxed, never sniffed)", content_type = "application/octet-stream", body = Vec<u8>),
              (status = 302, description = "To a presigned URL"),
              (status = 400, description = "A malformed id or name", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 404, description = "Not listed on the announcement", body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    user: User,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(Family::Announcements, &id)?;
    let name = parse_name(&name)?;
    let (body, ct) = match state.app.objects(&user.caller).download(&id, &name).await? {
        Download::Redirect(url) => return Ok(Redirect::to(&url).into_response()),
        Download::Bytes { body, content_type } => (body, content_type),
    };
    let mut res = Response::new(Body::from(body));
    let h = res.headers_mut();
    let ct = ct.unwrap_or_else(|| "application/octet-stream".into());
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Even if a browser rendered it, an attachment runs in an opaque sandbox, never as our origin.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    let disposition = format!("attachment; filename=\"{}\"", name.as_str());
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// The bytes of an upload: over the limit → 413 in our error format.
pub struct UploadBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for UploadBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let too_large = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > UPLOAD_LIMIT as u64);
        if too_large {
            return Err(ApiError::TooLarge);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadJson(format!("could not read the upload: {e}"))
            }
        })?;
        Ok(Self(bytes))
    }
}

#[utoipa::path(put, path = "/api/uploads/announcements/{id}/attachments/{name}", tag = "announcements", operation_id = "uploadAttachment",
    params(("id" = String, Path, pattern = "^(CIC|FIN|INN|GEN)-[A-Za-z0-9-]{1,64}$"), ("name" = String, Path, pattern = "^[A-Za-z0-9_()-][A-Za-z0-9 ._()-]{0,126}[A-Za-z0-9_().-]$|^[A-Za-z0-9_()-]$"), ("Content-Type" = String, Header, description = "The declared type")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Exactly the declared bytes"),
    responses((status = 204, description = "Stored; now confirm it"),
              (status = 400, description = "Not what was declared, or no upload started", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "Not the author, or CSRF", body = ErrorBody),
              (status = 404, description = "No such announcement", body = ErrorBody),
              (status = 413, description = "Over 50 MiB", body = ErrorBody),
              (status = 422, description = "Attachments change only in draft or submitted", body = ErrorBody)))]
pub async fn local_upload(
    State(state): State<AppState>,
    user: User,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
    UploadBody(body): UploadBody,
) -> ApiResult<StatusCode> {
    let id = parse_id(Family::Announcements, &id)?;
    let name = parse_name(&name)?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    state.app.objects(&user.caller).store_upload(&id, &name, ct, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
