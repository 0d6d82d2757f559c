//! Errors are retryable (leave the message for SQS to redeliver) or permanent (log and acknowledge:
//! retrying cannot help, and a poison message must not loop until the DLQ).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProcessError {
    pub retryable: bool,
    pub message: String,
    /// The invocation's time budget ran out mid-fan-out after some sends ([`crate::Budget`]): the
    /// trigger carries on in a new message at once instead of waiting for a redelivery. Retryable.
    pub out_of_time: bool,
}

impl ProcessError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self { retryable: true, message: message.into(), out_of_time: false }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { retryable: false, message: message.into(), out_of_time: false }
    }
    pub fn out_of_time(message: impl Into<String>) -> Self {
        Self { retryable: true, message: message.into(), out_of_time: true }
    }
}
