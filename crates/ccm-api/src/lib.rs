//! The ccm HTTP API: an axum `Router` over the ports (`router(state)`), used as it is by the
//! `ccm-api` Lambda (under lambda_http), by `ccm serve` and by the tests.
//!
//! Every route is under `/api`, speaks JSON, and answers errors as `{"error", "message", "field"?}`.

pub mod auth;
pub mod error;
pub mod input;
pub mod routes;
pub mod service;
pub mod state;
pub mod uploads;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;

pub use error::{ApiError, ApiResult};
pub use state::AppState;

/// The API router: every `/api` route, the session middleware and the 1 MiB body limit.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/me", get(routes::account::me))
        .route("/api/customers", get(routes::account::customers))
        .route("/api/search", get(routes::search::search))
        .route("/api/statistics", get(routes::search::statistics))
        .route("/api/recent", get(routes::search::recent))
        .route("/api/openapi.json", get(routes::openapi::openapi_json))
        .route("/api/saved-searches", get(routes::saved::get).put(routes::saved::put))
        .route("/api/announcements/{id}/attachments", axum::routing::post(routes::attachments::start))
        .route(
            "/api/announcements/{id}/attachments/{name}",
            get(routes::attachments::download).delete(routes::attachments::remove),
        )
        .route("/api/announcements/{id}/attachments/{name}/confirm", axum::routing::post(routes::attachments::confirm))
        .route(
            "/api/uploads/announcements/{id}/attachments/{name}",
            axum::routing::put(routes::attachments::local_upload)
                .layer(DefaultBodyLimit::max(routes::attachments::UPLOAD_LIMIT)),
        )
        .merge(routes::objects::changes::router())
        .merge(routes::objects::announcements::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::session_layer))
        .layer(DefaultBodyLimit::max(routes::common::BODY_LIMIT))
        // No API answer is ever sniffed into something else (an HTML page, a script).
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            axum::http::HeaderValue::from_static("nosniff"),
        ))
        .with_state(state)
}

async fn method_not_allowed() -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({"error": "method_not_allowed", "message": "this route does not accept that method"});
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("no such API route".into())
}
