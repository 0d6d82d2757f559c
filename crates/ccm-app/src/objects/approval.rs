//! Where an object's approval stands, for the approvals page: per customer, who approved (and
//! when) and how many more are needed from which groups; the blackout overrides given so far; the
//! conflicts of its window now; and whether this caller's approval would count.

use ccm_core::calendar::Warning;
use ccm_core::model::{Approval, BlackoutOverride};
use ccm_core::policy::{self, CustomerProgress};
use ccm_core::workflow::{self, Action, Status};
use ccm_core::{ObjectId, Role};

use super::Objects;
use crate::calendar::conflicts;
use crate::error::CalendarError;

#[derive(Debug, Clone)]
pub struct ApprovalStatus {
    pub id: ObjectId,
    pub status: Status,
    /// One entry per customer the caller may see.
    pub customers: Vec<CustomerProgress>,
    /// Every customer's policy is met (over all customers, seen or not).
    pub complete: bool,
    pub approvals: Vec<Approval>,
    pub overrides: Vec<BlackoutOverride>,
    pub warnings: Vec<Warning>,
    /// `Ok` when the caller may approve now and their approval would count; else why not.
    pub can_approve: Result<(), String>,
}

impl Objects<'_> {
    pub async fn approval_status(&self, id: &ObjectId) -> Result<ApprovalStatus, CalendarError> {
        let loaded = self.load(id).await?;
        let object = &loaded.object;
        let life = object.life();
        let policies = &self.app.config.approval_policies;
        let all = policy::progress(policies, object.customers(), &life.approvals, &life.author_groups);
        let complete = policy::is_complete(&all, &life.approvals);
        let can_approve = if !self.caller.has(Role::Approver) {
            Err("this needs the approver role".to_owned())
        } else {
            workflow::decide(
                life.status,
                Action::Approve,
                self.actor(),
                object.created_by(),
                life.submitted_by.as_deref(),
            )
            .map_err(|e| e.to_string())
            .and_then(|_| {
                let candidate = Approval::new(
                    self.caller.email(),
                    self.app.clock.now(),
                    self.caller.groups.clone(),
                    self.caller.scope().map(<[_]>::to_vec),
                );
                policy::check_adds(policies, object.customers(), &life.approvals, &life.author_groups, &candidate)
                    .map_err(|e| e.to_string())
            })
        };
        let warnings = conflicts::for_object(self.app, self.caller, object).await?;
        let visible = |c: &CustomerProgress| self.caller.may_use_customer(&c.customer);
        let (mut approvals, mut overrides) = (life.approvals.clone(), life.blackout_overrides.clone());
        if let Some(scope) = self.caller.scope() {
            crate::view::scope_approvals(&mut approvals, &mut overrides, scope);
        }
        Ok(ApprovalStatus {
            id: id.clone(),
            status: life.status,
            customers: all.iter().filter(|c| visible(c)).cloned().collect(),
            complete,
            approvals,
            overrides,
            warnings,
            can_approve,
        })
    }
}
