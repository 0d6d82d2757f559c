//! Why a use case did not do what was asked: one enum per use case (create, edit, act, delete,
//! duplicate, load, attachments, saved searches), each saying only what can happen there. The user's
//! mistakes (invalid fields, missing rights, conflicts) are variants of their own; failures of the
//! ports are carried as the ports' errors. The HTTP layer maps each enum to a status once.

use ccm_core::ObjectId;
use ccm_core::Role;
use ccm_core::calendar::Warning;
use ccm_core::config::FieldError;
use ccm_core::policy::ApprovalRefused;
use ccm_core::ports::{ETag, IndexError, StoreError};
use ccm_core::workflow::TransitionError;

use crate::view::ObjectView;

/// Signed in, but not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Forbidden {
    pub reason: ForbiddenReason,
    pub message: String,
    /// The field that would have to change (e.g. `customers`).
    pub field: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForbiddenReason {
    Role,
    NotOwner,
    CustomerScope,
    SelfApproval,
    /// The approval policy does not count this approver (group, team) or they already approved.
    ApprovalPolicy,
}

impl Forbidden {
    pub fn role(role: Role) -> Self {
        Self { reason: ForbiddenReason::Role, message: format!("this needs the {} role", role.as_str()), field: None }
    }
    pub fn not_owner(message: impl Into<String>) -> Self {
        Self { reason: ForbiddenReason::NotOwner, message: message.into(), field: None }
    }
}

/// Someone else changed the object first.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Conflict {
    pub message: String,
    /// The object as it is now (as the caller may see it), to reload or compare.
    pub current: Option<Box<(ObjectView, ETag)>>,
}

impl Conflict {
    pub(crate) fn bare() -> Self {
        Self { message: "the object was modified by someone else; reload it and try again".into(), current: None }
    }
}

/// Reading an object (and the reads built on it: versions, downloads).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Missing, or not visible to the caller (the two are not told apart).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored object {0} does not parse: {1}")]
    Corrupt(ObjectId, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A submission or approval through a blackout window without `overrideReason`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the implementation window falls in a blackout window; give an overrideReason to go ahead anyway")]
pub struct OverrideRequired {
    /// The blackout warnings (and any other conflicts found at the same time).
    pub warnings: Vec<Warning>,
}

/// Creating a change or an announcement.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("{}", first(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    OverrideRequired(#[from] OverrideRequired),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Editing (`PUT`) an object.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{}", first(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// An edit must say which version it edits (`If-Match`).
    #[error("an If-Match header with the object's ETag is required")]
    PreconditionRequired,
    #[error(transparent)]
    Refused(#[from] TransitionError),
    #[error("stored object {0} does not parse: {1}")]
    Corrupt(ObjectId, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Submitting, approving, completing or cancelling.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("{}", first(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    OverrideRequired(#[from] OverrideRequired),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Conflict(#[from] Conflict),
    #[error(transparent)]
    Refused(#[from] TransitionError),
    #[error("stored object {0} does not parse: {1}")]
    Corrupt(ObjectId, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Deleting (soft) a draft or a cancelled object.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Conflict(#[from] Conflict),
    #[error(transparent)]
    Refused(#[from] TransitionError),
    #[error("stored object {0} does not parse: {1}")]
    Corrupt(ObjectId, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Duplicating an object into a new draft.
#[derive(Debug, thiserror::Error)]
pub enum DuplicateError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("stored object {0} does not parse: {1}")]
    Corrupt(ObjectId, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Starting, uploading, confirming or removing an attachment.
#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("{}", first(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Conflict(#[from] Conflict),
    /// Attachments change only while the announcement is a draft or submitted.
    #[error("{0}")]
    NotNow(String),
    #[error(transparent)]
    Refused(#[from] TransitionError),
    #[error("{0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl From<ApprovalRefused> for Forbidden {
    fn from(e: ApprovalRefused) -> Self {
        Self { reason: ForbiddenReason::ApprovalPolicy, message: e.to_string(), field: None }
    }
}

/// Reading, creating, editing or deleting a blackout window.
#[derive(Debug, thiserror::Error)]
pub enum BlackoutError {
    #[error("{}", first(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("blackout window not found")]
    NotFound,
    /// Someone else changed it first: the current blackout and its ETag.
    #[error("{message}")]
    Conflict { message: String, current: Option<Box<(ccm_core::blackout::Blackout, ETag)>> },
    #[error("an If-Match header with the blackout's ETag is required")]
    PreconditionRequired,
    #[error("{0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for BlackoutError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::PreconditionFailed { .. } => Self::Conflict {
                message: "the blackout window was changed by someone else; reload it".into(),
                current: None,
            },
            other => Self::Store(other),
        }
    }
}

/// Reading the calendar, its feeds, or an object's approval status and conflicts.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("{}", first(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A feed URL that was revoked, forged or names nothing (not told apart).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl From<LoadError> for CalendarError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::NotFound(what) => Self::NotFound(what),
            LoadError::Corrupt(id, why) => Self::Corrupt(format!("stored object {id} does not parse: {why}")),
            LoadError::Store(e) => Self::Store(e),
        }
    }
}

/// Reading or replacing a user's saved searches.
#[derive(Debug, thiserror::Error)]
pub enum SavedSearchError {
    #[error("{}", first(.0))]
    Invalid(Vec<FieldError>),
    #[error("saved searches do not parse: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn first(errors: &[FieldError]) -> &str {
    errors.first().map(|e| e.message.as_str()).unwrap_or("invalid request")
}

pub(crate) fn field(name: &str, message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError::new(name, message)]
}

/// The failures a step shared by several use cases can have (loading, the conditional writes).
#[derive(Debug, thiserror::Error)]
pub(crate) enum StepError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Conflict(#[from] Conflict),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl From<StoreError> for StepError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::PreconditionFailed { .. } => Self::Conflict(Conflict::bare()),
            other => Self::Store(other),
        }
    }
}

/// `From<LoadError>` and `From<StepError>` for a use case's enum: each shared failure becomes the
/// variant of the same meaning. `conflict` says what a lost conditional write becomes there.
macro_rules! from_shared {
    ($error:ident, corrupt: |$id:ident, $why:ident| $corrupt:expr, conflict: |$c:ident| $conflict:expr) => {
        impl From<LoadError> for $error {
            fn from(e: LoadError) -> Self {
                match e {
                    LoadError::NotFound(what) => Self::NotFound(what),
                    LoadError::Corrupt($id, $why) => $corrupt,
                    LoadError::Store(e) => Self::Store(e),
                }
            }
        }
        impl From<StepError> for $error {
            fn from(e: StepError) -> Self {
                match e {
                    StepError::Load(e) => e.into(),
                    StepError::Conflict($c) => $conflict,
                    StepError::Store(e) => Self::Store(e),
                    StepError::Index(e) => Self::Index(e),
                }
            }
        }
    };
}

from_shared!(EditError, corrupt: |id, why| Self::Corrupt(id, why), conflict: |c| Self::Conflict(c));
from_shared!(ActError, corrupt: |id, why| Self::Corrupt(id, why), conflict: |c| Self::Conflict(c));
from_shared!(DeleteError, corrupt: |id, why| Self::Corrupt(id, why), conflict: |c| Self::Conflict(c));
from_shared!(AttachmentError, corrupt: |id, why| Self::Corrupt(format!("stored object {id} does not parse: {why}")), conflict: |c| Self::Conflict(c));
// A duplicate is written create-only under a fresh id: losing that race means the id generator
// repeated itself, which is a store-level surprise, not the user's conflict.
from_shared!(DuplicateError, corrupt: |id, why| Self::Corrupt(id, why), conflict: |c| Self::Store(StoreError::Other(c.message)));

impl From<LoadError> for CreateError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Store(e) => Self::Store(e),
            other => Self::Store(StoreError::Other(other.to_string())),
        }
    }
}

impl From<StepError> for CreateError {
    fn from(e: StepError) -> Self {
        match e {
            StepError::Conflict(c) => Self::Store(StoreError::Other(c.message)),
            StepError::Load(LoadError::Store(e)) | StepError::Store(e) => Self::Store(e),
            StepError::Load(other) => Self::Store(StoreError::Other(other.to_string())),
            StepError::Index(e) => Self::Index(e),
        }
    }
}

/// Reading what a conflict check needs (other windows from the index, blackouts from the store).
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("{0}")]
    Corrupt(String),
}

macro_rules! from_lookup {
    ($error:ident, corrupt: |$why:ident| $corrupt:expr) => {
        impl From<LookupError> for $error {
            fn from(e: LookupError) -> Self {
                match e {
                    LookupError::Store(e) => Self::Store(e),
                    LookupError::Index(e) => Self::Index(e),
                    LookupError::Corrupt($why) => $corrupt,
                }
            }
        }
    };
}

from_lookup!(ActError, corrupt: |why| Self::Store(StoreError::Other(why)));
from_lookup!(EditError, corrupt: |why| Self::Store(StoreError::Other(why)));
from_lookup!(CreateError, corrupt: |why| Self::Store(StoreError::Other(why)));
from_lookup!(CalendarError, corrupt: |why| Self::Corrupt(why));
