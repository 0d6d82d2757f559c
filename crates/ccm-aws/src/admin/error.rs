//! One error type for the administration clients: the operation, the service's error code and a
//! message an operator can act on. Never the raw response body.

use std::error::Error as StdError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct AdminError {
    pub op: String,
    pub code: Option<String>,
    pub status: Option<u16>,
    pub message: String,
}

const NOT_FOUND: &[&str] =
    &["NotFoundException", "ResourceNotFoundException", "NoSuchHostedZone", "AWSOrganizationsNotInUseException"];
const ALREADY_EXISTS: &[&str] = &["AlreadyExistsException", "ConflictException"];
const THROTTLED: &[&str] = &[
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "LimitExceededException",
    "PriorRequestNotComplete",
];

impl AdminError {
    pub fn new(op: impl Into<String>, message: impl Into<String>) -> Self {
        let op = op.into();
        let message = format!("{op}: {}", message.into());
        Self { op, code: None, status: None, message }
    }

    /// `op: code: message (HTTP status)` for a service's answer, else the chain of causes (a refused
    /// AssumeRole shows up here, behind the credentials provider).
    pub fn from_sdk<E>(op: impl Into<String>, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let op = op.into();
        let status = err.raw_response().map(|r| r.status().as_u16());
        match &err {
            SdkError::ServiceError(_) if err.code().is_none() && err.message().is_none() => {
                // Not an error the service sent (e.g. an answer the SDK could not read): the causes.
                let mut message = format!("{op}: unreadable answer");
                let mut next = StdError::source(&err);
                while let Some(current) = next {
                    message.push_str(": ");
                    message.push_str(&current.to_string());
                    next = current.source();
                }
                if let Some(s) = status {
                    message.push_str(&format!(" (HTTP {s})"));
                }
                Self { op, code: None, status, message }
            }
            SdkError::ServiceError(_) => {
                let code = err.code().map(str::to_owned);
                let message = format!(
                    "{op}: {}: {}{}",
                    code.as_deref().unwrap_or("error"),
                    err.message().unwrap_or("no message"),
                    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
                );
                Self { op, code, status, message }
            }
            _ => {
                let mut message = op.clone();
                let mut next: Option<&(dyn StdError + 'static)> = Some(&err);
                let mut code = None;
                while let Some(current) = next {
                    let text = current.to_string();
                    if !message.ends_with(&text) {
                        message.push_str(": ");
                        message.push_str(&text);
                    }
                    if code.is_none() && (text.contains("AccessDenied") || text.contains("not authorized")) {
                        code = Some("AccessDenied".to_owned());
                    }
                    next = current.source();
                }
                Self { op, code, status, message }
            }
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code.as_deref().is_some_and(|c| NOT_FOUND.contains(&c)) || self.status == Some(404)
    }

    pub fn is_already_exists(&self) -> bool {
        self.code.as_deref().is_some_and(|c| ALREADY_EXISTS.contains(&c))
    }

    pub fn is_throttled(&self) -> bool {
        self.code.as_deref().is_some_and(|c| THROTTLED.contains(&c)) || self.status == Some(429)
    }

    /// Worth another try after a pause: throttling and server-side failures.
    pub fn is_retryable(&self) -> bool {
        self.is_throttled() || self.status.is_some_and(|s| s >= 500)
    }
}

/// `Ok(None)` for a not-found answer, the value otherwise.
pub fn optional<T>(result: Result<T, AdminError>) -> Result<Option<T>, AdminError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
