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

impl AdminError {
    pub fn new(op: impl Into<String>, message: impl Into<String>) -> Self {
        let op = op.into();
        let message = format!("{op}: {}", message.into());
        Self { op, code: None, status: None, message }
    }

    /// `op: code: message (HTTP status)` for a service's answer. When the call never left because the
    /// credentials could not be had (a refused AssumeRole), the error names AssumeRole and the role,
    /// not the call that needed them. Otherwise the chain of causes, each as a sentence: the SDK's
    /// error metadata is read for its code and message, never shown in its `Debug` form.
    pub fn from_sdk<E>(op: impl Into<String>, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let op = op.into();
        let status = err.raw_response().map(|r| r.status().as_u16());
        if let Some(refused) = find_in_chain::<AssumeRoleRefused>(&err) {
            return refused_to_admin_error(refused, &op);
        }
        match &err {
            SdkError::ServiceError(_) if err.code().is_none() && err.message().is_none() => {
                // Not an error the service sent (e.g. an answer the SDK could not read): the causes.
                let mut message = format!("{op}: unreadable answer");
                message.push_str(&causes(StdError::source(&err)));
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
                let chain = causes(Some(&err));
                let code = (chain.contains("AccessDenied") || chain.contains("not authorized"))
                    .then(|| "AccessDenied".to_owned());
                Self { message: format!("{op}{chain}"), op, code, status }
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
        ccm_aws::sdk_error::class_of(self.code.as_deref(), self.status) == ccm_aws::sdk_error::Class::Throttled
    }

    /// Worth another try after a pause: throttling and server-side failures.
    pub fn is_retryable(&self) -> bool {
        self.is_throttled() || self.status.is_some_and(|s| s >= 500)
    }
}

/// `: cause: cause…` for an error and its sources. An SDK error's metadata ends the chain as
/// `code: message` (its `Display` is a `Debug` dump); repeated texts are shown once.
pub use ccm_aws::assume_role::AssumeRoleRefused;
use ccm_aws::assume_role::{causes, find_in_chain};

/// What an operator reads when STS refused the role a call needed.
fn refused_to_admin_error(refused: &AssumeRoleRefused, needed_by: &str) -> AdminError {
    let code = refused.code.clone().or_else(|| {
        (refused.reason.contains("AccessDenied") || refused.reason.contains("not authorized"))
            .then(|| "AccessDenied".to_owned())
    });
    AdminError {
        op: "STS AssumeRole".to_owned(),
        code,
        status: None,
        message: format!("{refused} ({needed_by} was not called)"),
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

#[cfg(test)]
mod tests {
    use aws_credential_types::provider::error::CredentialsError;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn access_denied() -> ErrorMetadata {
        ErrorMetadata::builder().code("AccessDenied").message("Not authorized to perform sts:AssumeRole").build()
    }

    #[test]
    fn service_error_metadata_reads_as_code_and_message_not_as_a_debug_dump() {
        let err = CredentialsError::provider_error(access_denied());
        let text = causes(Some(&err));
        assert!(text.ends_with(": AccessDenied: Not authorized to perform sts:AssumeRole"), "{text}");
        assert!(!text.contains("Error {"), "{text}");
    }

    #[test]
    fn a_refused_assume_role_names_assume_role_and_the_role_not_the_call_that_needed_it() {
        let role = "arn:aws:iam::111111111111:role/ccm-ses";
        let refused = AssumeRoleRefused::new(role, &CredentialsError::provider_error(access_denied()));
        let wrapped = CredentialsError::provider_error(refused);
        let found = find_in_chain::<AssumeRoleRefused>(&wrapped).unwrap();
        let e = refused_to_admin_error(found, "SES ListContacts");
        assert_eq!(e.op, "STS AssumeRole");
        assert_eq!(e.code.as_deref(), Some("AccessDenied"));
        assert_eq!(
            e.to_string(),
            "STS AssumeRole of arn:aws:iam::111111111111:role/ccm-ses failed: AccessDenied: Not authorized to perform \
             sts:AssumeRole (SES ListContacts was not called)"
        );
        assert!(!e.is_retryable());
    }
}
