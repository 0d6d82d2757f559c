//! One span per request: a request id (the caller's `x-request-id` when it is a usable one, which
//! the Lambda wiring sets from the Lambda request id; else a new one), the method and route, and
//! the user once the session is known (masked). The id is answered in `x-request-id`, carried into
//! the triggers the request writes (so the processor's log lines name it), and a line is logged when
//! the answer goes out.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use ccm_app::request_id;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub async fn request_span(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| request_id::acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let route =
        req.extensions().get::<MatchedPath>().map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), route = %route, user = tracing::field::Empty);
    let started = Instant::now();
    let mut response = request_id::scope(id.clone(), next.run(req)).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "answered");
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    response
}
