//! The OpenAPI document: generated from the routes as they are registered (`utoipa-axum`), so a
//! route cannot exist without its description, plus what no handler says: the session cookie and
//! CSRF header security schemes and the document's info.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};

/// The cookie the session travels in (see `ccm_auth::session::COOKIE_NAME`).
const SESSION_COOKIE: &str = ccm_auth::session::COOKIE_NAME;

#[derive(OpenApi)]
#[openapi(
    info(title = "ccm API", description = "Changes and announcements for many customers: write once, approve, notify each customer through its own SES."),
    tags((name = "changes"), (name = "announcements"), (name = "search"), (name = "account"), (name = "calendar"),
         (name = "blackouts"), (name = "approvals"),
         (name = "surveys", description = "Answering a survey through its signed link (no sign-in), and the answers"),
         (name = "webhooks", description = "Deliveries from other systems, authenticated by their signatures")),
    modifiers(&Security),
)]
pub struct ApiDoc;

/// Every operation needs the session cookie; state-changing ones also the CSRF header.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))));
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The csrfToken of GET /api/me, on every request that changes something",
            ))),
        );
        doc.security = Some(vec![SecurityRequirement::new("session", Vec::<String>::new())]);
    }
}

/// Adds the CSRF requirement to every operation that is not a read, except those that declare
/// themselves public (`security(())`: the survey page's answer, Typeform's webhook), which have no
/// session to protect.
pub fn require_csrf_on_writes(doc: &mut utoipa::openapi::OpenApi) {
    let public = |op: &utoipa::openapi::path::Operation| {
        op.security.as_ref().is_some_and(|s| s.contains(&SecurityRequirement::default()))
    };
    for item in doc.paths.paths.values_mut() {
        for op in [item.post.as_mut(), item.put.as_mut(), item.delete.as_mut(), item.patch.as_mut()]
            .into_iter()
            .flatten()
            .filter(|op| !public(op))
        {
            op.security =
                Some(vec![SecurityRequirement::new("session", Vec::<String>::new()).add("csrf", Vec::<String>::new())]);
        }
    }
}
