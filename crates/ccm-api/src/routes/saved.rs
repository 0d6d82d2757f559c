//! `/api/saved-searches`: the signed-in user's saved searches.

use axum::Json;
use axum::extract::State;

use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::service::saved_searches::{self, SavedSearches};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/saved-searches", tag = "search",
    responses((status = 200, description = "My saved searches", body = SavedSearches)))]
pub async fn get(State(state): State<AppState>, user: User) -> ApiResult<Json<SavedSearches>> {
    Ok(Json(saved_searches::load(&*state.store, user.email()).await?))
}

#[utoipa::path(put, path = "/api/saved-searches", tag = "search", request_body = SavedSearches,
    responses((status = 200, description = "Saved (replaces the list)", body = SavedSearches),
              (status = 400, description = "Too many, or a bad name or query")))]
pub async fn put(
    State(state): State<AppState>,
    user: User,
    body: super::common::JsonObject,
) -> ApiResult<Json<SavedSearches>> {
    let list: SavedSearches = serde_json::from_value(serde_json::Value::Object(body.0))
        .map_err(|e| ApiError::BadJson(format!("saved searches: {e}")))?;
    Ok(Json(saved_searches::save(&*state.store, user.email(), list).await?))
}
