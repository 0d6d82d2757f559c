//! One answer, as stored under `surveys/results/…`: the same record whether it came from the
//! built-in page or a Typeform webhook, so the portal's figures never care where it came from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{MAX_COMMENT_CHARS, Quarter, SurveyPeriod};
use crate::config::FieldError;
use crate::ids::{CustomerCode, ObjectId};
use crate::storage_key::{StorageKey, Token};
use crate::text::{self, TextKind};

/// Where an answer was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SurveySource {
    /// ccm's own survey page (`/survey.html`).
    Builtin,
    /// A Typeform form, through its webhook.
    Typeform,
}

/// An answer as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub object: ObjectId,
    /// `change`, `cic`, `finops`, `innersource` or `general`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The object's title when the answer was given (lists show it without reading the object).
    pub title: String,
    pub customer: CustomerCode,
    pub year: i32,
    pub quarter: u8,
    pub source: SurveySource,
    /// Who answered, pseudonymously: a hash of the recipient's address (built-in), or Typeform's
    /// response token. Never an address.
    pub respondent: String,
    #[serde(default)]
    pub excellent: Option<bool>,
    #[serde(default)]
    pub recommend: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub submitted_at: DateTime<Utc>,
    /// When a built-in answer was last changed by a second submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Typeform's ids of the response (event and form), for tracing it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typeform: Option<TypeformIds>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeformIds {
    pub event_id: String,
    pub form_id: String,
}

impl SurveyAnswer {
    pub fn quarter(&self) -> Option<Quarter> {
        Quarter::new(self.year, self.quarter)
    }
}

/// What a respondent sends, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AnswerInput {
    pub excellent: Option<bool>,
    pub recommend: Option<i64>,
    pub comment: Option<String>,
}

/// A validated answer: both ratings given, the comment cleaned and bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAnswer {
    pub excellent: bool,
    pub recommend: u8,
    pub comment: Option<String>,
}

impl AnswerInput {
    /// Every problem at once, each naming its field.
    pub fn validate(&self) -> Result<ValidAnswer, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.excellent.is_none() {
            errors.push(FieldError::new(super::REF_EXCELLENT, "answer yes or no"));
        }
        let recommend = match self.recommend {
            Some(n @ 0..=10) => u8::try_from(n).ok(),
            Some(_) => {
                errors.push(FieldError::new(super::REF_RECOMMEND, "a number from 0 to 10"));
                None
            }
            None => {
                errors.push(FieldError::new(super::REF_RECOMMEND, "choose a number from 0 to 10"));
                None
            }
        };
        let comment = match self.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) if c.chars().count() > MAX_COMMENT_CHARS => {
                errors.push(FieldError::new("comment", format!("at most {MAX_COMMENT_CHARS} characters")));
                None
            }
            Some(c) => Some(clean_comment(c)),
            None => None,
        };
        match (self.excellent, recommend) {
            (Some(excellent), Some(recommend)) if errors.is_empty() => {
                Ok(ValidAnswer { excellent, recommend, comment })
            }
            _ => Err(errors),
        }
    }
}

/// A comment as kept: control and bidi characters removed, at most [`MAX_COMMENT_CHARS`].
pub fn clean_comment(raw: &str) -> String {
    let cleaned = text::clean(raw.trim(), TextKind::MultiLine);
    cleaned.chars().take(MAX_COMMENT_CHARS).collect()
}

/// `surveys/results/{customer}/{year}/Q{q}/{opened unix}-{object}_{respondent}.json`.
/// `None` when the two do not fit a key token (an object id is at most 68 characters; respondents
/// are at most 59).
pub fn answer_key(
    customer: &CustomerCode,
    period: &SurveyPeriod,
    object: &ObjectId,
    respondent: &Token,
) -> Option<StorageKey> {
    let form = Token::parse(&format!("{object}_{respondent}")).ok()?;
    Some(StorageKey::SurveyResult {
        customer: customer.clone(),
        year: period.quarter.year,
        quarter: period.quarter.quarter,
        unix: period.unix(),
        form,
    })
}

/// `surveys/results/{customer}/{year}/Q{q}/`: every answer of a customer's quarter.
pub fn quarter_prefix(customer: &CustomerCode, quarter: Quarter) -> String {
    format!("surveys/results/{customer}/{}/Q{}/", quarter.year, quarter.quarter)
}

/// What an answer's key says: whose answer to which object, in which quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRef {
    pub customer: CustomerCode,
    pub quarter: Quarter,
    pub object: ObjectId,
    pub respondent: String,
}

impl AnswerRef {
    /// The parts of an answer key; `None` for any other key (a result written by the original
    /// system, `{unix}-{form id}`, is not an answer of this layout).
    pub fn parse(key: &StorageKey) -> Option<Self> {
        let StorageKey::SurveyResult { customer, year, quarter, form, .. } = key else { return None };
        let (object, respondent) = form.as_str().split_once('_')?;
        Some(Self {
            customer: customer.clone(),
            quarter: Quarter::new(*year, *quarter)?,
            object: ObjectId::parse(object).ok()?,
            respondent: respondent.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_answer_validates_and_its_comment_is_cleaned() {
        let input = AnswerInput {
            excellent: Some(true),
            recommend: Some(10),
            comment: Some("  Great\u{202e}work\r\n ".into()),
        };
        let valid = input.validate().unwrap();
        assert_eq!((valid.excellent, valid.recommend, valid.comment.as_deref()), (true, 10, Some("Greatwork")));
        let blank = AnswerInput { comment: Some("   ".into()), ..input };
        assert_eq!(blank.validate().unwrap().comment, None);
    }

    #[test]
    fn every_missing_or_out_of_range_field_is_named() {
        let errors = AnswerInput::default().validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["excellent", "recommend"]);
        for bad in [-1, 11, i64::MAX] {
            let e = AnswerInput { excellent: Some(false), recommend: Some(bad), comment: None }.validate().unwrap_err();
            assert_eq!(e[0].field, "recommend", "{bad}");
        }
        let long = AnswerInput { excellent: Some(false), recommend: Some(3), comment: Some("x".repeat(4001)) };
        assert_eq!(long.validate().unwrap_err()[0].field, "comment");
    }

    #[test]
    fn an_answer_key_names_its_customer_quarter_object_and_respondent() {
        let customer = CustomerCode::parse("acme").unwrap();
        let object = ObjectId::parse("CHG-0f8fad5b-d9cb-469f-a165-70867728950e").unwrap();
        let period = SurveyPeriod::starting("2026-05-02T10:00:00Z".parse().unwrap());
        let respondent = Token::parse("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6").unwrap();
        let key = answer_key(&customer, &period, &object, &respondent).unwrap();
        assert_eq!(
            key.to_string(),
            "surveys/results/acme/2026/Q2/1777716000-CHG-0f8fad5b-d9cb-469f-a165-70867728950e_a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6.json"
        );
        let parsed = AnswerRef::parse(&StorageKey::parse(&key.to_string()).unwrap()).unwrap();
        assert_eq!(
            (parsed.customer, parsed.object, parsed.respondent.as_str()),
            (customer.clone(), object.clone(), respondent.as_str())
        );
        assert!(key.to_string().starts_with(&quarter_prefix(&customer, period.quarter)));
        let legacy = StorageKey::parse("surveys/results/acme/2026/Q2/1777716000-lT4Z3j.json").unwrap();
        assert_eq!(AnswerRef::parse(&legacy), None, "the original system's results are not answers of this layout");
    }
}
