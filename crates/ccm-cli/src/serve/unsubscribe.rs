//! `/unsubscribe/{token}`: the one-click unsubscribe endpoint the outbox's links point at, doing
//! locally what SES does for `ListManagementOptions`. No sign-in: the signed token is the
//! authorisation ([`ccm_embedded::unsubscribe`]).
//!
//! - `POST` (RFC 8058 one-click, from a mail client, or the confirmation form) records the opt-out
//!   of that address from that topic in the local contacts store; the next notification of the
//!   topic is not sent to it. The body (`List-Unsubscribe=One-Click`) is not required.
//! - `GET` (a person following the link) only shows a confirmation page with a button, because
//!   link scanners and previews follow links.
//! - A token this server did not sign gets 400 and changes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ccm_core::config::{AppConfig, SesConfig};
use ccm_core::render::escape_html;
use ccm_embedded::JsonContacts;
use ccm_embedded::unsubscribe::{LinkKeys, PATH, Unsubscribe};

#[derive(Clone)]
struct Unsubscribes {
    keys: LinkKeys,
    contacts: Arc<JsonContacts>,
    customer_names: Arc<BTreeMap<String, String>>,
    topic_names: Arc<BTreeMap<String, String>>,
}

pub fn routes(keys: LinkKeys, contacts: Arc<JsonContacts>, config: &AppConfig, ses: &SesConfig) -> Router {
    let state = Unsubscribes {
        keys,
        contacts,
        customer_names: Arc::new(
            config.customer_mappings.iter().map(|(c, cfg)| (c.to_string(), cfg.customer_name.clone())).collect(),
        ),
        topic_names: Arc::new(ses.expand().into_iter().map(|t| (t.name.to_string(), t.display_name)).collect()),
    };
    Router::new().route(&format!("{PATH}/{{token}}"), get(confirm).post(unsubscribe)).with_state(state)
}

impl Unsubscribes {
    /// "Approved changes (aws-announce)" and "Acme Corporation".
    fn names(&self, u: &Unsubscribe) -> (String, String) {
        let topic = match self.topic_names.get(u.topic.as_str()) {
            Some(display) if !display.trim().is_empty() => format!("{display} ({})", u.topic),
            _ => u.topic.to_string(),
        };
        let customer = self.customer_names.get(u.customer.as_str()).cloned().unwrap_or_else(|| u.customer.to_string());
        (topic, customer)
    }
}

async fn confirm(State(s): State<Unsubscribes>, Path(token): Path<String>) -> Response {
    let Ok(u) = s.keys.verify(&token) else { return invalid() };
    let (topic, customer) = s.names(&u);
    let who = escape_html(u.email.as_str());
    if s.contacts.is_opted_out(&u.customer, &u.email, &u.topic) {
        return page(
            StatusCode::OK,
            "Already unsubscribed",
            &format!(
                "<p><strong>{who}</strong> no longer receives <strong>{}</strong> from {}.</p>",
                escape_html(&topic),
                escape_html(&customer)
            ),
        );
    }
    page(
        StatusCode::OK,
        "Unsubscribe",
        &format!(
            "<p>Stop sending <strong>{}</strong> notifications from {} to <strong>{who}</strong>?</p>\
             <form method=\"post\" action=\"{PATH}/{}\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
             <button type=\"submit\" class=\"primary\">Unsubscribe</button></form>\
             <p class=\"muted\">Other notifications you receive are not affected.</p>",
            escape_html(&topic),
            escape_html(&customer),
            escape_html(&token)
        ),
    )
}

async fn unsubscribe(State(s): State<Unsubscribes>, Path(token): Path<String>) -> Response {
    let Ok(u) = s.keys.verify(&token) else { return invalid() };
    let contacts = s.contacts.clone();
    let target = u.clone();
    let recorded = tokio::task::spawn_blocking(move || {
        contacts.opt_out(&target.customer, &target.email, &target.topic, chrono::Utc::now())
    })
    .await;
    match recorded {
        Ok(Ok(new)) => {
            tracing::info!(customer = %u.customer, to = %u.email.masked(), topic = %u.topic, new, "unsubscribed");
            let (topic, customer) = s.names(&u);
            page(
                StatusCode::OK,
                "Unsubscribed",
                &format!(
                    "<p><strong>{}</strong> will no longer receive <strong>{}</strong> notifications from {}.</p>",
                    escape_html(u.email.as_str()),
                    escape_html(&topic),
                    escape_html(&customer)
                ),
            )
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the opt-out could not be recorded");
            page(StatusCode::INTERNAL_SERVER_ERROR, "Not unsubscribed", "<p>Please try again later.</p>")
        }
        Err(e) => {
            tracing::error!(error = %e, "the opt-out task failed");
            page(StatusCode::INTERNAL_SERVER_ERROR, "Not unsubscribed", "<p>Please try again later.</p>")
        }
    }
}

fn invalid() -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "Link not valid",
        "<p>This unsubscribe link is not valid. Use the link in the most recent message you received.</p>",
    )
}

/// A small page; the token is in the URL, so nothing is cached and no referrer leaves.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>ccm · {title}</title><link rel=\"stylesheet\" href=\"/css/app.css\"></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ],
        Html(html),
    )
        .into_response()
}
