//! `/api/approvals/{id}`: where an object's approval stands, per customer (who approved, who is
//! still needed), with its blackout overrides and the conflicts of its window.

use axum::Json;
use axum::extract::{Path, State};
use ccm_core::ObjectId;

use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::{ApprovalStatusBody, ErrorBody};

#[utoipa::path(get, path = "/api/approvals/{id}", tag = "approvals", operation_id = "approvalStatus",
    params(("id" = String, Path, description = "A change or announcement id")),
    responses((status = 200, description = "Per-customer approval progress, approvals, overrides, conflicts", body = ApprovalStatusBody),
              (status = 400, description = "A malformed id", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 404, description = "Not found or not visible", body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> ApiResult<Json<ApprovalStatusBody>> {
    let id = ObjectId::parse(&id).map_err(|e| ApiError::field("id", e.to_string()))?;
    Ok(Json(state.app.objects(&user.caller).approval_status(&id).await?.into()))
}
