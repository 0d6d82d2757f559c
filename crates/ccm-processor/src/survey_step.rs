//! The survey of the completion step: before a completed object's notice goes to a customer, that
//! customer's survey is prepared (made once, found again on a redelivery) and each recipient's copy
//! carries their own link. The notice is rendered once with a [`LinkSlot`] placeholder; each copy
//! gets its recipient's link filled in.
//!
//! A provider that is unavailable (throttled, 5xx) fails the trigger before anything is sent, so the
//! redelivery sends the notice with its survey; a provider that refuses for good (a bad token, an
//! invalid form) cannot be helped by retrying, so the notice goes without a survey.

use ccm_core::config::CustomerConfig;
use ccm_core::ports::{PreparedSurvey, SurveyRequest, Surveys};
use ccm_core::render::{LinkSlot, Rendered};
use ccm_core::routing::Event;
use ccm_core::survey::SurveyPeriod;
use ccm_core::{CustomerCode, EmailAddress, Object};

use crate::error::ProcessError;
use crate::processor::Processor;

/// One customer's survey of a completed object, and the placeholder its notice was rendered with.
pub(crate) struct SurveyLinks<'a> {
    surveys: &'a dyn Surveys,
    survey: PreparedSurvey,
    slot: LinkSlot,
}

impl SurveyLinks<'_> {
    /// What the template gets in place of the survey link.
    pub(crate) fn placeholder(&self) -> &str {
        self.slot.as_str()
    }

    /// `to`'s copy of the notice, with their own survey link.
    pub(crate) fn copy_for(&self, rendered: &Rendered, to: &EmailAddress) -> Rendered {
        self.slot.fill(rendered, &self.surveys.link(&self.survey, to))
    }
}

impl Processor {
    /// The customer's survey when `event` is a completion and surveys are configured.
    pub(crate) async fn survey_links(
        &self,
        event: Event,
        customer: &CustomerCode,
        customer_config: &CustomerConfig,
        object: &Object,
    ) -> Result<Option<SurveyLinks<'_>>, ProcessError> {
        let Some(surveys) = self.surveys.as_deref() else { return Ok(None) };
        if event != Event::Completed {
            return Ok(None);
        }
        let now = self.clock.now();
        let period = SurveyPeriod::of_object(object).unwrap_or_else(|| SurveyPeriod::starting(now));
        let request = SurveyRequest { object, customer, customer_name: &customer_config.customer_name, period, now };
        match surveys.prepare(&request).await {
            Ok(survey) => {
                tracing::info!(survey = %survey.survey_id, provider = ?survey.provider, "survey ready");
                Ok(Some(SurveyLinks { surveys, survey, slot: LinkSlot::random() }))
            }
            Err(e) if e.is_retryable() => Err(ProcessError::retryable(format!("survey: {e}"))),
            Err(e) => {
                tracing::error!(error = %e, "the survey could not be made; the completion notice goes without one");
                Ok(None)
            }
        }
    }
}
