//! An invocation's time budget. A Lambda invocation ends at its deadline whatever it is doing; a
//! fan-out killed there would leave its batch to come back whole after the visibility timeout (30
//! minutes), with the sends that were in flight unconfirmed in the ledger. Run under a [`Budget`]
//! (the Lambda handler passes its deadline minus a margin), a fan-out stops taking new recipients
//! once the budget is spent, lets the sends in flight finish and fails its trigger as
//! [`ProcessError::out_of_time`](crate::ProcessError::out_of_time): the handler hands the message
//! on to a new one at once ([`crate::handle_batch_within`]), and the next invocation carries on where
//! the ledger says this one stopped.
//!
//! The budget is task-local, set around one batch: the processor's entry points (`process`,
//! `remind`) keep their signatures, and code run without a budget (`ccm serve`, the CLI, tests) never
//! runs out of time.

use std::future::Future;
use std::sync::Arc;

use tokio::time::Instant;

tokio::task_local! {
    static BUDGET: Budget;
}

/// Whether there is still time to start another send.
#[derive(Clone)]
pub struct Budget(Arc<dyn Fn() -> bool + Send + Sync>);

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Budget")
    }
}

impl Budget {
    /// Spent at `deadline`.
    pub fn until(deadline: Instant) -> Self {
        Self(Arc::new(move || Instant::now() >= deadline))
    }

    /// Spent when `spent` says so (tests: spent after so many sends).
    pub fn from_fn(spent: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        Self(Arc::new(spent))
    }

    /// Runs `f` within this budget.
    pub async fn run<F: Future>(self, f: F) -> F::Output {
        BUDGET.scope(self, f).await
    }

    /// Is the budget the running task runs within spent? Never without one.
    pub fn is_spent_here() -> bool {
        spent()
    }
}

/// Is the budget of the running task spent? Never without one.
pub(crate) fn spent() -> bool {
    BUDGET.try_with(|b| (b.0)()).unwrap_or(false)
}
