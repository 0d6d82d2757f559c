//! Submit, approve, complete, cancel: the status machine decides, the caller's rights and customer
//! scope are checked, the write is conditional, and a notifying transition writes the triggers.
//!
//! An approval is recorded with who and when, and counts for the customers whose approval policy
//! accepts the approver (`ccm_core::policy`); until every customer's policy is met it is a partial
//! approval (the object stays submitted, nobody is notified). Submitting or approving a change
//! whose window meets a blackout window needs an override reason, kept in the object's
//! `blackout_overrides` and its history, and shown to approvers and in the approval mail.

use ccm_core::calendar::Warning;
use ccm_core::config::FieldError;
use ccm_core::model::{Approval, BlackoutOverride, OverriddenBlackout};
use ccm_core::ports::ETag;
use ccm_core::validation::{self, Strictness};
use ccm_core::workflow::{self, Action, Transition};
use ccm_core::{Object, ObjectId, policy};

use super::{Objects, Saved};
use crate::calendar::conflicts;
use crate::error::{ActError, Forbidden, OverrideRequired, StepError};
use crate::triggers::write_triggers;

/// How often an action without `If-Match` is decided again when another person's write landed
/// between our read and our conditional write.
const CONFLICT_RETRIES: usize = 3;

/// Longest override reason, in characters.
pub const MAX_OVERRIDE_REASON: usize = 1000;

/// What a submission or approval may carry besides the action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActInput {
    /// Why the change goes ahead through a blackout window (required when it meets one).
    pub override_reason: Option<String>,
}

/// A trimmed override reason: `None` when blank, refused when longer than [`MAX_OVERRIDE_REASON`].
pub fn override_reason(raw: Option<&str>) -> Result<Option<String>, Vec<FieldError>> {
    let Some(reason) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(None) };
    if reason.chars().count() > MAX_OVERRIDE_REASON {
        return Err(vec![FieldError::new("overrideReason", format!("at most {MAX_OVERRIDE_REASON} characters"))]);
    }
    Ok(Some(ccm_core::text::clean(reason, ccm_core::text::TextKind::MultiLine).into_owned()))
}

/// Requires a reason when `warnings` hold a blackout, and records it on `object` (its
/// `blackout_overrides` and the comment of the history entry just written).
pub(crate) fn apply_override(
    object: &mut Object,
    action: &str,
    user: &str,
    now: chrono::DateTime<chrono::Utc>,
    warnings: &[Warning],
    reason: Option<&str>,
) -> Result<(), OverrideRequired> {
    let mut blackouts: Vec<OverriddenBlackout> = Vec::new();
    for w in warnings {
        let Some(b) = &w.blackout else { continue };
        if blackouts.iter().any(|o| o.id == b.id) {
            continue;
        }
        let customers = if b.global { Vec::new() } else { w.customers.clone() };
        blackouts.push(OverriddenBlackout { id: b.id.clone(), name: b.name.clone(), customers });
    }
    if blackouts.is_empty() {
        return Ok(());
    }
    let Some(reason) = reason else { return Err(OverrideRequired { warnings: warnings.to_vec() }) };
    // The blackouts are named in `blackout_overrides`, which views cut to each user's customers;
    // the history entry says only that there was an override, and why.
    let note = format!("Blackout override: {reason}");
    let life = object.life_mut();
    if let Some(last) = life.modifications.last_mut() {
        last.comment = Some(match last.comment.take() {
            Some(c) => format!("{c}\n{note}"),
            None => note,
        });
    }
    life.blackout_overrides.push(BlackoutOverride {
        action: action.to_owned(),
        user_id: user.to_owned(),
        at: now,
        reason: reason.to_owned(),
        blackouts,
        extra: Default::default(),
    });
    Ok(())
}

impl Objects<'_> {
    /// `if_match` pins the action to the version the caller saw; without it the action is decided
    /// on the latest version (and decided again if someone else wrote in between).
    pub async fn act(&self, id: &ObjectId, action: Action, if_match: Option<ETag>) -> Result<Saved, ActError> {
        self.act_with(id, action, if_match, ActInput::default()).await
    }

    /// [`Objects::act`] with what a submission or approval may carry (an override reason).
    pub async fn act_with(
        &self,
        id: &ObjectId,
        action: Action,
        if_match: Option<ETag>,
        input: ActInput,
    ) -> Result<Saved, ActError> {
        let reason = override_reason(input.override_reason.as_deref()).map_err(ActError::Invalid)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let current = self.load(id).await?;
            if let Some(want) = &if_match
                && !current.matches(want)
            {
                return Err(self.conflict(&current).await.into());
            }
            self.authorize(action, &current.object)?;
            // An approver acts for the customers in their scope (the policy counts their approval
            // for those only); every other action needs all of the object's customers.
            if action != Action::Approve {
                self.check_customers_in_scope(&current.object)?;
            }
            let mut object = current.object.clone();
            let now = self.app.clock.now();
            let mut actor = self.actor();
            let mut still_needed = String::new();
            if action == Action::Approve {
                let life = object.life();
                // Status and self-approval first: they say more than the policy would.
                workflow::decide(life.status, action, actor, object.created_by(), life.submitted_by.as_deref())?;
                let candidate = Approval::new(
                    self.caller.email(),
                    now,
                    self.caller.groups.clone(),
                    self.caller.scope().map(<[_]>::to_vec),
                );
                let policies = &self.app.config.approval_policies;
                policy::check_adds(policies, object.customers(), &life.approvals, &life.author_groups, &candidate)
                    .map_err(Forbidden::from)?;
                let mut approvals = life.approvals.clone();
                approvals.push(candidate.clone());
                let progress = policy::progress(policies, object.customers(), &approvals, &life.author_groups);
                actor.approval_completes = policy::is_complete(&progress, &approvals);
                still_needed = progress
                    .iter()
                    .filter(|p| !p.is_met())
                    .map(|p| format!("{} needs {} more of {}", p.customer, p.still_needed, p.quorum))
                    .collect::<Vec<_>>()
                    .join("; ");
                object.life_mut().approvals.push(candidate);
            }
            let transition = workflow::apply(&mut object, action, actor, now)?;
            if action == Action::Approve
                && !still_needed.is_empty()
                && let Some(last) = object.life_mut().modifications.last_mut()
            {
                last.comment = Some(format!("approval recorded; {still_needed}"));
            }
            if action == Action::Submit {
                let life = object.life_mut();
                for g in &self.caller.groups {
                    if !life.author_groups.contains(g) {
                        life.author_groups.push(g.clone());
                    }
                }
                let errors =
                    validation::validate(&object, &self.app.config, Strictness::Submission, self.app.clock.now());
                if !errors.is_empty() {
                    return Err(ActError::Invalid(errors));
                }
            }
            let warnings = match action {
                Action::Submit | Action::Approve => conflicts::for_object(self.app, self.caller, &object).await?,
                _ => Vec::new(),
            };
            apply_override(&mut object, action.as_str(), self.caller.email(), now, &warnings, reason.as_deref())?;
            match self.commit(&current, &object).await {
                Ok(etag) => {
                    let triggers = match transition {
                        Transition::To { notify: true, .. } => write_triggers(&*self.app.store, &object).await,
                        _ => Vec::new(),
                    };
                    self.index(&object).await?;
                    tracing::info!(object = %id, action = action.as_str(), status = %object.life().status, "action applied");
                    let mut saved = self.saved(object, etag, triggers).await?;
                    saved.warnings = warnings;
                    return Ok(saved);
                }
                // Another person's write won: decide again on the fresh object, unless the client pinned an ETag.
                Err(StepError::Conflict(_)) if if_match.is_none() && attempt < CONFLICT_RETRIES => continue,
                Err(StepError::Conflict(_)) => return Err(self.conflict_now(id).await.into()),
                Err(e) => return Err(e.into()),
            }
        }
    }
}
