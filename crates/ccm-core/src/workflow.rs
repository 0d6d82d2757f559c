//! The status machine: one pure decision function over (status, action), and `apply`, which records
//! the decision on an object (status, version, who/when, a server-written history entry).
//!
//! ```text
//! draft ──submit──► submitted ──approve──► approved ──complete──► completed (final)
//!   │                 │  ▲                    │  │
//!   │                 │  └──────edit──────────┘  │
//!   │                 └──cancel──► cancelled ◄───┘cancel          (final; delete allowed)
//!   └──delete (soft)          duplicate: any status → a new draft
//! ```
//!
//! An approval that leaves some customer's approval policy unmet (`crate::policy`) is recorded as a
//! partial approval: the object stays submitted and nobody is notified until the last one needed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ObjectId;
use crate::model::{Modification, ModificationType, Object};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Completed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] = [Self::Draft, Self::Submitted, Self::Approved, Self::Completed, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(raw.trim()))
    }
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Submit,
    Approve,
    Complete,
    Cancel,
    Edit,
    Delete,
    Duplicate,
}

impl Action {
    pub const ALL: [Action; 7] =
        [Self::Submit, Self::Approve, Self::Complete, Self::Cancel, Self::Edit, Self::Delete, Self::Duplicate];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Complete => "complete",
            Self::Cancel => "cancel",
            Self::Edit => "edit",
            Self::Delete => "delete",
            Self::Duplicate => "duplicate",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// Who acts, and what the configuration allows them.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a str,
    /// Config `portal.allow_self_approval`: may the author or submitter approve their own object?
    pub allow_self_approval: bool,
    /// For an approval: does it meet every customer's approval policy (`crate::policy`)? When not,
    /// it is recorded as a partial approval and the object stays submitted.
    pub approval_completes: bool,
}

impl<'a> Actor<'a> {
    /// An actor whose approvals complete (the policy check has not been asked, or was met).
    pub fn new(user: &'a str, allow_self_approval: bool) -> Self {
        Self { user, allow_self_approval, approval_completes: true }
    }
}

/// What a permitted action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Move to `to`, recording `record` in the history.
    To {
        to: Status,
        record: ModificationType,
        /// Write one trigger per customer so the processor notifies them.
        notify: bool,
        /// A scheduled meeting must be cancelled (cancel, or an approved object edited back to submitted).
        cancel_meeting: bool,
    },
    /// Move to `deleted/` (soft delete).
    SoftDelete,
    /// Create a new draft copy with a new id.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a {from} object cannot be changed any more ({action} refused)")]
    Final { from: Status, action: Action },
    #[error("cannot {action} a {from} object", action = .action.as_str())]
    NotAllowed { from: Status, action: Action },
    #[error("you cannot approve an object you created or submitted")]
    SelfApproval,
    /// The stored version is at its maximum: no further version can be recorded.
    #[error("this object has reached its last version number and cannot be changed")]
    VersionExhausted,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The whole status machine. `author` and `submitter` are the object's `createdBy`/`submittedBy`.
pub fn decide(
    from: Status,
    action: Action,
    actor: Actor<'_>,
    author: Option<&str>,
    submitter: Option<&str>,
) -> Result<Transition, TransitionError> {
    use Status::*;
    let to = |to, record, notify, cancel_meeting| Ok(Transition::To { to, record, notify, cancel_meeting });
    match (from, action) {
        (_, Action::Duplicate) => Ok(Transition::Duplicate),
        (Draft | Cancelled, Action::Delete) => Ok(Transition::SoftDelete),
        (Completed | Cancelled, action) => Err(TransitionError::Final { from, action }),
        (Draft, Action::Submit) => to(Submitted, ModificationType::Submitted, true, false),
        (Draft, Action::Edit) => to(Draft, ModificationType::Updated, false, false),
        (Submitted, Action::Approve) => {
            let own = [author, submitter].into_iter().flatten().any(|u| u.eq_ignore_ascii_case(actor.user));
            if own && !actor.allow_self_approval {
                return Err(TransitionError::SelfApproval);
            }
            if actor.approval_completes {
                to(Approved, ModificationType::Approved, true, false)
            } else {
                // Recorded, but a customer's policy still needs more approvers: nobody is told yet.
                to(Submitted, ModificationType::PartiallyApproved, false, false)
            }
        }
        (Submitted, Action::Edit) => to(Submitted, ModificationType::Updated, false, false),
        (Submitted, Action::Cancel) => to(Cancelled, ModificationType::Cancelled, true, false),
        // Editing an approved object sends it back for approval and cancels its meeting.
        (Approved, Action::Edit) => to(Submitted, ModificationType::Updated, true, true),
        (Approved, Action::Complete) => to(Completed, ModificationType::Completed, true, false),
        (Approved, Action::Cancel) => to(Cancelled, ModificationType::Cancelled, true, true),
        (Draft, Action::Approve | Action::Complete | Action::Cancel)
        | (Submitted, Action::Submit | Action::Complete | Action::Delete)
        | (Approved, Action::Submit | Action::Approve | Action::Delete) => {
            Err(TransitionError::NotAllowed { from, action })
        }
    }
}

/// Decides and records a status-changing action on `object`: `prior_status`, `status`, `version + 1`,
/// `modifiedAt/By`, the action's own who/when pair, and one history entry written by the server.
/// Delete and duplicate are decided here but carried out by the caller (they create other keys).
pub fn apply(
    object: &mut Object,
    action: Action,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> Result<Transition, TransitionError> {
    let life = object.life();
    let transition = decide(life.status, action, actor, object.created_by(), life.submitted_by.as_deref())?;
    if let Transition::To { to, record, .. } = transition {
        let next_version = life.version.checked_add(1).ok_or(TransitionError::VersionExhausted)?;
        let life = object.life_mut();
        life.prior_status = Some(life.status);
        life.status = to;
        life.version = next_version;
        life.modified_at = Some(now);
        life.modified_by = Some(actor.user.to_owned());
        let who = Some(actor.user.to_owned());
        let mut comment = None;
        match action {
            Action::Submit => (life.submitted_at, life.submitted_by) = (Some(now), who),
            Action::Approve if to == Status::Approved => (life.approved_at, life.approved_by) = (Some(now), who),
            Action::Complete => (life.completed_at, life.completed_by) = (Some(now), who),
            Action::Cancel => (life.cancelled_at, life.cancelled_by) = (Some(now), who),
            Action::Edit if to == Status::Submitted && life.prior_status == Some(Status::Approved) => {
                // Back to submitted: the earlier approval no longer stands.
                (life.approved_at, life.approved_by) = (None, None);
            }
            _ => {}
        }
        if action == Action::Edit && !life.approvals.is_empty() {
            // People approved what they read, not what it became: every approval starts again.
            comment = Some(format!("{} approval(s) reset by the edit", life.approvals.len()));
            life.approvals.clear();
        }
        let mut entry = Modification::new(record, actor.user, now);
        entry.comment = comment;
        life.modifications.push(entry);
    }
    Ok(transition)
}

/// Stamps a new object: version 1, `created` (and `submitted` when created as submitted) history,
/// created/modified who and when. Used for both create paths of the API.
pub fn stamp_new(object: &mut Object, status: Status, user: &str, now: DateTime<Utc>) {
    object.set_created(user, now);
    let life = object.life_mut();
    *life = crate::model::Lifecycle::new(status);
    life.modified_at = Some(now);
    life.modified_by = Some(user.to_owned());
    life.modifications.push(Modification::new(ModificationType::Created, user, now));
    if status == Status::Submitted {
        life.submitted_at = Some(now);
        life.submitted_by = Some(user.to_owned());
        life.modifications.push(Modification::new(ModificationType::Submitted, user, now));
    }
}

/// Keys of the original's front end that pointed at a meeting; a duplicate must not carry them.
const MEETING_LEFTOVERS: &[&str] = &["meeting_id", "join_url", "meetingId", "joinUrl"];

/// A new draft copy of any object: new id, history reset, meeting and survey data dropped.
pub fn duplicate(source: &Object, new_id: ObjectId, user: &str, now: DateTime<Utc>) -> Object {
    let mut copy = source.clone();
    copy.set_id(new_id);
    stamp_new(&mut copy, Status::Draft, user, now);
    let extra = copy.extra_mut();
    for k in MEETING_LEFTOVERS {
        extra.remove(*k);
    }
    copy
}

#[cfg(test)]
mod tests;
