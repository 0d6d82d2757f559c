//! The time budget of one verification. The structural limits keep the worst accepted response
//! far below it (see docs/performance.md); the budget is the backstop that makes a response over it
//! be refused and its work stop, instead of holding a thread.

use std::time::{Duration, Instant};

/// When the verification must give up. Checked between steps and every few dozen elements of
/// canonicalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deadline(Option<Instant>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the verification took longer than its time budget")]
pub struct OverBudget;

impl Deadline {
    /// No deadline (tools and tests that verify trusted input).
    pub const NONE: Self = Self(None);

    /// `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Self(Instant::now().checked_add(budget))
    }

    pub(crate) fn check(self) -> Result<(), OverBudget> {
        match self.0 {
            Some(at) if Instant::now() >= at => Err(OverBudget),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_passes_until_its_budget_is_spent() {
        assert_eq!(Deadline::NONE.check(), Ok(()));
        assert_eq!(Deadline::after(Duration::from_secs(60)).check(), Ok(()));
        assert_eq!(Deadline::after(Duration::ZERO).check(), Err(OverBudget));
    }
}
