//! `/api/saved-searches`: the signed-in user's saved searches.

use axum::Json;
use axum::extract::State;
use ccm_app::saved_searches;

use super::common::ApiJson;
use crate::auth::User;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::{ErrorBody, SavedSearchesBody};

#[utoipa::path(get, path = "/api/saved-searches", tag = "search", operation_id = "getSavedSearches",
    responses((status = 200, description = "My saved searches", body = SavedSearchesBody),
              (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn get(State(state): State<AppState>, user: User) -> ApiResult<Json<SavedSearchesBody>> {
    Ok(Json(saved_searches::load(&*state.app.store, &user.caller.id).await?.into()))
}

#[utoipa::path(put, path = "/api/saved-searches", tag = "search", operation_id = "putSavedSearches", request_body = SavedSearchesBody,
    responses((status = 200, description = "Saved (replaces the list)", body = SavedSearchesBody),
              (status = 400, description = "Too many, or a bad name or query, named", body = ErrorBody),
              (status = 401, description = "Not signed in", body = ErrorBody),
              (status = 403, description = "CSRF", body = ErrorBody),
              (status = 413, description = "Body over 1 MiB", body = ErrorBody),
              (status = 415, description = "Not JSON", body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    user: User,
    ApiJson(body): ApiJson<SavedSearchesBody>,
) -> ApiResult<Json<SavedSearchesBody>> {
    Ok(Json(saved_searches::save(&*state.app.store, &user.caller.id, body.into()).await?.into()))
}
