//! The ccm HTTP API: an axum `Router` over the ports (`router(state)`), used as it is by the
//! `ccm-api` Lambda (under lambda_http), by `ccm serve` and by the tests.
//!
//! Every route is under `/api` (and Typeform's webhook at `/webhooks/typeform`), speaks JSON, and
//! answers errors as `{"error", "message", "field"?}`.

pub mod auth;
pub mod error;
pub mod routes;
pub mod state;
pub mod trace;
pub mod uploads;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, ApiResult};
pub use state::{AppState, SurveySettings};

/// Every documented route, registered once: the router and the OpenAPI document come from the same
/// list, so a route cannot be served without being described.
fn api_routes() -> OpenApiRouter<AppState> {
    use routes::{account, approvals, attachments, blackouts, calendar, objects, saved, search, surveys, webhooks};
    let upload = {
        let (schemas, paths, method_router) = routes!(attachments::local_upload);
        (schemas, paths, method_router.layer(DefaultBodyLimit::max(attachments::UPLOAD_LIMIT)))
    };
    let typeform_webhook = {
        let (schemas, paths, method_router) = routes!(webhooks::typeform);
        (schemas, paths, method_router.layer(DefaultBodyLimit::max(webhooks::WEBHOOK_LIMIT)))
    };
    OpenApiRouter::with_openapi(routes::openapi::ApiDoc::openapi())
        .routes(routes!(account::me))
        .routes(routes!(account::customers))
        .routes(routes!(search::search))
        .routes(routes!(search::statistics))
        .routes(routes!(search::recent))
        .routes(routes!(saved::get, saved::put))
        .routes(routes!(attachments::start))
        .routes(routes!(attachments::download, attachments::remove))
        .routes(routes!(attachments::confirm))
        .routes(upload)
        .routes(routes!(surveys::open, surveys::answer))
        .routes(routes!(surveys::summary))
        .routes(routes!(surveys::change_surveys))
        .routes(routes!(surveys::announcement_surveys))
        .routes(typeform_webhook)
        .routes(routes!(calendar::calendar))
        .routes(routes!(calendar::list_feeds))
        .routes(routes!(calendar::revoke_feed))
        .routes(routes!(calendar::feed))
        .routes(routes!(blackouts::list, blackouts::create))
        .routes(routes!(blackouts::get, blackouts::update, blackouts::delete))
        .routes(routes!(blackouts::versions))
        .routes(routes!(approvals::status))
        .merge(objects::changes::router())
        .merge(objects::announcements::router())
}

/// The OpenAPI document of the API (what `/api/openapi.json` serves).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api_routes().split_for_parts();
    routes::openapi::require_csrf_on_writes(&mut doc);
    doc
}

/// The API router: every `/api` route, the session middleware and the body limits.
pub fn router(state: AppState) -> Router {
    let (api, mut doc) = api_routes().split_for_parts();
    routes::openapi::require_csrf_on_writes(&mut doc);
    let doc = Arc::new(doc);
    api.route("/api/openapi.json", get(move || std::future::ready(axum::Json(doc.as_ref().clone()))))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::session_layer))
        .layer(axum::middleware::from_fn(trace::request_span))
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
