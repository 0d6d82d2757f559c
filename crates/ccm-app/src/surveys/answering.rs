//! The built-in survey page's use cases. The signed link is the authorisation: it names the object,
//! the customer and the respondent, and nobody signs in. One answer per respondent and object: a
//! second submission replaces the first (with an ETag precondition, so two tabs cannot interleave).

use bytes::Bytes;
use ccm_core::ports::{PutOptions, StoreError};
use ccm_core::survey::{
    AnswerInput, Questions, SurveyAnswer, SurveyClaims, SurveyKeys, SurveyPeriod, SurveySource, answer_key,
};
use ccm_core::{CustomerCode, Object, ObjectId, ObjectKind, StorageKey};
use chrono::{DateTime, Utc};

use super::error::{AnswerError, OpenSurveyError};
use crate::App;

/// What the survey page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyForm {
    pub object: ObjectId,
    pub kind: ObjectKind,
    pub title: String,
    pub customer: CustomerCode,
    pub customer_name: String,
    pub logo_url: Option<String>,
    pub questions: Questions,
    pub expires_at: DateTime<Utc>,
    /// The respondent's answer so far, if any.
    pub answer: Option<SurveyAnswer>,
}

/// An answer as stored, and whether it was the first.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    pub answer: SurveyAnswer,
    pub created: bool,
}

/// A link's survey: the claims checked, the object still completed and still for that customer.
struct Opened {
    claims: SurveyClaims,
    object: Object,
    period: SurveyPeriod,
    key: StorageKey,
}

async fn opened(app: &App, keys: &SurveyKeys, token: &str) -> Result<Opened, OpenSurveyError> {
    let claims = keys.verify(token, app.clock.now())?;
    let Some(doc) = app.store.get(&StorageKey::Archive(claims.object.clone())).await? else {
        return Err(OpenSurveyError::Closed);
    };
    let object = Object::from_json(&doc.body).map_err(|e| OpenSurveyError::Corrupt(e.to_string()))?;
    if !object.customers().contains(&claims.customer) {
        return Err(OpenSurveyError::Closed);
    }
    let period = SurveyPeriod::of_object(&object).ok_or(OpenSurveyError::Closed)?;
    let key = answer_key(&claims.customer, &period, &claims.object, &claims.respondent)
        .ok_or_else(|| OpenSurveyError::Corrupt(format!("no answer key for {}", claims.object)))?;
    Ok(Opened { claims, object, period, key })
}

/// The survey a link opens, with the respondent's earlier answer.
pub async fn open(app: &App, keys: &SurveyKeys, token: &str) -> Result<SurveyForm, OpenSurveyError> {
    let o = opened(app, keys, token).await?;
    let answer = match app.store.get(&o.key).await? {
        Some(doc) => Some(serde_json::from_slice(&doc.body).map_err(|e| OpenSurveyError::Corrupt(e.to_string()))?),
        None => None,
    };
    let customer = app.config.customer(&o.claims.customer);
    Ok(SurveyForm {
        object: o.claims.object.clone(),
        kind: o.object.kind(),
        title: o.object.title().to_owned(),
        customer_name: customer.map_or_else(|| o.claims.customer.to_string(), |c| c.customer_name.clone()),
        logo_url: customer.and_then(|c| c.logo_url.clone()),
        customer: o.claims.customer,
        questions: Questions::for_kind(o.object.kind()),
        expires_at: o.claims.expires,
        answer,
    })
}

/// Attempts at replacing an answer that someone (the same person, in another tab) changed meanwhile.
const ATTEMPTS: usize = 3;

/// Stores the respondent's answer, or replaces their earlier one.
pub async fn answer(app: &App, keys: &SurveyKeys, token: &str, input: &AnswerInput) -> Result<Answered, AnswerError> {
    let valid = input.validate().map_err(AnswerError::Invalid)?;
    let o = opened(app, keys, token).await?;
    for _ in 0..ATTEMPTS {
        let now = app.clock.now();
        let existing = app.store.get(&o.key).await.map_err(AnswerError::Store)?;
        let earlier: Option<SurveyAnswer> = match &existing {
            Some(doc) => Some(serde_json::from_slice(&doc.body).map_err(|e| AnswerError::Corrupt(e.to_string()))?),
            None => None,
        };
        let answer = SurveyAnswer {
            object: o.claims.object.clone(),
            type_name: o.object.kind().type_name().to_owned(),
            title: o.object.title().to_owned(),
            customer: o.claims.customer.clone(),
            year: o.period.quarter.year,
            quarter: o.period.quarter.quarter,
            source: SurveySource::Builtin,
            respondent: o.claims.respondent.to_string(),
            excellent: Some(valid.excellent),
            recommend: Some(valid.recommend),
            comment: valid.comment.clone(),
            submitted_at: earlier.as_ref().map_or(now, |e| e.submitted_at),
            updated_at: earlier.as_ref().map(|_| now),
            typeform: None,
        };
        let body = serde_json::to_vec_pretty(&answer).map_err(|e| AnswerError::Corrupt(e.to_string()))?;
        let options = match &existing {
            Some(doc) => PutOptions::if_match(doc.meta.etag.clone()),
            None => PutOptions::create_only(),
        };
        match app.store.put(&o.key, Bytes::from(body), options).await {
            Ok(_) => {
                tracing::info!(object = %answer.object, customer = %answer.customer, updated = existing.is_some(), "survey answered");
                return Ok(Answered { answer, created: existing.is_none() });
            }
            Err(StoreError::PreconditionFailed { .. }) => continue,
            Err(e) => return Err(AnswerError::Store(e)),
        }
    }
    Err(AnswerError::Busy)
}
