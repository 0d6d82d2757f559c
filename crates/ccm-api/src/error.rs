//! One error type for every route, and its one mapping to HTTP: `{"error", "message", "field"?}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ccm_app::error::{
    ActError, AttachmentError, BlackoutError, CalendarError, Conflict, CreateError, DeleteError, DuplicateError,
    EditError, Forbidden, ForbiddenReason, LoadError, OverrideRequired, SavedSearchError,
};
use ccm_core::config::FieldError;
use ccm_core::ports::{IndexError, StoreError};
use ccm_core::workflow::TransitionError;
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is wrong; `errors` names every bad field.
    #[error("{}", .errors.first().map(|e| e.message.as_str()).unwrap_or("invalid request"))]
    Validation { errors: Vec<FieldError> },
    /// 400: the body is not JSON of the right shape.
    #[error("{0}")]
    BadJson(String),
    /// 401: no session, or it expired.
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// 403: signed in, but not allowed.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String, field: Option<String> },
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 409: somebody else changed it first; carries the current object.
    #[error("{message}")]
    Conflict { message: String, current: Option<Box<Value>> },
    /// 413
    #[error("the request body is too large (JSON bodies up to 1 MiB, attachments up to 50 MiB)")]
    TooLarge,
    /// 415: the body is not of a type the route reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the action is not allowed in the object's status.
    #[error("{0}")]
    InvalidTransition(String),
    /// 422: a submission or approval through a blackout window without an override reason.
    #[error("{message}")]
    OverrideRequired { message: String, warnings: Vec<ccm_core::calendar::Warning> },
    /// 428: an update without If-Match.
    #[error("an If-Match header with the object's ETag is required")]
    PreconditionRequired,
    /// 503: a dependency is down; worth retrying.
    #[error("{0}")]
    Unavailable(String),
    /// 500: logged with its cause, answered generically.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation { errors: vec![FieldError::new(field, message)] }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden { code: "forbidden", message: message.into(), field: None }
    }
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }
}

impl From<Forbidden> for ApiError {
    fn from(f: Forbidden) -> Self {
        let code = match f.reason {
            ForbiddenReason::SelfApproval => "self_approval",
            ForbiddenReason::ApprovalPolicy => "approval_policy",
            _ => "forbidden",
        };
        Self::Forbidden { code, message: f.message, field: f.field }
    }
}

impl From<Conflict> for ApiError {
    fn from(c: Conflict) -> Self {
        let current = c.current.map(|boxed| {
            let (view, etag) = *boxed;
            Box::new(json!({"object": view, "etag": etag.as_str()}))
        });
        Self::Conflict { message: c.message, current }
    }
}

/// The one mapping of each use case's failures to HTTP.
macro_rules! from_use_case {
    ($error:ident { $($variant:ident $(($($field:ident),*))? => $map:expr),+ $(,)? }) => {
        impl From<$error> for ApiError {
            fn from(e: $error) -> Self {
                match e {
                    $($error::$variant $(($($field),*))? => $map),+
                }
            }
        }
    };
}

from_use_case!(LoadError {
    NotFound(what) => Self::not_found(what),
    Corrupt(id, why) => Self::Internal(format!("stored object {id} does not parse: {why}")),
    Store(e) => e.into(),
});
impl From<OverrideRequired> for ApiError {
    fn from(o: OverrideRequired) -> Self {
        Self::OverrideRequired { message: o.to_string(), warnings: o.warnings }
    }
}

impl From<BlackoutError> for ApiError {
    fn from(e: BlackoutError) -> Self {
        match e {
            BlackoutError::Invalid(errors) => errors.into(),
            BlackoutError::Forbidden(f) => f.into(),
            BlackoutError::NotFound => Self::NotFound("blackout window not found".into()),
            BlackoutError::Conflict { message, current } => Self::Conflict {
                message,
                current: current.map(|boxed| {
                    let (b, etag) = *boxed;
                    Box::new(json!({"blackout": b, "etag": etag.as_str()}))
                }),
            },
            BlackoutError::PreconditionRequired => Self::PreconditionRequired,
            BlackoutError::Corrupt(why) => Self::Internal(why),
            BlackoutError::Store(e) => e.into(),
        }
    }
}

from_use_case!(CalendarError {
    Invalid(errors) => errors.into(),
    Forbidden(f) => f.into(),
    NotFound(what) => Self::not_found(what),
    Corrupt(why) => Self::Internal(why),
    Store(e) => e.into(),
    Index(e) => e.into(),
});
from_use_case!(CreateError {
    Invalid(errors) => errors.into(),
    OverrideRequired(o) => o.into(),
    Forbidden(f) => f.into(),
    Store(e) => e.into(),
    Index(e) => e.into(),
});
from_use_case!(EditError {
    Invalid(errors) => errors.into(),
    Forbidden(f) => f.into(),
    NotFound(what) => Self::not_found(what),
    Conflict(c) => c.into(),
    PreconditionRequired => Self::PreconditionRequired,
    Refused(t) => t.into(),
    Corrupt(id, why) => Self::Internal(format!("stored object {id} does not parse: {why}")),
    Store(e) => e.into(),
    Index(e) => e.into(),
});
from_use_case!(ActError {
    Invalid(errors) => errors.into(),
    OverrideRequired(o) => o.into(),
    Forbidden(f) => f.into(),
    NotFound(what) => Self::not_found(what),
    Conflict(c) => c.into(),
    Refused(t) => t.into(),
    Corrupt(id, why) => Self::Internal(format!("stored object {id} does not parse: {why}")),
    Store(e) => e.into(),
    Index(e) => e.into(),
});
from_use_case!(DeleteError {
    Forbidden(f) => f.into(),
    NotFound(what) => Self::not_found(what),
    Conflict(c) => c.into(),
    Refused(t) => t.into(),
    Corrupt(id, why) => Self::Internal(format!("stored object {id} does not parse: {why}")),
    Store(e) => e.into(),
    Index(e) => e.into(),
});
from_use_case!(DuplicateError {
    Forbidden(f) => f.into(),
    NotFound(what) => Self::not_found(what),
    Corrupt(id, why) => Self::Internal(format!("stored object {id} does not parse: {why}")),
    Store(e) => e.into(),
    Index(e) => e.into(),
});
from_use_case!(AttachmentError {
    Invalid(errors) => errors.into(),
    Forbidden(f) => f.into(),
    NotFound(what) => Self::not_found(what),
    Conflict(c) => c.into(),
    NotNow(why) => Self::InvalidTransition(why),
    Refused(t) => t.into(),
    Corrupt(why) => Self::Internal(why),
    Store(e) => e.into(),
    Index(e) => e.into(),
});
from_use_case!(SavedSearchError {
    Invalid(errors) => errors.into(),
    Corrupt(why) => Self::Internal(format!("saved searches: {why}")),
    Store(e) => e.into(),
});

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::PreconditionFailed { .. } => Self::Conflict {
                message: "the object was modified by someone else; reload it and try again".into(),
                current: None,
            },
            StoreError::Unavailable(m) => Self::Unavailable(format!("storage is unavailable: {m}")),
            StoreError::Other(m) => Self::Internal(format!("store: {m}")),
        }
    }
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> Self {
        match e {
            IndexError::BadCursor => Self::field("cursor", "the cursor is not valid; start again from the first page"),
            IndexError::Unavailable(m) => Self::Unavailable(format!("the index is unavailable: {m}")),
        }
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::SelfApproval => {
                Self::Forbidden { code: "self_approval", message: e.to_string(), field: None }
            }
            other => Self::InvalidTransition(other.to_string()),
        }
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self::Validation { errors }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = self.to_string();
        let (status, body) = match self {
            Self::Validation { errors } => (
                StatusCode::BAD_REQUEST,
                json!({"error": "validation", "message": message, "field": errors.first().map(|e| e.field.clone()),
                       "errors": errors.iter().map(|e| json!({"field": e.field, "message": e.message})).collect::<Vec<_>>()}),
            ),
            Self::BadJson(_) => (StatusCode::BAD_REQUEST, json!({"error": "bad_json", "message": message})),
            Self::Unauthenticated { code, .. } => {
                (StatusCode::UNAUTHORIZED, json!({"error": code, "message": message}))
            }
            Self::Forbidden { code, field, .. } => {
                (StatusCode::FORBIDDEN, json!({"error": code, "message": message, "field": field}))
            }
            Self::NotFound(_) => (StatusCode::NOT_FOUND, json!({"error": "not_found", "message": message})),
            Self::Conflict { current, .. } => {
                (StatusCode::CONFLICT, json!({"error": "conflict", "message": message, "current": current}))
            }
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, json!({"error": "too_large", "message": message})),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, json!({"error": "unsupported_media_type", "message": message}))
            }
            Self::InvalidTransition(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "invalid_transition", "message": message}))
            }
            Self::OverrideRequired { warnings, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": "blackout_override_required", "message": message, "field": "overrideReason",
                       "warnings": warnings}),
            ),
            Self::PreconditionRequired => {
                (StatusCode::PRECONDITION_REQUIRED, json!({"error": "precondition_required", "message": message}))
            }
            Self::Unavailable(cause) => {
                tracing::warn!(%cause, "dependency unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"error": "unavailable", "message": "a dependency is unavailable; try again shortly"}),
                )
            }
            Self::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "internal", "message": "internal error"}))
            }
        };
        (status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
