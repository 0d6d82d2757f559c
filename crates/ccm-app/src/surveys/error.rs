//! How each survey use case can fail. The API maps them to HTTP once (`ccm_api::routes::surveys`).

use ccm_core::config::FieldError;
use ccm_core::ports::StoreError;
use ccm_core::survey::LinkError;

use crate::error::LoadError;

/// Opening the survey page of a link.
#[derive(Debug, thiserror::Error)]
pub enum OpenSurveyError {
    /// Not a link of this deployment, or expired.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The object is gone, not completed, or no longer lists the customer.
    #[error("this survey is no longer open")]
    Closed,
    #[error("stored data does not parse: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Answering (or changing one's answer) through a link.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("this survey is no longer open")]
    Closed,
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("invalid answer"))]
    Invalid(Vec<FieldError>),
    /// The same person submitted twice at the same moment, and kept losing the race.
    #[error("the answer was changed at the same time; try again")]
    Busy,
    #[error("stored data does not parse: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<OpenSurveyError> for AnswerError {
    fn from(e: OpenSurveyError) -> Self {
        match e {
            OpenSurveyError::Link(l) => Self::Link(l),
            OpenSurveyError::Closed => Self::Closed,
            OpenSurveyError::Corrupt(c) => Self::Corrupt(c),
            OpenSurveyError::Store(s) => Self::Store(s),
        }
    }
}

/// Recording a Typeform delivery (its signature already checked).
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Signed, but not the payload Typeform documents.
    #[error("{0}")]
    Malformed(String),
    #[error("stored data does not parse: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An object's answers.
#[derive(Debug, thiserror::Error)]
pub enum ObjectSurveysError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The figures per customer and quarter.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("invalid filter"))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}
