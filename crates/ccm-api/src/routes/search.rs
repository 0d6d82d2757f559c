//! `/api/search`, `/api/statistics` and `/api/recent`: answered from the index.

use axum::Json;
use axum::extract::{Query, State};
use ccm_core::ports::{IndexPage, SortField, Statistics};
use serde::Deserialize;

use super::common::ListParams;
use crate::auth::User;
use crate::error::ApiResult;
use crate::service::view;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/search", tag = "search", params(ListParams),
    responses((status = 200, description = "Changes and announcements matching every filter, one page", body = serde_json::Value),
              (status = 400, description = "A bad filter, named")))]
pub async fn search(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<IndexPage>> {
    let query = p.to_query(&user)?;
    Ok(Json(view::scoped_page(state.index.query(&query).await?, &user)))
}

#[utoipa::path(get, path = "/api/statistics", tag = "search", params(ListParams),
    responses((status = 200, description = "Counts by status: everything visible, mine, changes, announcements", body = Statistics)))]
pub async fn statistics(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<ListParams>,
) -> ApiResult<Json<Statistics>> {
    let query = p.to_query(&user)?;
    Ok(Json(state.index.statistics(&query).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecentParams {
    /// How many (default 10, at most 100).
    limit: Option<usize>,
    /// Only changes (`change`) or a type of announcement.
    #[serde(rename = "type")]
    type_: Option<String>,
}

#[utoipa::path(get, path = "/api/recent", tag = "search", params(RecentParams),
    responses((status = 200, description = "The most recently modified objects the user can see", body = serde_json::Value)))]
pub async fn recent(
    State(state): State<AppState>,
    user: User,
    Query(p): Query<RecentParams>,
) -> ApiResult<Json<IndexPage>> {
    let params =
        ListParams { type_: p.type_, limit: Some(p.limit.unwrap_or(10).clamp(1, 100)), ..ListParams::default() };
    let mut query = params.to_query(&user)?;
    query.sort = SortField::Modified;
    query.descending = true;
    Ok(Json(view::scoped_page(state.index.query(&query).await?, &user)))
}
