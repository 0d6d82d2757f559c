//! Errors are retryable (leave the message for SQS to redeliver) or permanent (log and acknowledge:
//! retrying cannot help, and a poison message must not loop until the DLQ).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProcessError {
    pub retryable: bool,
    pub message: String,
}

impl ProcessError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self { retryable: true, message: message.into() }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { retryable: false, message: message.into() }
    }
}
