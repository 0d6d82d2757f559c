//! The workflow of changes and announcements over the ports: load, create, edit, act, delete,
//! duplicate. Writes follow the transient trigger pattern: the object first (with an ETag
//! precondition), then one trigger per affected customer. Only people write the object; the
//! processor writes its results beside it.

mod act;
mod approval;
mod create;
mod delete;
mod duplicate;
mod edit;
mod write;

pub use act::{ActInput, MAX_OVERRIDE_REASON};
pub use approval::ApprovalStatus;

use ccm_core::ports::ETag;
use ccm_core::workflow::{Action, Actor, Status};
use ccm_core::{Object, ObjectId, Role, StorageKey};

use crate::App;
use crate::caller::Caller;
use crate::error::{Conflict, Forbidden, ForbiddenReason, LoadError};
use crate::triggers::TriggerResult;
use crate::view::{self, ObjectView, Results};

/// Where an object lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Archive,
    Draft,
}

impl Location {
    fn key(self, id: &ObjectId) -> StorageKey {
        match self {
            Self::Archive => StorageKey::Archive(id.clone()),
            Self::Draft => StorageKey::Draft(id.clone()),
        }
    }
}

/// An object as read, with the ETag of the stored bytes.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub object: Object,
    pub etag: ETag,
    pub location: Location,
}

impl Loaded {
    /// Does a client's `If-Match` hold? Exactly the stored ETag, or `*`. Only people write the object
    /// (the processor writes its results beside it), so any other tag means someone else acted.
    pub fn matches(&self, tag: &ETag) -> bool {
        tag.as_str() == "\"*\"" || *tag == self.etag
    }

    /// A draft whose submission began (its draft copy already says "submitted") but whose move to
    /// the archive has not finished: nobody may edit it until the move completes.
    fn is_mid_submission(&self) -> bool {
        self.location == Location::Draft && self.object.life().status != Status::Draft
    }
}

/// The outcome of a write: the object as stored, as the caller sees it, its new ETag, and each
/// trigger's result.
#[derive(Debug, Clone)]
pub struct Saved {
    pub object: Object,
    pub view: ObjectView,
    pub etag: ETag,
    pub triggers: Vec<TriggerResult>,
    /// Conflicts found on the way (overlapping windows, blackout windows): the write happened.
    pub warnings: Vec<ccm_core::calendar::Warning>,
}

/// The two families of objects: changes and announcements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Changes,
    Announcements,
}

impl Family {
    /// The family's id, or `None` when `raw` is an id of the other family (then: not found).
    pub fn owns(self, id: &ObjectId) -> bool {
        match self {
            Self::Changes => id.kind().is_change(),
            Self::Announcements => !id.kind().is_change(),
        }
    }
    pub fn noun(self) -> &'static str {
        match self {
            Self::Changes => "change",
            Self::Announcements => "announcement",
        }
    }
}

/// The use cases on objects, for one caller.
pub struct Objects<'a> {
    pub app: &'a App,
    pub caller: &'a Caller,
}

impl<'a> Objects<'a> {
    pub fn new(app: &'a App, caller: &'a Caller) -> Self {
        Self { app, caller }
    }

    pub(crate) fn actor(&self) -> Actor<'_> {
        Actor::new(self.caller.email(), self.app.config.portal.allow_self_approval)
    }

    fn noun(id: &ObjectId) -> &'static str {
        if id.kind().is_change() { "change" } else { "announcement" }
    }

    /// The object as this caller may see it: archived objects in their scope, drafts they own.
    /// Anything else is "not found", so ids of other customers' objects do not leak. A submission
    /// interrupted between its writes is finished here, whoever looks first.
    pub async fn load(&self, id: &ObjectId) -> Result<Loaded, LoadError> {
        let loaded = self.read(id).await?.ok_or(LoadError::NotFound(Self::noun(id)))?;
        if loaded.is_mid_submission() {
            if let Err(e) = self.finish_submission(&loaded).await {
                tracing::warn!(object = %id, error = %e, "finishing an interrupted submission failed");
            }
            return self.read(id).await?.ok_or(LoadError::NotFound(Self::noun(id)));
        }
        Ok(loaded)
    }

    async fn read(&self, id: &ObjectId) -> Result<Option<Loaded>, LoadError> {
        let store = &*self.app.store;
        for location in [Location::Archive, Location::Draft] {
            if let Some(doc) = store.get(&location.key(id)).await? {
                let object = Object::from_json(&doc.body).map_err(|e| LoadError::Corrupt(id.clone(), e.to_string()))?;
                let visible = match location {
                    Location::Archive => self.caller.in_scope(object.customers()),
                    Location::Draft => object.created_by().is_some_and(|o| self.caller.id.is(o)),
                };
                if !visible {
                    return Ok(None);
                }
                return Ok(Some(Loaded { object, etag: doc.meta.etag, location }));
            }
        }
        Ok(None)
    }

    /// The view of `object` for this caller: its results merged in, other customers cut out.
    pub async fn view(&self, object: &Object) -> Result<ObjectView, LoadError> {
        let results = Results::load(&*self.app.store, object.id()).await?;
        Ok(view::object_view(object, &results, self.caller))
    }

    fn check_customers_in_scope(&self, object: &Object) -> Result<(), Forbidden> {
        match object.customers().iter().find(|c| !self.caller.may_use_customer(c)) {
            Some(c) => Err(Forbidden {
                reason: ForbiddenReason::CustomerScope,
                message: format!("you may not act for customer {c}"),
                field: Some("customers".into()),
            }),
            None => Ok(()),
        }
    }

    pub(crate) fn require_owner(&self, object: &Object) -> Result<(), Forbidden> {
        let owns = [object.created_by(), object.life().submitted_by.as_deref()]
            .into_iter()
            .flatten()
            .any(|o| self.caller.id.is(o));
        if self.caller.is_admin() || owns {
            Ok(())
        } else {
            Err(Forbidden::not_owner("only the author (or an admin) may do this"))
        }
    }

    /// Who may take which action, beyond what the status machine says.
    fn authorize(&self, action: Action, object: &Object) -> Result<(), Forbidden> {
        match action {
            Action::Submit | Action::Edit | Action::Delete => {
                self.caller.require(Role::Author)?;
                self.require_owner(object)
            }
            // Approval policies decide which customers an approval counts for (`policy`), so an
            // approver may approve for the customers they act for; the others need someone else.
            Action::Approve => self.caller.require(Role::Approver),
            Action::Complete | Action::Cancel => {
                if self.caller.has(Role::Approver) {
                    return Ok(());
                }
                self.caller.require(Role::Author)?;
                self.require_owner(object)
            }
            Action::Duplicate => self.caller.require(Role::Author),
        }
    }

    /// 409 with the object as it is now (as this caller may see it), naming who changed it.
    async fn conflict(&self, current: &Loaded) -> Conflict {
        let by = current.object.life().modified_by.clone().unwrap_or_else(|| "someone else".into());
        let view = match self.view(&current.object).await {
            Ok(v) => v,
            Err(_) => view::scoped_view(&current.object, self.caller),
        };
        Conflict {
            message: format!(
                "{by} changed this object (now version {}); reload it and try again",
                current.object.life().version
            ),
            current: Some(Box::new((view, current.etag.clone()))),
        }
    }

    /// The conflict after a lost conditional write: the object as it is now, if it can be read.
    async fn conflict_now(&self, id: &ObjectId) -> Conflict {
        match self.load(id).await {
            Ok(current) => self.conflict(&current).await,
            Err(_) => Conflict::bare(),
        }
    }
}
