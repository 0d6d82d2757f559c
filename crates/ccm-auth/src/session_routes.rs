//! Session routes shared by every deployment: `GET /auth/session` (who is signed in, until when) and
//! `POST /auth/logout`, the state they share with the sign-in routes, and the rule for post-login
//! destinations.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ccm_core::config::DemoUser;
use chrono::Utc;
use serde_json::json;

use crate::log_value::untrusted;
use crate::session::{self, Session, SessionKeys, SessionPolicy};

/// What the session routes need.
#[derive(Clone)]
pub struct AuthState {
    pub keys: SessionKeys,
    pub policy: SessionPolicy,
    pub demo_users: Arc<Vec<DemoUser>>,
}

/// `GET /auth/session` (who is signed in, until when) and `POST /auth/logout`.
pub fn session_routes(state: AuthState) -> Router {
    Router::new().route("/auth/session", get(current_session)).route("/auth/logout", post(logout)).with_state(state)
}

fn session_from(headers: &HeaderMap, state: &AuthState) -> Option<Session> {
    let cookie = headers.get(header::COOKIE)?.to_str().ok()?;
    let s = state.keys.open(session::cookie_value(cookie)?).ok()?;
    session::check_expiry(&s, &state.policy, Utc::now()).ok()?;
    Some(s)
}

async fn current_session(State(state): State<AuthState>, headers: HeaderMap) -> Response {
    match session_from(&headers, &state) {
        Some(s) => Json(json!({
            "authenticated": true,
            "user": s.user,
            "expiresAt": s.expires_at(&state.policy),
            "signedInAt": chrono::DateTime::from_timestamp(s.created, 0),
        }))
        .into_response(),
        None => (StatusCode::UNAUTHORIZED, Json(json!({"error": "unauthenticated", "message": "not signed in"})))
            .into_response(),
    }
}

async fn logout(State(state): State<AuthState>, headers: HeaderMap) -> Response {
    if let Some(s) = session_from(&headers, &state) {
        tracing::info!(user = %untrusted(&ccm_core::ids::mask_email(&s.user.email)), "signed out");
    }
    let mut res = Json(json!({"signedOut": true})).into_response();
    if let Ok(v) = HeaderValue::from_str(&session::clear_cookie(&state.policy)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// Only a local path may be a post-login destination: no scheme, no host, no `//` or `\`.
pub fn safe_return_path(raw: Option<&str>) -> String {
    match raw {
        Some(p)
            if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.chars().any(char::is_control) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_return_path;

    #[test]
    fn only_local_paths_are_return_destinations() {
        assert_eq!(safe_return_path(Some("/approvals.html?customerCode=acme")), "/approvals.html?customerCode=acme");
        for bad in ["https://evil.example", "//evil.example", "/\\evil", "javascript:alert(1)", "", "/a\nb"] {
            assert_eq!(safe_return_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_return_path(None), "/");
    }
}
