//! Attachments of announcements: get an upload target, upload (local route in `ccm serve`),
//! confirm, download, remove.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ccm_core::ports::PutOptions;
use ccm_core::{Object, StorageKey};
use serde::Deserialize;
use serde_json::json;

use super::common::with_etag;
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::service::attachments::{MAX_ATTACHMENT, check_size, check_type, parse_name};
use crate::service::{Family, ObjectService, Saved};
use crate::state::AppState;

fn saved(s: Saved) -> Response {
    with_etag(Json(json!({"object": s.view, "etag": s.etag.as_str()})).into_response(), &s.etag)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadRequest {
    name: String,
    size: u64,
    content_type: String,
}

#[utoipa::path(post, path = "/api/announcements/{id}/attachments", tag = "announcements", params(("id" = String, Path)),
    request_body = UploadRequest,
    responses((status = 200, description = "Where to PUT the bytes: {uploadUrl, method, headers, expiresInSeconds}", body = serde_json::Value),
              (status = 400, description = "Bad name, size (≤ 10 MiB) or content type"),
              (status = 422, description = "Attachments change only in draft or submitted")))]
pub async fn start(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Json(req): Json<UploadRequest>,
) -> ApiResult<Response> {
    let id = Family::Announcements.parse_id(&id)?;
    let name = parse_name(&req.name)?;
    let target = ObjectService::new(&state, &user).upload_target(&id, &name, req.size, &req.content_type).await?;
    let mut body = serde_json::to_value(&target).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["key"] = json!(StorageKey::Attachment(id, name).to_string());
    Ok(Json(body).into_response())
}

#[utoipa::path(post, path = "/api/announcements/{id}/attachments/{name}/confirm", tag = "announcements",
    params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "The announcement, now listing the attachment", body = serde_json::Value),
              (status = 400, description = "Nothing uploaded, or it is too large or of a refused type (then deleted)")))]
pub async fn confirm(
    State(state): State<AppState>,
    user: User,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = Family::Announcements.parse_id(&id)?;
    let name = parse_name(&name)?;
    Ok(saved(ObjectService::new(&state, &user).confirm_attachment(&id, &name).await?))
}

#[utoipa::path(delete, path = "/api/announcements/{id}/attachments/{name}", tag = "announcements",
    params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "The announcement without the attachment", body = serde_json::Value)))]
pub async fn remove(
    State(state): State<AppState>,
    user: User,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = Family::Announcements.parse_id(&id)?;
    let name = parse_name(&name)?;
    Ok(saved(ObjectService::new(&state, &user).remove_attachment(&id, &name).await?))
}

#[utoipa::path(get, path = "/api/announcements/{id}/attachments/{name}", tag = "announcements",
    params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "The bytes (as a download)"), (status = 302, description = "To a presigned URL"),
              (status = 404, description = "Not listed on the announcement")))]
pub async fn download(
    State(state): State<AppState>,
    user: User,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = Family::Announcements.parse_id(&id)?;
    let name = parse_name(&name)?;
    let loaded = ObjectService::new(&state, &user).load(&id).await?;
    let Object::Announcement(a) = &loaded.object else { return Err(ApiError::not_found("announcement")) };
    if !a.attachments.iter().any(|x| x.name == name.as_str()) {
        return Err(ApiError::not_found("attachment"));
    }
    let key = StorageKey::Attachment(id, name.clone());
    if let Some(url) = state.uploads.download(&key, name.as_str()).await? {
        return Ok(Redirect::to(&url).into_response());
    }
    let Some(doc) = state.store.get(&key).await? else { return Err(ApiError::not_found("attachment")) };
    let mut res = Response::new(Body::from(doc.body));
    let h = res.headers_mut();
    let ct = doc.meta.content_type.unwrap_or_else(|| "application/octet-stream".into());
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

/// `PUT /api/uploads/announcements/{id}/attachments/{name}`: the local upload target (ccm serve only).
pub async fn local_upload(
    State(state): State<AppState>,
    user: User,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = Family::Announcements.parse_id(&id)?;
    let name = parse_name(&name)?;
    let service = ObjectService::new(&state, &user);
    service.attachable(&id).await?;
    let declared = service.declared(&id, &name).await?;
    check_size(body.len() as u64)?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let ct = check_type(ct)?;
    declared.check(body.len() as u64, &ct)?;
    let options =
        PutOptions { content_type: Some(ct), ..PutOptions::default() }.with_metadata("uploaded-by", user.email());
    state.store.put(&StorageKey::Attachment(id, name), body, options).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The body limit of the local upload route.
pub const UPLOAD_LIMIT: usize = MAX_ATTACHMENT as usize + 1;
