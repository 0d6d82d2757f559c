//! Response verification off the async executor: parsing, canonicalization and RSA are CPU work,
//! so the ACS runs them on tokio's blocking pool, at most a few at once, each within a time
//! budget. A request over budget is refused at once; its verification notices the deadline within
//! a few dozen elements and stops, so it holds neither an executor thread nor, for long, a core.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;

use super::budget::{Deadline, OverBudget};
use super::response::{self, Expectations, ResponseError, VerifiedAssertion};
use super::settings::ServiceProvider;

/// The default budget of one verification. The worst response within the limits costs a few
/// milliseconds in a release build (docs/performance.md); the budget only has to stop the unforeseen.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(2);
/// How long past its budget a request waits for the verification to notice its deadline.
const GRACE: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Response(#[from] ResponseError),
    #[error("too many sign-ins are being verified at once (none finished within the time budget)")]
    Busy,
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
    #[error("the verification task failed: {0}")]
    Failed(String),
}

/// How many verifications may run at once, and for how long each.
#[derive(Debug, Clone)]
pub struct VerifyPool {
    budget: Duration,
    permits: Arc<Semaphore>,
}

impl Default for VerifyPool {
    /// [`DEFAULT_BUDGET`], and half the cores (at least one) so that sign-ins under attack leave
    /// CPU to every other request.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(DEFAULT_BUDGET, (cores / 2).max(1))
    }
}

impl VerifyPool {
    pub fn new(budget: Duration, concurrent: usize) -> Self {
        Self { budget, permits: Arc::new(Semaphore::new(concurrent.max(1))) }
    }

    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Verifies a base64 `SAMLResponse` answering the AuthnRequest `in_response_to`.
    pub async fn verify(
        &self,
        saml_response: String,
        sp: Arc<ServiceProvider>,
        in_response_to: String,
        now: DateTime<Utc>,
    ) -> Result<VerifiedAssertion, VerifyError> {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => tokio::time::timeout(self.budget, self.permits.clone().acquire_owned())
                .await
                .map_err(|_| VerifyError::Busy)?
                .map_err(|_| VerifyError::Failed("the verification pool is closed".into()))?,
        };
        let budget = self.budget;
        let span = tracing::Span::current();
        let task = tokio::task::spawn_blocking(move || {
            // Held until the work really stops, so the bound counts running verifications.
            let _permit = permit;
            span.in_scope(|| {
                let expect = Expectations {
                    idp: &sp.idp,
                    sp_entity_id: &sp.entity_id,
                    acs_url: &sp.acs_url,
                    in_response_to: &in_response_to,
                    now,
                    skew: sp.clock_skew,
                    deadline: Deadline::after(budget),
                };
                response::verify_response(&saml_response, &expect)
            })
        });
        match tokio::time::timeout(budget + GRACE, task).await {
            Err(_) => Err(VerifyError::OverBudget(OverBudget)),
            Ok(Err(join)) => Err(VerifyError::Failed(join.to_string())),
            Ok(Ok(Err(ResponseError::OverBudget(over)))) => Err(VerifyError::OverBudget(over)),
            Ok(Ok(result)) => Ok(result?),
        }
    }
}
