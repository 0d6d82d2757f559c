//! The SAML routes: `GET /auth/login?return=PATH` (AuthnRequest, HTTP-Redirect), `POST /saml/acs`
//! (HTTP-POST) and `GET /auth/saml/metadata` (this service provider's metadata, for registration).
//! Every refusal is logged with its reason (capped and escaped: it may quote the request) and
//! answered with a plain page: 413 for a body over [`MAX_ACS_BODY_BYTES`] (not read further),
//! 503 when too many sign-ins are being verified, otherwise 403.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State, rejection::QueryRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use ccm_core::config::AppConfig;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;

use super::access::{self, AccessError, AccessRules};
use super::authn_request::{self, escape};
use super::replay::{InMemoryReplayCache, ReplayCache};
use super::request_state::{self, RequestState, RequestStateError, RequestStateKeys};
use super::response::ResponseError;
use super::settings::{SamlSettings, ServiceProvider};
use super::verify_pool::{VerifyError, VerifyPool};
use crate::log_value::{untrusted, untrusted_capped};
use crate::session::{self, Session, SessionKeys, SessionPolicy, SessionUser};
use crate::session_routes::safe_return_path;

/// What the SAML routes need; built once per process.
#[derive(Clone)]
pub struct SamlState {
    pub keys: SessionKeys,
    pub policy: SessionPolicy,
    pub sp: Arc<ServiceProvider>,
    pub rules: Arc<AccessRules>,
    pub request_keys: RequestStateKeys,
    pub replay: Arc<dyn ReplayCache>,
    /// Where and within which budget responses are verified (off the async executor).
    pub verify: VerifyPool,
}

/// The largest `POST /saml/acs` body read: the form with `SAMLResponse` and `RelayState`. IAM
/// Identity Center responses are a few KiB; a larger body is answered 413 before anything is parsed.
pub const MAX_ACS_BODY_BYTES: usize = 64 * 1024;

impl SamlState {
    /// The state for these settings and config.json's `portal` rules, with an in-memory replay cache.
    pub fn new(
        settings: SamlSettings,
        config: &AppConfig,
        keys: SessionKeys,
        policy: SessionPolicy,
        request_keys: RequestStateKeys,
    ) -> Self {
        Self {
            keys,
            policy,
            sp: Arc::new(settings.sp),
            rules: Arc::new(AccessRules::from_config(config, settings.attributes)),
            request_keys,
            replay: Arc::new(InMemoryReplayCache::default()),
            verify: VerifyPool::default(),
        }
    }
}

pub fn saml_routes(state: SamlState) -> Router {
    Router::new()
        .route("/auth/login", get(login))
        .route("/saml/acs", post(acs))
        .route("/auth/saml/metadata", get(sp_metadata))
        .with_state(state)
}

#[derive(Deserialize)]
struct ReturnTo {
    #[serde(rename = "return")]
    return_to: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn login(State(state): State<SamlState>, query: Result<Query<ReturnTo>, QueryRejection>) -> Response {
    let raw = query.ok().and_then(|Query(q)| q.return_to);
    let return_to = safe_return_path(raw.as_deref());
    let now = Utc::now();
    let id = authn_request::new_request_id();
    let sp = &state.sp;
    let request = authn_request::authn_request_xml(&id, &sp.entity_id, &sp.acs_url, &sp.idp.sso_url, now);
    let location = authn_request::redirect_url(&sp.idp.sso_url, &request, &id);
    let sealed = state.request_keys.seal(&RequestState { id: id.clone(), return_to, started: now.timestamp() });
    let mut res = (StatusCode::SEE_OTHER, [(header::CACHE_CONTROL, "no-store")]).into_response();
    set_header(&mut res, header::LOCATION, &location);
    set_header(&mut res, header::SET_COOKIE, &request_state::set_cookie(&id, &sealed, state.policy.secure_cookie));
    res
}

/// Why the ACS refused a sign-in; logged, never shown in detail.
#[derive(Debug, thiserror::Error)]
pub enum AcsError {
    #[error("the POST is not a form with SAMLResponse and RelayState")]
    Form,
    #[error(transparent)]
    RequestState(#[from] RequestStateError),
    #[error(transparent)]
    Response(#[from] ResponseError),
    #[error("too many sign-ins are being verified at once")]
    Busy,
    #[error("the response took longer than the {0:?} budget to verify")]
    OverBudget(std::time::Duration),
    #[error("the verification failed unexpectedly: {0}")]
    Failed(String),
    #[error("assertion replayed (its id was already used)")]
    Replayed,
    #[error(transparent)]
    Access(#[from] AccessError),
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    saml_response: String,
    #[serde(rename = "RelayState")]
    relay_state: String,
}

#[tracing::instrument(skip_all)]
async fn acs(State(state): State<SamlState>, headers: HeaderMap, body: Body) -> Response {
    let body = match read_body(&headers, body).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            tracing::warn!(limit = MAX_ACS_BODY_BYTES, "SAML sign-in refused: the POST body is too large (not read)");
            return too_large_page();
        }
        Err(BodyError::Unreadable) => {
            tracing::warn!("SAML sign-in refused: the POST body could not be read");
            return refused_page(None);
        }
    };
    let form = serde_urlencoded::from_bytes::<AcsForm>(&body).ok();
    let relay = form.as_ref().map(|f| f.relay_state.clone()).filter(|r| request_state::is_request_id(r));
    let result = match form {
        Some(form) => {
            let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
            accept(&state, form, cookies, Utc::now()).await
        }
        None => Err(AcsError::Form),
    };
    let mut res = match result {
        Ok((user, return_to)) => {
            tracing::info!(
                user = %untrusted(&ccm_core::ids::mask_email(&user.email)),
                roles = ?user.roles,
                scoped = user.customers.is_some(),
                "signed in with SAML"
            );
            let session = Session::new(user, Utc::now());
            let mut res = (StatusCode::SEE_OTHER, [(header::CACHE_CONTROL, "no-store")]).into_response();
            set_header(&mut res, header::LOCATION, &return_to);
            set_header(&mut res, header::SET_COOKIE, &session::set_cookie(&state.keys.seal(&session), &state.policy));
            res
        }
        Err(refusal) => {
            // The reason may quote the response (an algorithm URI, a prefix, a domain): capped, escaped.
            tracing::warn!(reason = %untrusted_capped(&refusal.to_string(), 300), "SAML sign-in refused");
            refusal_page(&refusal)
        }
    };
    // The request state is single-use whatever the outcome.
    if let Some(relay) = relay {
        set_header(&mut res, header::SET_COOKIE, &request_state::clear_cookie(&relay, state.policy.secure_cookie));
    }
    res
}

enum BodyError {
    TooLarge,
    Unreadable,
}

/// The body, refused by its declared length before reading, or as soon as it grows past the limit.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, BodyError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_ACS_BODY_BYTES as u64) {
        return Err(BodyError::TooLarge);
    }
    match Limited::new(body, MAX_ACS_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Unreadable),
    }
}

/// The checks of the ACS, in order: request state, response (on the blocking pool, within the
/// budget), replay, authorization.
async fn accept(
    state: &SamlState,
    form: AcsForm,
    cookies: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(SessionUser, String), AcsError> {
    let request = state.request_keys.open(&form.relay_state, cookies, now)?;
    let assertion = state.verify.verify(form.saml_response, state.sp.clone(), request.id.clone(), now).await.map_err(
        |e| match e {
            VerifyError::Response(e) => AcsError::Response(e),
            VerifyError::Busy => AcsError::Busy,
            VerifyError::OverBudget(_) => AcsError::OverBudget(state.verify.budget()),
            VerifyError::Failed(why) => AcsError::Failed(why),
        },
    )?;
    if !state.replay.first_use(&assertion.assertion_id, assertion.valid_until, now) {
        return Err(AcsError::Replayed);
    }
    let user = access::session_user(&assertion, &state.rules)?;
    Ok((user, safe_return_path(Some(&request.return_to))))
}

/// The page for a refusal: what the user can act on for access decisions (never the assertion's
/// content), a generic text for everything about the response itself.
fn refusal_page(refusal: &AcsError) -> Response {
    match refusal {
        AcsError::Busy => page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-in busy",
            "Too many sign-ins are being checked at this moment. Please try again in a minute.",
        ),
        AcsError::Access(e) => refused_page(Some(e.user_message())),
        _ => refused_page(None),
    }
}

fn too_large_page() -> Response {
    page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Sign-in refused",
        "The sign-in response is larger than 64 KiB and was not read. If this keeps happening, ask an \
         administrator to check the sign-in log.",
    )
}

fn refused_page(why: Option<&str>) -> Response {
    let why = why.unwrap_or(
        "Your sign-in could not be completed. If this keeps happening, ask an administrator to check the sign-in log.",
    );
    page(StatusCode::FORBIDDEN, "Sign-in refused", why)
}

/// A plain page; `title` and `text` are fixed strings of this crate, never request content.
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ccm · {title}</title>\
         <link rel=\"stylesheet\" href=\"/css/app.css\"></head><body><main><h1>{title}</h1>\
         <p>{text}</p><p><a href=\"/auth/login\">Try again</a></p></main></body></html>",
        title = escape(title),
        text = escape(text),
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

async fn sp_metadata(State(state): State<SamlState>) -> Response {
    let xml = format!(
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{entity}\">\
         <md:SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\" \
         protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
         <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>\
         <md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" \
         Location=\"{acs}\" index=\"0\" isDefault=\"true\"/></md:SPSSODescriptor></md:EntityDescriptor>",
        entity = escape(&state.sp.entity_id),
        acs = escape(&state.sp.acs_url),
    );
    ([(header::CONTENT_TYPE, "application/samlmetadata+xml")], xml).into_response()
}

fn set_header(res: &mut Response, name: header::HeaderName, value: &str) {
    match HeaderValue::from_str(value) {
        Ok(v) => {
            res.headers_mut().append(name, v);
        }
        Err(_) => tracing::error!(header = %name, "could not set a header value"),
    }
}
