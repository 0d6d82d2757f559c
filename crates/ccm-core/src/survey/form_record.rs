//! What an external provider made for (object, customer), recorded create-only under
//! `surveys/forms/{customer}/{object}/{unix}-{form}.json`. It is how a retried completion finds its
//! form again instead of making a second one, and how a webhook answer is traced to its object and
//! quarter (the hidden fields of a form are the respondent's to edit; this record is not).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Quarter, SurveyPeriod};
use crate::ids::{CustomerCode, ObjectId};
use crate::storage_key::{StorageKey, Token};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyFormRecord {
    /// `typeform`.
    pub provider: String,
    pub form_id: String,
    pub object: ObjectId,
    /// `change`, `cic`, `finops`, `innersource` or `general`.
    #[serde(rename = "type")]
    pub type_name: String,
    pub title: String,
    pub customer: CustomerCode,
    pub year: i32,
    pub quarter: u8,
    /// When the survey opened (the object's completion).
    pub opened_at: DateTime<Utc>,
    /// Where it is answered (without hidden fields).
    pub display_url: String,
    pub created_at: DateTime<Utc>,
    /// The provider's answer to the creation, kept as it came.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub provider_form: serde_json::Value,
}

impl SurveyFormRecord {
    /// `surveys/forms/{customer}/{object}/`.
    pub fn prefix(customer: &CustomerCode, object: &ObjectId) -> String {
        format!("surveys/forms/{customer}/{object}/")
    }

    /// Where this record is stored; `None` when the form id is not key-safe.
    pub fn key(&self) -> Option<StorageKey> {
        Some(StorageKey::SurveyForm {
            customer: self.customer.clone(),
            object: self.object.clone(),
            unix: self.created_at.timestamp(),
            survey: Token::parse(&self.form_id).ok()?,
        })
    }

    /// The survey's period as recorded.
    pub fn period(&self) -> Option<SurveyPeriod> {
        let quarter = Quarter::new(self.year, self.quarter)?;
        Some(SurveyPeriod { opened: self.opened_at, quarter })
    }
}
