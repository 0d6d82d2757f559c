//! `/dev/outbox`: what `ccm serve` would have sent, per customer. Only in `ccm serve` (it does not
//! exist in Lambda), and only for a signed-in admin: it shows every customer's mail.

use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use ccm_api::auth::{User, session_layer};
use ccm_api::{ApiError, AppState};
use ccm_core::Role;
use ccm_core::render::escape_html;
use ccm_embedded::outbox;

#[derive(Clone)]
struct Dir(PathBuf);

pub fn routes(root: PathBuf, state: AppState) -> Router {
    Router::new()
        .route("/dev/outbox", get(page))
        .route("/dev/outbox.json", get(json))
        .route("/dev/outbox/{customer}/{file}", get(message))
        .with_state(Dir(root))
        .layer(axum::middleware::from_fn_with_state(state, session_layer))
}

/// An admin may look; anyone else is refused (signed out on a page: sent to sign in first).
fn admin_only(user: Result<User, ApiError>, page: bool) -> Result<(), Box<Response>> {
    match user {
        Ok(u) => u.require(Role::Admin).map_err(|e| Box::new(e.into_response())),
        Err(ApiError::Unauthenticated { .. }) if page => {
            Err(Box::new(Redirect::to("/auth/login?return=/dev/outbox").into_response()))
        }
        Err(e) => Err(Box::new(e.into_response())),
    }
}

async fn json(user: Result<User, ApiError>, State(Dir(root)): State<Dir>) -> Response {
    if let Err(refused) = admin_only(user, false) {
        return *refused;
    }
    match tokio::task::spawn_blocking(move || outbox::list(&root)).await {
        Ok(Ok(list)) => Json(list).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn page(user: Result<User, ApiError>, State(Dir(root)): State<Dir>) -> Response {
    if let Err(refused) = admin_only(user, true) {
        return *refused;
    }
    let Ok(Ok(list)) = tokio::task::spawn_blocking(move || outbox::list(&root)).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut by_customer: std::collections::BTreeMap<&str, Vec<&outbox::OutboxEntry>> = Default::default();
    for e in &list {
        by_customer.entry(&e.customer).or_default().push(e);
    }
    let mut body = String::new();
    if list.is_empty() {
        body.push_str("<p>No messages yet. Submit or approve a change and they appear here.</p>");
    }
    for (customer, entries) in by_customer {
        body.push_str(&format!("<section><h2>{} <small>({} messages)</small></h2><table><thead><tr><th>When</th><th>To</th><th>Topic</th><th>Subject</th></tr></thead><tbody>", escape_html(customer), entries.len()));
        for e in entries {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/dev/outbox/{}/{}\">{}</a></td></tr>",
                escape_html(&e.date),
                escape_html(&e.to),
                escape_html(e.topic.as_deref().unwrap_or("")),
                escape_html(&e.customer),
                escape_html(&e.file),
                escape_html(&e.subject)
            ));
        }
        body.push_str("</tbody></table></section>");
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>ccm · outbox</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><link rel=\"stylesheet\" href=\"/css/app.css\"></head><body><main><h1>Outbox</h1>\
         <p>Messages <code>ccm serve</code> sent, one <code>.eml</code> file each under the data directory's <code>outbox/</code>.</p>{body}</main></body></html>"
    ))
    .into_response()
}

fn safe(part: &str) -> bool {
    !part.is_empty() && !part.starts_with('.') && part.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

async fn message(
    user: Result<User, ApiError>,
    State(Dir(root)): State<Dir>,
    Path((customer, file)): Path<(String, String)>,
) -> Response {
    if let Err(refused) = admin_only(user, true) {
        return *refused;
    }
    if !safe(&customer) || !safe(&file) || !file.ends_with(".eml") {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::task::spawn_blocking(move || outbox::html_of(&root, &customer, &file)).await {
        // The message HTML is ccm's own rendering (user text escaped); the sandbox keeps it inert anyway.
        Ok(Some(html)) => (
            [(
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'",
            )],
            Html(html),
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
