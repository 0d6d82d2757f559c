//! Approval policies as pure functions: which recorded approvals count for which customer, and
//! whether every customer's policy is met. The status machine (`crate::workflow`) only learns the
//! answer: an approval that completes the last customer's quorum approves the object; any other is
//! recorded as a partial approval.
//!
//! An approval counts for a customer when the approver could act for that customer (customer
//! scope), is in one of the policy's approver groups (when it names any), and does not share a team
//! with the author (when the policy says the author's team may not approve). Each person counts
//! once, however often they appear.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{ApprovalPolicies, ApprovalPolicy};
use crate::ids::CustomerCode;
use crate::model::Approval;

/// Why an approval does not count for a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCounted {
    /// The approver may not act for this customer.
    OutOfScope,
    /// The policy names approver groups and the approver is in none of them.
    NotInApproverGroup,
    /// The approver shares a team with the author, and the policy does not allow that.
    SameTeamAsAuthor,
}

impl NotCounted {
    pub fn describe(self, customer: &CustomerCode, policy: &ApprovalPolicy) -> String {
        match self {
            Self::OutOfScope => format!("you may not act for {customer}"),
            Self::NotInApproverGroup => {
                format!("{customer} needs an approver from {}", policy.approver_groups.join(" or "))
            }
            Self::SameTeamAsAuthor => format!("{customer} does not accept approvals from the author's team"),
        }
    }
}

/// The teams among `groups` (the groups listed in `approval_policies.teams`).
fn teams_of<'a>(groups: &'a [String], teams: &'a [String]) -> impl Iterator<Item = &'a String> {
    groups.iter().filter(|g| teams.iter().any(|t| t.trim() == g.trim()))
}

/// Whether `approval` counts for `customer` under `policy`.
pub fn counts_for(
    policy: &ApprovalPolicy,
    teams: &[String],
    customer: &CustomerCode,
    approval: &Approval,
    author_groups: &[String],
) -> Result<(), NotCounted> {
    if approval.customers.as_ref().is_some_and(|scope| !scope.contains(customer)) {
        return Err(NotCounted::OutOfScope);
    }
    let in_group = |g: &String| policy.approver_groups.iter().any(|want| want.trim() == g.trim());
    if !policy.approver_groups.is_empty() && !approval.groups.iter().any(in_group) {
        return Err(NotCounted::NotInApproverGroup);
    }
    if !policy.author_team_may_approve {
        let mut author_teams = teams_of(author_groups, teams);
        if author_teams.any(|t| approval.groups.iter().any(|g| g.trim() == t.trim())) {
            return Err(NotCounted::SameTeamAsAuthor);
        }
    }
    Ok(())
}

/// One approval that counts, as the approvals page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    pub user_id: String,
    pub at: DateTime<Utc>,
}

/// Where one customer's policy stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerProgress {
    pub customer: CustomerCode,
    pub quorum: u8,
    pub approver_groups: Vec<String>,
    pub author_team_may_approve: bool,
    /// The approvals that count, oldest first, one per person.
    pub approved_by: Vec<Counted>,
    /// How many more distinct approvers are needed (0 = met).
    pub still_needed: u8,
}

impl CustomerProgress {
    pub fn is_met(&self) -> bool {
        self.still_needed == 0
    }
}

/// Each customer's progress towards its policy, given the approvals recorded so far.
pub fn progress(
    policies: &ApprovalPolicies,
    customers: &[CustomerCode],
    approvals: &[Approval],
    author_groups: &[String],
) -> Vec<CustomerProgress> {
    customers
        .iter()
        .map(|customer| {
            let policy = policies.for_customer(customer);
            let mut approved_by: Vec<Counted> = Vec::new();
            for a in approvals {
                let repeat = approved_by.iter().any(|c| c.user_id.eq_ignore_ascii_case(&a.user_id));
                if !repeat && counts_for(policy, &policies.teams, customer, a, author_groups).is_ok() {
                    approved_by.push(Counted { user_id: a.user_id.clone(), at: a.at });
                }
            }
            let have = u8::try_from(approved_by.len()).unwrap_or(u8::MAX);
            CustomerProgress {
                customer: customer.clone(),
                quorum: policy.quorum,
                approver_groups: policy.approver_groups.clone(),
                author_team_may_approve: policy.author_team_may_approve,
                approved_by,
                still_needed: policy.quorum.saturating_sub(have),
            }
        })
        .collect()
}

/// Every customer's policy is met. An object without customers needs one approval.
pub fn is_complete(progress: &[CustomerProgress], approvals: &[Approval]) -> bool {
    if progress.is_empty() { !approvals.is_empty() } else { progress.iter().all(CustomerProgress::is_met) }
}

/// Why a new approval would change nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefused {
    #[error("you have already approved this version")]
    AlreadyApproved,
    /// One sentence per customer still needing approval.
    #[error("your approval does not count for any customer still needing one: {}", .0.join("; "))]
    DoesNotCount(Vec<String>),
}

/// Checks that `candidate` adds to at least one customer whose policy is not yet met.
pub fn check_adds(
    policies: &ApprovalPolicies,
    customers: &[CustomerCode],
    approvals: &[Approval],
    author_groups: &[String],
    candidate: &Approval,
) -> Result<(), ApprovalRefused> {
    if approvals.iter().any(|a| a.user_id.eq_ignore_ascii_case(&candidate.user_id)) {
        return Err(ApprovalRefused::AlreadyApproved);
    }
    let before = progress(policies, customers, approvals, author_groups);
    if customers.is_empty() {
        return Ok(());
    }
    let mut why = Vec::new();
    for p in before.iter().filter(|p| !p.is_met()) {
        let policy = policies.for_customer(&p.customer);
        match counts_for(policy, &policies.teams, &p.customer, candidate, author_groups) {
            Ok(()) => return Ok(()),
            Err(reason) => why.push(reason.describe(&p.customer, policy)),
        }
    }
    Err(ApprovalRefused::DoesNotCount(why))
}

#[cfg(test)]
mod tests;
