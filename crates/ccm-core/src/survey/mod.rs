//! Satisfaction surveys: when an object is completed, every affected customer's recipients are asked
//! three questions (was it excellent, yes or no; how likely are you to recommend us, 0–10; what
//! could we improve) and their answers are kept beside the object, one record per answer.
//!
//! - [`period`]: the quarter a survey belongs to (the object's completion) and quarter arithmetic.
//! - [`questions`]: the wording, shared by every way of asking.
//! - [`answer`]: an answer as stored, its validation, and its key.
//! - [`score`]: satisfaction (share of "yes") and NPS, in checked integer arithmetic.
//! - [`token`]: the signed, expiring survey link of the built-in survey page.
//! - [`builtin`]: the built-in [`Surveys`](crate::ports::Surveys) adapter (ccm's own survey page).
//! - [`form_record`]: what an external survey provider created for (object, customer).
//! - [`typeform`]: Typeform webhook payloads and their signature.
//!
//! Answers live under `surveys/results/{customer}/{year}/Q{quarter}/{unix}-{object}_{respondent}.json`
//! ([`answer::answer_key`]): `{unix}` is when the survey opened (the object's completion), so one
//! respondent's answer to one object always has the same key (the built-in page updates it; a
//! Typeform response, keyed by its response token, is written once).

#![deny(clippy::arithmetic_side_effects)]

pub mod answer;
pub mod builtin;
pub mod form_record;
pub mod period;
pub mod questions;
pub mod score;
pub mod token;
pub mod typeform;

pub use answer::{AnswerInput, AnswerRef, SurveyAnswer, SurveySource, ValidAnswer, answer_key};
pub use builtin::BuiltinSurveys;
pub use form_record::SurveyFormRecord;
pub use period::{Quarter, SurveyPeriod};
pub use questions::Questions;
pub use score::Score;
pub use token::{LinkError, SurveyClaims, SurveyKeys, respondent};

/// The `ref` of each question (Typeform field refs; the built-in page's field names).
pub const REF_EXCELLENT: &str = "excellent";
pub const REF_RECOMMEND: &str = "recommend";
pub const REF_IMPROVE: &str = "improve";

/// The hidden fields every survey carries (Typeform hidden fields; the original system's names).
pub const HIDDEN_FIELDS: [&str; 6] = ["object_id", "event_type", "event_subtype", "customer_code", "year", "quarter"];

/// Where the built-in survey page is served, relative to the portal.
pub const SURVEY_PAGE: &str = "/survey.html";

/// Longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 4000;
