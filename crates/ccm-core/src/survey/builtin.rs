//! The built-in survey adapter: ccm's own page (`{portal}/survey.html?t=…`), the default. Nothing is
//! created anywhere: each recipient's link is a signed, expiring capability ([`super::token`]) and
//! the answer goes through the API. Pure computation, so it also serves tests as is.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::token::{SurveyClaims, SurveyKeys, respondent};
use crate::ids::EmailAddress;
use crate::ports::{PreparedSurvey, SurveyError, SurveyProvider, SurveyRequest, Surveys};

/// How long a survey link works after the survey opens (or after it is sent, if that is later).
pub const LINK_DAYS: i64 = 90;

#[derive(Debug, Clone)]
pub struct BuiltinSurveys {
    keys: SurveyKeys,
    /// The portal as recipients reach it, without a trailing `/`.
    base_url: String,
    valid_for: Duration,
}

impl BuiltinSurveys {
    pub fn new(keys: SurveyKeys, portal_base_url: &str) -> Self {
        Self { keys, base_url: portal_base_url.trim_end_matches('/').to_owned(), valid_for: Duration::days(LINK_DAYS) }
    }

    /// Links valid for `valid_for` instead of [`LINK_DAYS`].
    pub fn valid_for(mut self, valid_for: Duration) -> Self {
        self.valid_for = valid_for;
        self
    }

    fn expiry(&self, opened: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        opened.max(now).checked_add_signed(self.valid_for).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

#[async_trait]
impl Surveys for BuiltinSurveys {
    async fn prepare(&self, request: &SurveyRequest<'_>) -> Result<PreparedSurvey, SurveyError> {
        Ok(PreparedSurvey {
            provider: SurveyProvider::Builtin,
            object: request.object.id().clone(),
            customer: request.customer.clone(),
            period: request.period,
            survey_id: "builtin".into(),
            url: format!("{}{}", self.base_url, super::SURVEY_PAGE),
            expires_at: Some(self.expiry(request.period.opened, request.now)),
        })
    }

    fn link(&self, survey: &PreparedSurvey, recipient: &EmailAddress) -> String {
        let expires = survey.expires_at.unwrap_or_else(|| self.expiry(survey.period.opened, survey.period.opened));
        let token = self.keys.sign(&SurveyClaims {
            object: survey.object.clone(),
            customer: survey.customer.clone(),
            respondent: respondent(recipient),
            expires,
        });
        format!("{}?t={token}", survey.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::SurveyPeriod;
    use crate::{CustomerCode, Object};

    #[tokio::test]
    async fn each_recipient_gets_a_link_of_their_own_that_verifies_to_them() {
        let keys = SurveyKeys::from_secrets(&"k".repeat(48), None);
        let surveys = BuiltinSurveys::new(keys.clone(), "http://127.0.0.1:9000/");
        let object = Object::from_json(br#"{"changeId":"CHG-1","changeTitle":"t","customers":["acme"],"status":"completed","completedAt":"2026-06-10T12:00:00Z"}"#).unwrap();
        let acme = CustomerCode::parse("acme").unwrap();
        let period = SurveyPeriod::of_object(&object).unwrap();
        let now: DateTime<Utc> = "2026-06-10T12:00:05Z".parse().unwrap();
        let request = SurveyRequest { object: &object, customer: &acme, customer_name: "Acme", period, now };
        let survey = surveys.prepare(&request).await.unwrap();
        assert_eq!(survey, surveys.prepare(&request).await.unwrap(), "the same survey every time");
        assert_eq!(survey.expires_at, Some(now + Duration::days(LINK_DAYS)));
        let ops = EmailAddress::parse("ops@acme.example.com").unwrap();
        let dev = EmailAddress::parse("dev@acme.example.com").unwrap();
        let link = surveys.link(&survey, &ops);
        let token = link.strip_prefix("http://127.0.0.1:9000/survey.html?t=").unwrap();
        let claims = keys.verify(token, now).unwrap();
        assert_eq!((claims.object.as_str(), claims.customer.as_str()), ("CHG-1", "acme"));
        assert_eq!(claims.respondent, respondent(&ops));
        assert_ne!(link, surveys.link(&survey, &dev));
    }
}
