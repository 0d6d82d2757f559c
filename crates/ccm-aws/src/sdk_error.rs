//! One reading of an AWS service's error answer for every adapter: throttled (slow down, then
//! retry), unavailable (transient: retry), or rejected (refused until something changes). The S3
//! store, the SES gateway and the operator commands (`ccm-admin`) all classify through
//! [`class_of`], so a code learnt for one service is known to all of them.

/// What a caller may do about a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Slow down and try again later.
    Throttled,
    /// Transient (timeouts, 5xx, connection failures): try again.
    Unavailable,
    /// Refused for good until something changes (permissions, identities, input).
    Rejected,
}

/// Codes AWS services use to ask the caller to slow down.
pub const THROTTLING: &[&str] = &[
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "LimitExceededException",
    "SlowDown",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "PriorRequestNotComplete",
];

/// Codes of transient failures on the service's side.
pub const TRANSIENT: &[&str] = &[
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "InternalServiceError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Codes that stay refused however often they are retried, whatever their HTTP status.
pub const REJECTED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "NotFoundException",
    "BadRequestException",
    "AccountSuspendedException",
    "SendingPausedException",
    "InvalidClientTokenId",
    "RegionDisabledException",
    "MalformedPolicyDocument",
];

/// The class of a service's answer, from its error code and HTTP status. Without a status (no
/// answer was read) an unknown code counts as transient.
pub fn class_of(code: Option<&str>, status: Option<u16>) -> Class {
    let code = code.unwrap_or_default();
    if THROTTLING.contains(&code) || status == Some(429) {
        Class::Throttled
    } else if REJECTED.contains(&code) {
        Class::Rejected
    } else if TRANSIENT.contains(&code) || status.is_none_or(|s| s >= 500) {
        Class::Unavailable
    } else {
        Class::Rejected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classed_by_code_first_then_by_status() {
        let cases = [
            (Some("SlowDown"), Some(503), Class::Throttled),
            (Some("PriorRequestNotComplete"), Some(400), Class::Throttled),
            (None, Some(429), Class::Throttled),
            (Some("AccessDenied"), Some(403), Class::Rejected),
            (Some("AccessDeniedException"), None, Class::Rejected),
            (Some("InternalError"), Some(500), Class::Unavailable),
            (Some("RequestTimeout"), Some(400), Class::Unavailable),
            (None, Some(502), Class::Unavailable),
            (None, None, Class::Unavailable),
            (Some("ValidationException"), Some(400), Class::Rejected),
        ];
        for (code, status, want) in cases {
            assert_eq!(class_of(code, status), want, "{code:?} {status:?}");
        }
    }
}
