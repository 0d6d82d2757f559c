//! Every API request is authenticated here, from the encrypted session cookie (never from headers a
//! proxy could forge). The middleware opens the cookie once, slides its idle timeout, and leaves the
//! session (or why there is none) in the request for the `User` extractor; state-changing requests
//! must echo the session's CSRF token in `X-CSRF-Token`.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use ccm_app::Caller;
use ccm_auth::session::{self, Session, SessionError, SessionUser};
use ccm_core::{CustomerCode, Role, UserId};

use crate::error::ApiError;
use crate::state::AppState;

pub const CSRF_HEADER: &str = "x-csrf-token";

/// Why a request has no usable session.
#[derive(Debug, Clone, Copy)]
enum NoSession {
    Missing,
    Invalid,
    Expired(SessionError),
}

pub async fn session_layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let now = state.app.clock.now();
    let cookie = req.headers().get(header::COOKIE).and_then(|v| v.to_str().ok()).and_then(session::cookie_value);
    let outcome = match cookie {
        None => Err(NoSession::Missing),
        Some(value) => match state.keys.open(value) {
            Err(e) => {
                tracing::info!(reason = %e, "refused a session cookie");
                Err(NoSession::Invalid)
            }
            Ok(s) => match session::check_expiry(&s, &state.policy, now) {
                Ok(()) => Ok(s),
                Err(e) => {
                    tracing::info!(reason = %e, user = %ccm_core::ids::mask_email(&s.user.email), "session expired");
                    Err(NoSession::Expired(e))
                }
            },
        },
    };
    let refreshed = match &outcome {
        Ok(s) if now.timestamp() - s.last_seen >= state.policy.refresh_after.num_seconds() => {
            Some(Session { last_seen: now.timestamp(), ..s.clone() })
        }
        _ => None,
    };
    match outcome {
        Ok(s) => {
            tracing::Span::current().record("user", ccm_core::ids::mask_email(&s.user.email));
            // Handlers see the session as it will be after this response (refreshed expiry).
            req.extensions_mut().insert(refreshed.clone().unwrap_or(s));
        }
        Err(why) => {
            req.extensions_mut().insert(why);
        }
    }
    let mut res = next.run(req).await;
    if let Some(s) = refreshed
        && let Ok(v) = HeaderValue::from_str(&session::set_cookie(&state.keys.seal(&s), &state.policy))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The signed-in user of a request: the session, and the caller the use cases see. Extracting it
/// answers 401 without a session and 403 when a state-changing request lacks the CSRF token.
#[derive(Debug, Clone)]
pub struct User {
    pub session: Session,
    pub caller: Caller,
}

impl User {
    /// The user of `session`; `None` when its e-mail is not an address (a session from a bug).
    pub fn of(session: Session) -> Option<Self> {
        let u = &session.user;
        let caller = Caller {
            id: UserId::parse(&u.email).ok()?,
            name: u.name.clone(),
            roles: u.roles.clone(),
            customers: u.customers.clone(),
            groups: u.groups.clone(),
        };
        Some(Self { session, caller })
    }
    pub fn email(&self) -> &str {
        self.caller.email()
    }
    pub fn info(&self) -> &SessionUser {
        &self.session.user
    }
    pub fn has(&self, role: Role) -> bool {
        self.caller.has(role)
    }
    pub fn is_admin(&self) -> bool {
        self.caller.is_admin()
    }
    /// Refuses with 403 unless the user holds `role` (or admin).
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        Ok(self.caller.require(role)?)
    }
    /// Refuses unless the user holds at least one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::forbidden(format!("this needs one of the roles: {}", names.join(", "))))
        }
    }
    pub fn scope(&self) -> Option<&[CustomerCode]> {
        self.caller.scope()
    }
    pub fn in_scope(&self, customers: &[CustomerCode]) -> bool {
        self.caller.in_scope(customers)
    }
    pub fn may_use_customer(&self, customer: &CustomerCode) -> bool {
        self.caller.may_use_customer(customer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(why) = parts.extensions.get::<NoSession>() {
            return Err(match why {
                NoSession::Missing => {
                    ApiError::Unauthenticated { code: "unauthenticated", message: "sign in first".into() }
                }
                NoSession::Invalid => ApiError::Unauthenticated {
                    code: "unauthenticated",
                    message: "the session is not valid; sign in again".into(),
                },
                NoSession::Expired(e) => {
                    ApiError::Unauthenticated { code: "session_expired", message: format!("{e}; sign in again") }
                }
            });
        }
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            return Err(ApiError::Unauthenticated { code: "unauthenticated", message: "sign in first".into() });
        };
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let token = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if token != Some(session.csrf.as_str()) {
                return Err(ApiError::Forbidden {
                    code: "csrf",
                    message: "missing or wrong X-CSRF-Token header (get it from GET /api/me)".into(),
                    field: None,
                });
            }
        }
        User::of(session).ok_or(ApiError::Unauthenticated {
            code: "unauthenticated",
            message: "the session names no valid user; sign in again".into(),
        })
    }
}
