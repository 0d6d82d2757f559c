//! `/api/blackouts`: blackout windows, per customer or global. Everyone reads those of their
//! customers (and global ones); admins create, edit (with `If-Match`) and delete them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ccm_core::blackout::{BlackoutId, BlackoutInput};
use ccm_core::ports::ETag;

use super::common::{ApiJson, if_match, with_etag};
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{BlackoutSavedBody, BlackoutVersionBody, BlackoutVersionsBody, BlackoutsBody, ErrorBody};

fn parse_id(raw: &str) -> ApiResult<BlackoutId> {
    BlackoutId::parse(raw).map_err(|e| ApiError::field("id", e.to_string()))
}

fn saved(status: StatusCode, blackout: ccm_core::blackout::Blackout, etag: ETag) -> Response {
    let body = BlackoutSavedBody { blackout, etag: etag.as_str().to_owned() };
    with_etag((status, Json(body)).into_response(), &etag)
}

#[utoipa::path(get, path = "/api/blackouts", tag = "blackouts", operation_id = "listBlackouts",
    responses((status = 200, description = "Global blackout windows and those of my customers", body = BlackoutsBody),
              (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: User) -> ApiResult<Json<BlackoutsBody>> {
    Ok(Json(BlackoutsBody { items: state.app.blackouts(&user.caller).list().await? }))
}

#[utoipa::path(post, path = "/api/blackouts", tag = "blackouts", operation_id = "createBlackout", request_body = BlackoutInput,
    responses((status = 201, description = "Created; ETag header", body = BlackoutSavedBody),
              (status = 400, description = "Invalid fields, each named", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "Not an admin, a customer out of scope, or CSRF", body = ErrorBody),
              (status = 413, description = "Body over 1 MiB", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: User,
    ApiJson(input): ApiJson<BlackoutInput>,
) -> ApiResult<Response> {
    let (b, etag) = state.app.blackouts(&user.caller).create(input).await?;
    Ok(saved(StatusCode::CREATED, b, etag))
}

#[utoipa::path(get, path = "/api/blackouts/{id}", tag = "blackouts", operation_id = "getBlackout", params(("id" = String, Path)),
    responses((status = 200, description = "The blackout window; ETag header", body = BlackoutSavedBody),
              (status = 400, description = "A malformed id", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 404, description = "Not found or not visible", body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, user: User, Path(id): Path<String>) -> ApiResult<Response> {
    let (b, etag) = state.app.blackouts(&user.caller).get(&parse_id(&id)?).await?;
    Ok(saved(StatusCode::OK, b, etag))
}

#[utoipa::path(put, path = "/api/blackouts/{id}", tag = "blackouts", operation_id = "updateBlackout",
    params(("id" = String, Path), ("If-Match" = String, Header, description = "The ETag the edit is based on")),
    request_body = BlackoutInput,
    responses((status = 200, description = "Saved as the next version; ETag header", body = BlackoutSavedBody),
              (status = 400, description = "Invalid fields, each named", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "Not an admin, a customer out of scope, or CSRF", body = ErrorBody),
              (status = 404, description = "Not found", body = ErrorBody),
              (status = 409, description = "Stale ETag; the body carries the current blackout", body = ErrorBody),
              (status = 413, description = "Body over 1 MiB", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody),
              (status = 428, description = "If-Match missing", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<BlackoutInput>,
) -> ApiResult<Response> {
    let (b, etag) = state.app.blackouts(&user.caller).update(&parse_id(&id)?, if_match(&headers), input).await?;
    Ok(saved(StatusCode::OK, b, etag))
}

#[utoipa::path(delete, path = "/api/blackouts/{id}", tag = "blackouts", operation_id = "deleteBlackout",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 204, description = "Moved to deleted/blackouts/"),
              (status = 400, description = "A malformed id", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "Not an admin, a customer out of scope, or CSRF", body = ErrorBody),
              (status = 404, description = "Not found", body = ErrorBody),
              (status = 409, description = "Changed since it was read", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    state.app.blackouts(&user.caller).delete(&parse_id(&id)?, if_match(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/blackouts/{id}/versions", tag = "blackouts", operation_id = "listBlackoutVersions",
    params(("id" = String, Path)),
    responses((status = 200, description = "Every version, newest first", body = BlackoutVersionsBody),
              (status = 400, description = "A malformed id", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 404, description = "Not found or not visible", body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> ApiResult<Json<BlackoutVersionsBody>> {
    let id = parse_id(&id)?;
    let list = state.app.blackouts(&user.caller).versions(&id).await?;
    Ok(Json(BlackoutVersionsBody {
        id: id.to_string(),
        versions: list
            .into_iter()
            .map(|v| BlackoutVersionBody {
                version: v.version,
                modified_by: v.modified_by,
                modified_at: v.modified_at,
                current: v.current,
            })
            .collect(),
    }))
}
