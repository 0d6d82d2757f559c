//! SDK errors (SES v2, and STS when assuming the customer's role) mapped to the ports' errors.
//!
//! Messages carry the operation, the error code and the service's message with every e-mail address
//! masked; never a request or response body.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use ccm_core::ids::mask_email;
use ccm_core::ports::{ContactError, MailError};

pub(super) use crate::sdk_error::Class;
use crate::sdk_error::class_of;

/// One failed call, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Failure {
    pub class: Class,
    pub code: Option<String>,
    pub message: String,
}

impl Failure {
    pub fn is_not_found(&self) -> bool {
        self.code.as_deref() == Some("NotFoundException")
    }

    pub fn into_mail_error(self) -> MailError {
        match self.class {
            Class::Throttled => MailError::Throttled(self.message),
            Class::Unavailable => MailError::Unavailable(self.message),
            Class::Rejected => MailError::Rejected(self.message),
        }
    }

    /// A missing list is [`ContactError::NoList`]; throttling and transient failures are
    /// `Unavailable` (retryable); the rest is `Other`.
    pub fn into_contact_error(self) -> ContactError {
        match self.class {
            _ if self.is_not_found() => ContactError::NoList,
            Class::Throttled | Class::Unavailable => ContactError::Unavailable(self.message),
            Class::Rejected => ContactError::Other(self.message),
        }
    }
}

/// Classifies a failed SES v2 call, looking through a credentials failure to the STS error behind it.
pub(super) fn classify<E>(op: &str, err: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    credentials_failure(op, err).unwrap_or_else(|| classify_answer(op, err))
}

/// Classifies a failed call by what came back (or did not).
fn classify_answer<E>(op: &str, err: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let (class, code) = match err {
        SdkError::ServiceError(_) => (class_of(err.code(), status(err)), err.code().map(str::to_owned)),
        SdkError::ResponseError(_) if status(err) == Some(429) => (Class::Throttled, None),
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => (Class::Unavailable, None),
        SdkError::DispatchFailure(failure) if failure.is_user() => (Class::Rejected, None),
        SdkError::DispatchFailure(_) => (Class::Unavailable, None),
        // Invalid input this adapter built (an empty field, a bad header).
        _ => (Class::Rejected, None),
    };
    Failure { class, code, message: describe(op, err) }
}

/// When resolving the customer's credentials failed: STS's answer decides (an AccessDenied on
/// AssumeRole is `Rejected`, its throttling `Throttled`), else the credentials error's kind.
fn credentials_failure<E>(op: &str, err: &SdkError<E, HttpResponse>) -> Option<Failure>
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let mut credentials: Option<&CredentialsError> = None;
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = next {
        // What the shared assume-role provider reports: STS's code, kept as text.
        if let Some(refused) = current.downcast_ref::<crate::assume_role::AssumeRoleRefused>() {
            let code = refused.code.clone().or_else(|| {
                (refused.reason.contains("AccessDenied") || refused.reason.contains("not authorized"))
                    .then(|| "AccessDenied".to_owned())
            });
            // No answer at all (STS unreachable) is worth retrying; an answer decides by its code.
            let status = if code.is_some() { Some(400) } else { None };
            return Some(Failure {
                class: class_of(code.as_deref(), status),
                code,
                message: format!("{op}: assuming the customer's role: {refused}"),
            });
        }
        if let Some(sts) = current.downcast_ref::<aws_sdk_sts::error::SdkError<AssumeRoleError>>() {
            let inner = classify_answer("STS AssumeRole", sts);
            return Some(Failure {
                message: format!("{op}: assuming the customer's role: {}", inner.message),
                ..inner
            });
        }
        if credentials.is_none() {
            credentials = current.downcast_ref::<CredentialsError>();
        }
        next = current.source();
    }
    let class = match credentials? {
        CredentialsError::CredentialsNotLoaded(_) | CredentialsError::InvalidConfiguration(_) => Class::Rejected,
        _ => Class::Unavailable,
    };
    Some(Failure { class, code: None, message: describe(op, err) })
}

fn status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// `op: code: message (HTTP status)` for a service's answer, else the chain of error displays. Never
/// the SDK's debug output, which includes the raw response and its body.
fn describe<E>(op: &str, err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let text = match err {
        SdkError::ServiceError(_) => format!(
            "{op}: {}: {} (HTTP {})",
            err.code().unwrap_or("unknown error"),
            err.message().unwrap_or("no message"),
            status(err).map_or_else(|| "?".to_owned(), |s| s.to_string())
        ),
        _ => {
            let mut text = op.to_owned();
            let mut next: Option<&(dyn StdError + 'static)> = Some(err);
            while let Some(current) = next {
                text.push_str(": ");
                text.push_str(&current.to_string());
                next = current.source();
            }
            text
        }
    };
    mask_addresses(&text)
}

/// Masks every word that looks like an e-mail address (`jane@x.com` → `j***@x.com`).
pub(super) fn mask_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let core = word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '@' || c == '.' || c == '-' || c == '_'));
        if core.contains('@') && !core.starts_with('@') {
            out.push_str(&word.replace(core, &mask_email(core)));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | ',' | ';') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use aws_sdk_sesv2::operation::send_email::SendEmailError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn service_error(status: u16, code: Option<&str>) -> SdkError<SendEmailError, HttpResponse> {
        let mut meta = ErrorMetadata::builder().message("Email address not verified jane@example.com");
        if let Some(code) = code {
            meta = meta.code(code);
        }
        let raw = Response::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(SendEmailError::generic(meta.build()), raw)
    }

    fn mail_error(status: u16, code: Option<&str>) -> MailError {
        classify("SendEmail", &service_error(status, code)).into_mail_error()
    }

    #[test]
    fn throttling_answers_are_throttled() {
        for (status, code) in [
            (429, Some("TooManyRequestsException")),
            (400, Some("Throttling")),
            (400, Some("LimitExceededException")),
            (429, None),
        ] {
            assert!(matches!(mail_error(status, code), MailError::Throttled(_)), "{status} {code:?}");
        }
    }

    #[test]
    fn server_errors_are_unavailable_and_retryable() {
        for (status, code) in [(500, Some("InternalFailure")), (503, None), (502, Some("Whatever"))] {
            let err = mail_error(status, code);
            assert!(matches!(err, MailError::Unavailable(_)), "{status} {code:?}: {err:?}");
            assert!(err.is_retryable());
        }
    }

    #[test]
    fn refusals_are_rejected_for_good() {
        for (status, code) in [
            (403, Some("AccessDenied")),
            (400, Some("MessageRejected")),
            (400, Some("MailFromDomainNotVerifiedException")),
            (404, Some("NotFoundException")),
            (400, Some("BadRequestException")),
            (400, Some("SomethingNew")),
        ] {
            let err = mail_error(status, code);
            assert!(matches!(err, MailError::Rejected(_)), "{status} {code:?}: {err:?}");
            assert!(!err.is_retryable());
        }
    }

    #[test]
    fn a_missing_list_is_no_list_for_the_directory() {
        let failure = classify("GetContactList", &service_error(404, Some("NotFoundException")));
        assert!(matches!(failure.into_contact_error(), ContactError::NoList));
        let failure = classify("ListContacts", &service_error(429, Some("TooManyRequestsException")));
        assert!(matches!(failure.into_contact_error(), ContactError::Unavailable(_)));
        let failure = classify("ListContacts", &service_error(403, Some("AccessDenied")));
        assert!(matches!(failure.into_contact_error(), ContactError::Other(_)));
    }

    #[test]
    fn an_sts_refusal_behind_the_credentials_is_rejected() {
        let sts: aws_sdk_sts::error::SdkError<AssumeRoleError> = SdkError::service_error(
            AssumeRoleError::generic(ErrorMetadata::builder().code("AccessDenied").message("not authorized").build()),
            Response::new(StatusCode::try_from(403).unwrap(), SdkBody::empty()),
        );
        let creds = CredentialsError::provider_error(sts);
        let err: SdkError<SendEmailError, HttpResponse> = SdkError::dispatch_failure(
            aws_smithy_runtime_api::client::result::ConnectorError::other(Box::new(creds), None),
        );
        let failure = classify("SendEmail", &err);
        assert_eq!(failure.class, Class::Rejected, "{failure:?}");
        assert_eq!(failure.code.as_deref(), Some("AccessDenied"));
        assert!(failure.message.contains("assuming the customer's role"), "{}", failure.message);
    }

    #[test]
    fn an_sts_outage_behind_the_credentials_is_unavailable() {
        let sts: aws_sdk_sts::error::SdkError<AssumeRoleError> = SdkError::service_error(
            AssumeRoleError::generic(ErrorMetadata::builder().code("InternalFailure").build()),
            Response::new(StatusCode::try_from(500).unwrap(), SdkBody::empty()),
        );
        let err: SdkError<SendEmailError, HttpResponse> =
            SdkError::dispatch_failure(aws_smithy_runtime_api::client::result::ConnectorError::other(
                Box::new(CredentialsError::provider_error(sts)),
                None,
            ));
        assert_eq!(classify("SendEmail", &err).class, Class::Unavailable);
    }

    #[test]
    fn messages_never_show_an_address_in_clear() {
        let failure = classify("SendEmail", &service_error(400, Some("MessageRejected")));
        assert!(!failure.message.contains("jane@example.com"), "{}", failure.message);
        assert!(failure.message.contains("j***@example.com"), "{}", failure.message);
    }

    #[test]
    fn messages_never_carry_the_response_body() {
        let raw = Response::new(StatusCode::try_from(400).unwrap(), SdkBody::from("{\"secret\": \"body\"}"));
        let err = SdkError::service_error(
            SendEmailError::generic(ErrorMetadata::builder().code("MessageRejected").message("nope").build()),
            raw,
        );
        let failure = classify("SendEmail", &err);
        assert_eq!(failure.message, "SendEmail: MessageRejected: nope (HTTP 400)");
    }

    #[test]
    fn masking_keeps_the_surrounding_text() {
        assert_eq!(
            mask_addresses("refused <jane@example.com>, and \"bob@x.org\" twice: bob@x.org."),
            "refused <j***@example.com>, and \"b***@x.org\" twice: b***@x.org."
        );
        assert_eq!(mask_addresses("no address @here"), "no address @here");
    }
}
