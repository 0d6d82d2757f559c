//! The completion step's survey: each recipient's notice carries their own link; a provider that is
//! down retries the trigger before anything is sent; one that refuses lets the notice go without.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use ccm_core::EmailAddress;
use ccm_core::ports::{PreparedSurvey, SurveyError, SurveyRequest, Surveys};
use ccm_core::survey::{BuiltinSurveys, SurveyKeys, respondent};
use ccm_processor::Outcome;
use serde_json::json;

use crate::support::*;

fn keys() -> SurveyKeys {
    SurveyKeys::from_secrets(&"s".repeat(48), None)
}

/// The built-in adapter, made to fail the first `failures` calls the way `error` says.
struct Flaky {
    inner: BuiltinSurveys,
    failures: AtomicUsize,
    retryable: bool,
    calls: AtomicUsize,
}

#[async_trait]
impl Surveys for Flaky {
    async fn prepare(&self, request: &SurveyRequest<'_>) -> Result<PreparedSurvey, SurveyError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.failures.load(Ordering::SeqCst) > 0 {
            self.failures.fetch_sub(1, Ordering::SeqCst);
            return Err(if self.retryable {
                SurveyError::Unavailable("429 Too Many Requests".into())
            } else {
                SurveyError::Rejected("401 bad token".into())
            });
        }
        self.inner.prepare(request).await
    }
    fn link(&self, survey: &PreparedSurvey, recipient: &EmailAddress) -> String {
        self.inner.link(survey, recipient)
    }
}

fn flaky(failures: usize, retryable: bool) -> Arc<Flaky> {
    Arc::new(Flaky {
        inner: BuiltinSurveys::new(keys(), "https://ccm.example.com"),
        failures: AtomicUsize::new(failures),
        retryable,
        calls: AtomicUsize::new(0),
    })
}

fn completed(id: &str) -> ccm_core::Object {
    change(
        id,
        "completed",
        &["acme"],
        json!({"completedBy": "alice@example.com", "completedAt": "2026-06-10T16:05:00Z"}),
    )
}

/// The survey link of a message's text part.
fn link_in(text: &str) -> Option<String> {
    let start = text.find("https://ccm.example.com/survey.html?t=")?;
    Some(text[start..].split_whitespace().next()?.to_owned())
}

#[tokio::test]
async fn every_recipient_of_a_completion_notice_gets_a_survey_link_of_their_own() {
    let mut rig = Rig::new().await;
    rig.processor.surveys = Some(Arc::new(BuiltinSurveys::new(keys(), "https://ccm.example.com/")));
    rig.subscribers("acme", "aws-announce", 3);
    let o = completed("CHG-S1");
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 3);
    let mut seen = Vec::new();
    for m in rig.mailer.sent() {
        let link = link_in(&m.email.text).unwrap_or_else(|| panic!("no survey link in {}", m.email.text));
        assert!(m.email.html.contains(&format!("href=\"{link}\"")), "the HTML part has the same link");
        let token = link.strip_prefix("https://ccm.example.com/survey.html?t=").unwrap();
        let claims = keys().verify(token, "2026-06-11T00:00:00Z".parse().unwrap()).unwrap();
        assert_eq!((claims.object.as_str(), claims.customer.as_str()), ("CHG-S1", "acme"));
        assert_eq!(claims.respondent, respondent(&m.email.to), "the link is {}'s", m.email.to);
        assert!(!m.email.html.contains("link-slot.ccm.invalid") && !m.email.text.contains("link-slot"));
        seen.push(link);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "three different links");
}

#[tokio::test]
async fn other_notices_and_processors_without_surveys_carry_no_survey() {
    let mut rig = Rig::new().await;
    rig.subscribers("acme", "aws-announce", 1);
    let o = completed("CHG-S2");
    rig.archive_and_trigger(&o).await;
    rig.processor.process(&code("acme"), o.id()).await.unwrap();
    rig.processor.surveys = Some(Arc::new(BuiltinSurveys::new(keys(), "https://ccm.example.com")));
    let approved = change("CHG-S3", "approved", &["acme"], json!({"approvedBy": "bob@example.com"}));
    rig.archive_and_trigger(&approved).await;
    rig.processor.process(&code("acme"), approved.id()).await.unwrap();
    for m in rig.mailer.sent() {
        assert!(!m.email.text.contains("Take the survey"), "{}", m.email.subject);
    }
}

#[tokio::test]
async fn a_survey_provider_that_is_down_retries_the_trigger_before_anything_is_sent() {
    let mut rig = Rig::new().await;
    let surveys = flaky(1, true);
    rig.processor.surveys = Some(surveys.clone());
    rig.subscribers("acme", "aws-announce", 2);
    let o = completed("CHG-S4");
    rig.archive_and_trigger(&o).await;
    let first = rig.processor.process(&code("acme"), o.id()).await;
    assert!(first.as_ref().is_err_and(|e| e.retryable), "{first:?}");
    assert!(rig.mailer.sent().is_empty(), "nothing went out without its survey");
    assert!(rig.trigger_exists("acme", o.id()).await);
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 2);
    assert!(rig.mailer.sent().iter().all(|m| link_in(&m.email.text).is_some()));
    assert_eq!(surveys.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_survey_provider_that_refuses_lets_the_notice_go_without_a_survey() {
    let mut rig = Rig::new().await;
    rig.processor.surveys = Some(flaky(1, false));
    rig.subscribers("acme", "aws-announce", 2);
    let o = completed("CHG-S5");
    rig.archive_and_trigger(&o).await;
    let Outcome::Sent(s) = rig.processor.process(&code("acme"), o.id()).await.unwrap() else { panic!() };
    assert_eq!(s.sent, 2);
    assert!(rig.mailer.sent().iter().all(|m| !m.email.text.contains("Take the survey")));
}

#[tokio::test]
async fn nobody_to_mail_means_no_survey_is_made() {
    let mut rig = Rig::new().await;
    let surveys = flaky(0, true);
    rig.processor.surveys = Some(surveys.clone());
    rig.subscribers("acme", "aws-approval", 1);
    let o = completed("CHG-S6");
    rig.archive_and_trigger(&o).await;
    rig.processor.process(&code("acme"), o.id()).await.unwrap();
    assert_eq!(surveys.calls.load(Ordering::SeqCst), 0);
}
