//! A Typeform delivery, its signature already checked: the answer is traced to its object and
//! quarter through the form's record (`surveys/forms/…`, written when the form was made; the hidden
//! fields only say where to look, since a respondent can edit them) and stored create-only, keyed by
//! the response token: a redelivery of the same response stores nothing.

use bytes::Bytes;
use ccm_core::ports::{PutOptions, StoreError, list_all};
use ccm_core::survey::answer::{TypeformIds, clean_comment};
use ccm_core::survey::typeform::WebhookEvent;
use ccm_core::survey::{SurveyAnswer, SurveyFormRecord, SurveySource, answer_key};
use ccm_core::{CustomerCode, ObjectId, StorageKey, Token};

use super::error::WebhookError;
use crate::App;

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Stored under this key.
    Stored(String),
    /// This response was stored before (a redelivery).
    Duplicate,
    /// Not an answer ccm asked for (another event type, another form); acknowledged, not stored.
    Ignored(String),
}

/// Typeform response tokens are short alphanumerics; they become part of a key.
fn response_token(raw: &str) -> Option<Token> {
    (!raw.is_empty() && raw.len() <= 59 && raw.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| Token::parse(raw).ok())
        .flatten()
}

async fn form_record(
    app: &App,
    customer: &CustomerCode,
    object: &ObjectId,
    form_id: &str,
) -> Result<Option<SurveyFormRecord>, WebhookError> {
    for item in list_all(&*app.store, &SurveyFormRecord::prefix(customer, object)).await? {
        let Ok(key) = StorageKey::parse(&item.key) else { continue };
        if !matches!(&key, StorageKey::SurveyForm { survey, .. } if survey.as_str() == form_id) {
            continue;
        }
        let Some(doc) = app.store.get(&key).await? else { continue };
        return serde_json::from_slice(&doc.body).map(Some).map_err(|e| WebhookError::Corrupt(e.to_string()));
    }
    Ok(None)
}

pub async fn record_typeform(app: &App, event: &WebhookEvent) -> Result<Recorded, WebhookError> {
    if event.event_type != "form_response" {
        return Ok(Recorded::Ignored(format!("event type {:?}", event.event_type)));
    }
    let response = event.form_response.as_ref().ok_or_else(|| WebhookError::Malformed("no form_response".into()))?;
    let token = response_token(&response.token)
        .ok_or_else(|| WebhookError::Malformed("form_response.token is not a response token".into()))?;
    let (Some(object), Some(customer)) = (
        response.hidden("object_id").and_then(|v| ObjectId::parse(v).ok()),
        response.hidden("customer_code").and_then(|v| CustomerCode::parse(v).ok()),
    ) else {
        return Ok(Recorded::Ignored("no object_id and customer_code hidden fields".into()));
    };
    let Some(record) = form_record(app, &customer, &object, &response.form_id).await? else {
        return Ok(Recorded::Ignored(format!(
            "form {} was not made by ccm for {object} and {customer}",
            response.form_id
        )));
    };
    let period = record.period().ok_or_else(|| WebhookError::Corrupt("the form record has no quarter".into()))?;
    let key = answer_key(&customer, &period, &object, &token)
        .ok_or_else(|| WebhookError::Malformed("the response does not fit a key".into()))?;
    let answer = SurveyAnswer {
        object,
        type_name: record.type_name.clone(),
        title: record.title.clone(),
        customer,
        year: period.quarter.year,
        quarter: period.quarter.quarter,
        source: SurveySource::Typeform,
        respondent: token.to_string(),
        excellent: response.excellent(),
        recommend: response.recommend(),
        comment: response.comment().map(|c| clean_comment(&c)).filter(|c| !c.is_empty()),
        submitted_at: response.submitted_at,
        updated_at: None,
        typeform: Some(TypeformIds { event_id: event.event_id.clone(), form_id: response.form_id.clone() }),
    };
    let body = serde_json::to_vec_pretty(&answer).map_err(|e| WebhookError::Corrupt(e.to_string()))?;
    match app
        .store
        .put(&key, Bytes::from(body), PutOptions::create_only().with_metadata("written-by", "typeform-webhook"))
        .await
    {
        Ok(_) => Ok(Recorded::Stored(key.to_string())),
        Err(StoreError::PreconditionFailed { .. }) => Ok(Recorded::Duplicate),
        Err(e) => Err(e.into()),
    }
}
