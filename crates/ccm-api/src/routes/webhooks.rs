//! `POST /webhooks/typeform`: Typeform's deliveries of survey answers. No session; the delivery is
//! authenticated by its signature (`Typeform-Signature: sha256=BASE64(HMAC-SHA256(secret, body))`),
//! checked in constant time over the raw bytes before anything parses them. Its own body limit.
//! Other methods are answered 405 by the router.
//!
//! In AWS the route needs its own way in: CloudFront's origin access control signs requests to the
//! API's Function URL, and for a POST that requires the client to send the body's SHA-256, which
//! Typeform does not; so the webhook gets a Function URL (or API Gateway route) of its own,
//! authenticated by this signature alone.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use ccm_app::surveys::{self, WebhookError};
use ccm_core::survey::typeform::{SIGNATURE_HEADER, parse_event, verify_signature};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::ErrorBody;
use crate::wire::surveys::WebhookReply;

/// Largest delivery accepted (a Typeform answer with a long comment is a few kilobytes).
pub const WEBHOOK_LIMIT: usize = 256 * 1024;

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::Malformed(why) => Self::BadJson(why),
            WebhookError::Corrupt(why) => Self::Internal(format!("typeform webhook: {why}")),
            WebhookError::Store(e) => e.into(),
        }
    }
}

#[utoipa::path(post, path = "/webhooks/typeform", tag = "webhooks", operation_id = "typeformWebhook",
    security(()),
    params(("Typeform-Signature" = String, Header, description = "sha256= and the base64 of HMAC-SHA256(webhook secret, raw body)")),
    request_body(content = String, content_type = "application/json", description = "Typeform's delivery (`{event_id, event_type, form_response}`)"),
    responses((status = 200, description = "Recorded, already recorded (a redelivery), or ignored (not a ccm survey)", body = WebhookReply),
              (status = 400, description = "Signed, but not a Typeform delivery", body = ErrorBody),
              (status = 401, description = "A missing or wrong signature; nothing is read or stored", body = ErrorBody),
              (status = 404, description = "No webhook secret is configured here", body = ErrorBody),
              (status = 405, description = "Not a POST", body = ErrorBody),
              (status = 413, description = "Body over 256 KiB", body = ErrorBody)))]
pub async fn typeform(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<WebhookReply>> {
    let Some(secret) = state.surveys.typeform_secret.as_ref() else {
        return Err(ApiError::NotFound("no Typeform webhook is configured here".into()));
    };
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadJson(format!("could not read the body: {e}"))
        }
    })?;
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if let Err(e) = verify_signature(secret.expose().as_bytes(), &body, signature) {
        tracing::warn!(reason = %e, bytes = body.len(), "refused a Typeform delivery");
        return Err(ApiError::Unauthenticated { code: "bad_signature", message: e.to_string() });
    }
    let event = parse_event(&body).map_err(|e| ApiError::BadJson(format!("not a Typeform delivery: {e}")))?;
    let recorded = surveys::record_typeform(&state.app, &event).await?;
    tracing::info!(event = %event.event_id, outcome = ?recorded, "Typeform delivery");
    Ok(Json(recorded.into()))
}
