//! The survey port: on completion, the processor asks it for one customer's survey of an object
//! (made once, found again on every retry), then for each recipient's link to it. Adapters: the
//! built-in survey page ([`crate::survey::BuiltinSurveys`], the default) and Typeform
//! (`ccm-typeform`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ids::{CustomerCode, EmailAddress, ObjectId};
use crate::model::Object;
use crate::survey::SurveyPeriod;

/// The survey of one completed object for one customer.
#[derive(Debug, Clone, Copy)]
pub struct SurveyRequest<'a> {
    pub object: &'a Object,
    pub customer: &'a CustomerCode,
    /// The customer's display name (`customer_mappings.{code}.customer_name`).
    pub customer_name: &'a str,
    /// When the survey opened (the object's completion) and the quarter its answers count in.
    pub period: SurveyPeriod,
    pub now: DateTime<Utc>,
}

/// Which adapter made a survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyProvider {
    Builtin,
    Typeform,
}

/// A survey ready to be linked from the completion notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedSurvey {
    pub provider: SurveyProvider,
    pub object: ObjectId,
    pub customer: CustomerCode,
    pub period: SurveyPeriod,
    /// The provider's id of the survey (a Typeform form id; `builtin` for the built-in page).
    pub survey_id: String,
    /// Where the survey is answered, before any per-recipient part.
    pub url: String,
    /// When links to it stop working, if they do.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    /// Throttled, a timeout, a 5xx: worth retrying (the trigger is redelivered).
    #[error("survey provider unavailable: {0}")]
    Unavailable(String),
    /// Refused for good (a bad token, an invalid form): the notice goes without a survey.
    #[error("survey provider refused: {0}")]
    Rejected(String),
}

impl SurveyError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

#[async_trait]
pub trait Surveys: Send + Sync {
    /// The customer's survey of the object: made on the first call, the same one on every later
    /// call (a redelivered trigger never makes a second survey).
    async fn prepare(&self, request: &SurveyRequest<'_>) -> Result<PreparedSurvey, SurveyError>;

    /// The link `recipient` answers `survey` through (the built-in page signs one per recipient;
    /// an external form gives everyone the same address with its hidden fields).
    fn link(&self, survey: &PreparedSurvey, recipient: &EmailAddress) -> String;
}
