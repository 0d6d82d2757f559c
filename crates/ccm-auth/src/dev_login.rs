//! The development login of `ccm serve` (`/auth/dev-login`), which signs in any demo user from
//! config without SAML. It refuses to exist inside AWS Lambda. The session routes every deployment
//! has are in [`crate::session_routes`].

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ccm_core::EmailAddress;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::log_value::untrusted;
use crate::session::{self, Session, SessionUser};
use crate::session_routes::{AuthState, safe_return_path};

#[derive(Debug, thiserror::Error)]
#[error("the development login is not available inside AWS Lambda")]
pub struct RefusedInLambda;

/// True when running inside AWS Lambda.
pub fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() || std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// `GET/POST /auth/dev-login`. Refused (an error, no routes) inside AWS Lambda.
pub fn dev_login_routes(state: AuthState) -> Result<Router, RefusedInLambda> {
    if in_lambda() {
        return Err(RefusedInLambda);
    }
    Ok(Router::new().route("/auth/dev-login", get(dev_login_page).post(dev_login)).with_state(state))
}

#[derive(Deserialize)]
struct ReturnTo {
    #[serde(rename = "return")]
    return_to: Option<String>,
}

use ccm_core::render::escape_html as escape;

async fn dev_login_page(State(state): State<AuthState>, Query(q): Query<ReturnTo>) -> Html<String> {
    let ret = escape(&safe_return_path(q.return_to.as_deref()));
    let mut rows = String::new();
    for u in state.demo_users.iter() {
        let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
        let scope = if u.customers.is_empty() {
            "all customers".to_owned()
        } else {
            u.customers.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
        };
        rows.push_str(&format!(
            "<li><form method=\"post\" action=\"/auth/dev-login\"><input type=\"hidden\" name=\"email\" value=\"{email}\">\
             <input type=\"hidden\" name=\"return\" value=\"{ret}\"><button type=\"submit\">Sign in as {name}</button> \
             <span>{email} · {roles} · {scope}</span></form></li>",
            email = escape(u.email.as_str()),
            name = escape(&u.name),
            roles = escape(&roles.join(", ")),
            scope = escape(&scope),
        ));
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>ccm · development sign-in</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/css/app.css\"></head><body class=\"dev-login\">\
         <main><h1>Development sign-in</h1><p>This page exists only in <code>ccm serve</code>; in AWS users sign in with IAM Identity Center.</p>\
         <ul class=\"demo-users\">{rows}</ul></main></body></html>"
    ))
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    #[serde(rename = "return")]
    return_to: Option<String>,
}

async fn dev_login(State(state): State<AuthState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if in_lambda() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let form: Result<LoginForm, String> = if is_json {
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    } else {
        serde_urlencoded::from_bytes::<LoginForm>(&body).map_err(|e| e.to_string())
    };
    let form = match form {
        Ok(f) => f,
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, "validation", &format!("bad sign-in request: {e}"), Some("email"));
        }
    };
    let Ok(email) = EmailAddress::parse(&form.email) else {
        return error(StatusCode::BAD_REQUEST, "validation", "not an e-mail address", Some("email"));
    };
    let Some(demo) = state.demo_users.iter().find(|u| u.email == email) else {
        return error(StatusCode::FORBIDDEN, "forbidden", "not a demo user of this configuration", Some("email"));
    };
    let user = SessionUser {
        email: demo.email.normalized(),
        name: demo.name.clone(),
        roles: demo.roles.clone(),
        customers: (!demo.customers.is_empty()).then(|| demo.customers.clone()),
        groups: demo.groups.clone(),
    };
    let session = Session::new(user, Utc::now());
    tracing::info!(user = %untrusted(&email.masked()), "development sign-in");
    let cookie = session::set_cookie(&state.keys.seal(&session), &state.policy);
    let mut res = if is_json {
        Json(json!({"user": session.user, "csrfToken": session.csrf})).into_response()
    } else {
        let to = safe_return_path(form.return_to.as_deref());
        (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

fn error(status: StatusCode, code: &str, message: &str, field: Option<&str>) -> Response {
    (status, Json(json!({"error": code, "message": message, "field": field}))).into_response()
}
