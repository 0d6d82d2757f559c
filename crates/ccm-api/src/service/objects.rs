//! Load, create, edit, act on, delete and duplicate objects.

use bytes::Bytes;
use ccm_core::ports::{ETag, IndexEntry, PutOptions, StoreError};
use ccm_core::workflow::{self, Action, Actor, Status, Transition};
use ccm_core::{CustomerCode, Object, ObjectId, ObjectKind, Role, StorageKey};
use serde_json::{Map, Value};

use super::triggers::{TriggerResult, write_triggers};
use super::view::{self, Results};
use crate::auth::User;
use crate::error::{ApiError, ApiResult};
use crate::input::{self, Strictness};
use crate::state::AppState;

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

/// The outcome of a write: the object as stored, as the user sees it, its new ETag, and each
/// trigger's result.
#[derive(Debug, Clone)]
pub struct Saved {
    pub object: Object,
    pub view: Value,
    pub etag: ETag,
    pub triggers: Vec<TriggerResult>,
}

/// How often an action without `If-Match` is decided again when another person's write landed
/// between our read and our conditional write.
const CONFLICT_RETRIES: usize = 3;

pub struct ObjectService<'a> {
    pub state: &'a AppState,
    pub user: &'a User,
}

impl<'a> ObjectService<'a> {
    pub fn new(state: &'a AppState, user: &'a User) -> Self {
        Self { state, user }
    }

    fn actor(&self) -> Actor<'_> {
        Actor { user: self.user.email(), allow_self_approval: self.state.config.portal.allow_self_approval }
    }

    fn not_found(id: &ObjectId) -> ApiError {
        ApiError::not_found(if id.kind().is_change() { "change" } else { "announcement" })
    }

    /// The object as this user may see it: archived objects in their scope, drafts they own.
    /// Anything else is "not found", so ids of other customers' objects do not leak. A submission
    /// interrupted between its two writes is finished here, whoever looks first.
    pub async fn load(&self, id: &ObjectId) -> ApiResult<Loaded> {
        let loaded = self.read(id).await?.ok_or_else(|| Self::not_found(id))?;
        if loaded.is_mid_submission() {
            self.finish_submission(&loaded).await?;
            return self.read(id).await?.ok_or_else(|| Self::not_found(id));
        }
        Ok(loaded)
    }

    async fn read(&self, id: &ObjectId) -> ApiResult<Option<Loaded>> {
        let store = &*self.state.store;
        for location in [Location::Archive, Location::Draft] {
            if let Some(doc) = store.get(&location.key(id)).await? {
                let object = Object::from_json(&doc.body)
                    .map_err(|e| ApiError::Internal(format!("stored object {id} does not parse: {e}")))?;
                let visible = match location {
                    Location::Archive => self.user.in_scope(object.customers()),
                    Location::Draft => object.created_by().is_some_and(|o| o.eq_ignore_ascii_case(self.user.email())),
                };
                if !visible {
                    return Ok(None);
                }
                return Ok(Some(Loaded { object, etag: doc.meta.etag, location }));
            }
        }
        Ok(None)
    }

    /// The view of `object` for this user: its results merged in, other customers cut out.
    pub async fn view(&self, object: &Object) -> ApiResult<Value> {
        let results = Results::load(&*self.state.store, object.id()).await?;
        Ok(view::object_view(object, &results, self.user))
    }

    fn check_customers_in_scope(&self, object: &Object) -> ApiResult<()> {
        if let Some(c) = object.customers().iter().find(|c| !self.user.may_use_customer(c)) {
            return Err(ApiError::Forbidden {
                code: "forbidden",
                message: format!("you may not act for customer {c}"),
                field: Some("customers".into()),
            });
        }
        Ok(())
    }

    fn validate(&self, object: &Object, strictness: Strictness) -> ApiResult<()> {
        let errors = input::validate(object, &self.state.config, strictness, self.state.clock.now());
        if errors.is_empty() { Ok(()) } else { Err(errors.into()) }
    }

    /// `POST /api/changes|announcements`: a new draft or a new submitted object.
    pub async fn create(&self, kind_family: Family, mut body: Map<String, Value>) -> ApiResult<Saved> {
        self.user.require(Role::Author)?;
        let status = match body.get("status") {
            None | Some(Value::Null) => Status::Draft,
            Some(Value::String(s)) if s == "draft" => Status::Draft,
            Some(Value::String(s)) if s == "submitted" => Status::Submitted,
            Some(other) => {
                return Err(ApiError::field(
                    "status",
                    format!("a new object is \"draft\" or \"submitted\", not {other}"),
                ));
            }
        };
        let kind = match kind_family {
            Family::Changes => ObjectKind::Change,
            Family::Announcements => {
                let raw = body.get("announcement_type").and_then(Value::as_str).unwrap_or_default();
                let t = ccm_core::AnnouncementType::parse(raw)
                    .ok_or_else(|| ApiError::field("announcement_type", "one of cic, finops, innersource, general"))?;
                ObjectKind::Announcement(t)
            }
        };
        input::strip_server_owned(&mut body);
        input::check_shapes(&body)?;
        input::resolve_schedule(kind, &mut body, None)?;
        let id = self.state.ids.object_id(kind);
        match kind {
            ObjectKind::Change => {
                body.insert("object_type".into(), "change".into());
                body.insert("changeId".into(), id.as_str().into());
            }
            ObjectKind::Announcement(t) => {
                body.insert("object_type".into(), t.object_type().into());
                body.insert("announcement_id".into(), id.as_str().into());
                body.insert("announcement_type".into(), t.as_str().into());
            }
        }
        body.insert("status".into(), status.as_str().into());
        let mut object = Object::from_map(body).map_err(|e| ApiError::from(vec![input::shape_error(&e)]))?;
        let now = self.state.clock.now();
        workflow::stamp_new(&mut object, status, self.user.email(), now);
        if let Object::Announcement(a) = &mut object {
            a.author.get_or_insert_with(|| self.user.info().name.clone());
        }
        self.check_customers_in_scope(&object)?;
        self.validate(&object, if status == Status::Draft { Strictness::Draft } else { Strictness::Submission })?;
        let location = if status == Status::Draft { Location::Draft } else { Location::Archive };
        let etag = self.put(location, &object, PutOptions::create_only()).await?;
        let triggers =
            if status == Status::Draft { Vec::new() } else { write_triggers(&*self.state.store, &object).await };
        self.index(&object).await?;
        tracing::info!(object = %object.id(), status = %status, "created");
        self.saved(object, etag, triggers).await
    }

    /// `PUT`: replace the editable fields; needs the ETag the client read.
    pub async fn update(
        &self,
        id: &ObjectId,
        if_match: Option<ETag>,
        mut body: Map<String, Value>,
    ) -> ApiResult<Saved> {
        self.user.require(Role::Author)?;
        let if_match = if_match.ok_or(ApiError::PreconditionRequired)?;
        let current = self.load(id).await?;
        self.require_owner(&current.object)?;
        if !current.matches(&if_match) {
            return Err(self.conflict(&current).await);
        }
        input::strip_server_owned(&mut body);
        // The type of an announcement fixes its id prefix: it cannot change on edit.
        body.remove("announcement_type");
        input::check_shapes(&body)?;
        input::resolve_schedule(id.kind(), &mut body, current.object.timezone())?;
        let Value::Object(mut merged) = current.object.to_value() else {
            return Err(ApiError::Internal("object did not serialize to a map".into()));
        };
        for (k, v) in body {
            merged.insert(k, v);
        }
        let mut object = Object::from_map(merged).map_err(|e| ApiError::from(vec![input::shape_error(&e)]))?;
        self.keep_customers_out_of_scope(&current.object, &mut object);
        let transition = workflow::apply(&mut object, Action::Edit, self.actor(), self.state.clock.now())?;
        self.check_customers_in_scope(&object)?;
        let strictness = if object.life().status == Status::Draft { Strictness::Draft } else { Strictness::Submission };
        self.validate(&object, strictness)?;
        let etag = match self.save_edit(&current, &object).await {
            Err(ApiError::Conflict { .. }) => return Err(self.conflict(&self.load(id).await?).await),
            other => other?,
        };
        let triggers = match transition {
            Transition::To { notify: true, .. } => write_triggers(&*self.state.store, &object).await,
            _ => Vec::new(),
        };
        self.saved(object, etag, triggers).await
    }

    /// A customer-scoped user sees (and sends back) only their customers: the others stay listed.
    fn keep_customers_out_of_scope(&self, stored: &Object, edited: &mut Object) {
        let Some(scope) = self.user.scope() else { return };
        let hidden: Vec<CustomerCode> = stored.customers().iter().filter(|c| !scope.contains(c)).cloned().collect();
        let list = match edited {
            Object::Change(c) => &mut c.customers,
            Object::Announcement(a) => &mut a.customers,
        };
        for c in hidden {
            if !list.contains(&c) {
                list.push(c);
            }
        }
    }

    /// 409 with the object as it is now (as this user may see it).
    async fn conflict(&self, current: &Loaded) -> ApiError {
        let by = current.object.life().modified_by.clone().unwrap_or_else(|| "someone else".into());
        let object = match self.view(&current.object).await {
            Ok(v) => v,
            Err(_) => view::scoped_value(&current.object, self.user),
        };
        ApiError::Conflict {
            message: format!(
                "{by} changed this object (now version {}); reload it and try again",
                current.object.life().version
            ),
            current: Some(Box::new(serde_json::json!({"object": object, "etag": current.etag.as_str()}))),
        }
    }

    fn require_owner(&self, object: &Object) -> ApiResult<()> {
        if self.user.is_admin() || object.is_owned_by(self.user.email()) {
            Ok(())
        } else {
            Err(ApiError::forbidden("only the author (or an admin) may do this"))
        }
    }

    /// Who may take which action, beyond what the status machine says.
    fn authorize(&self, action: Action, object: &Object) -> ApiResult<()> {
        match action {
            Action::Submit | Action::Edit | Action::Delete => {
                self.user.require(Role::Author)?;
                self.require_owner(object)
            }
            Action::Approve => self.user.require(Role::Approver),
            Action::Complete | Action::Cancel => {
                if self.user.has(Role::Approver) {
                    return Ok(());
                }
                self.user.require(Role::Author)?;
                self.require_owner(object)
            }
            Action::Duplicate => self.user.require(Role::Author),
        }
    }

    /// `POST /{id}/submit|approve|complete|cancel`.
    pub async fn act(&self, id: &ObjectId, action: Action, if_match: Option<ETag>) -> ApiResult<Saved> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let current = self.load(id).await?;
            if let Some(want) = &if_match
                && !current.matches(want)
            {
                return Err(self.conflict(&current).await);
            }
            self.authorize(action, &current.object)?;
            self.check_customers_in_scope(&current.object)?;
            let mut object = current.object.clone();
            let transition = workflow::apply(&mut object, action, self.actor(), self.state.clock.now())?;
            if action == Action::Submit {
                self.validate(&object, Strictness::Submission)?;
            }
            match self.commit(&current, &object).await {
                Ok(etag) => {
                    let triggers = match transition {
                        Transition::To { notify: true, .. } => write_triggers(&*self.state.store, &object).await,
                        _ => Vec::new(),
                    };
                    self.index(&object).await?;
                    tracing::info!(object = %id, action = action.as_str(), status = %object.life().status, "action applied");
                    return self.saved(object, etag, triggers).await;
                }
                // Another person's write won: decide again on the fresh object, unless the client pinned an ETag.
                Err(ApiError::Conflict { .. }) if if_match.is_none() && attempt < CONFLICT_RETRIES => continue,
                Err(ApiError::Conflict { .. }) => return Err(self.conflict(&self.load(id).await?).await),
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes an acted-on object. An archived object is snapshotted, then replaced with If-Match. A
    /// submitted draft moves to the archive in three conditional steps, so that exactly one of a
    /// submission and a concurrent edit wins: (1) the draft is overwritten with the submitted object
    /// with If-Match on what was read (an edit that landed first makes this fail: 409); (2) the archive
    /// is created (create-only); (3) the draft goes to `deleted/drafts/` and is deleted with If-Match
    /// on step 1's ETag. A crash between the steps leaves a draft that says "submitted", which
    /// [`Self::load`] finishes moving and nobody may edit meanwhile.
    async fn commit(&self, current: &Loaded, object: &Object) -> ApiResult<ETag> {
        self.snapshot(&current.object).await?;
        match current.location {
            Location::Draft => {
                let claim = self.put(Location::Draft, object, PutOptions::if_match(current.etag.clone())).await?;
                let claimed = Loaded { object: object.clone(), etag: claim, location: Location::Draft };
                self.finish_submission(&claimed).await
            }
            Location::Archive => self.put(Location::Archive, object, PutOptions::if_match(current.etag.clone())).await,
        }
    }

    /// Steps 2 and 3 of a submission (see [`Self::commit`]); returns the archive's ETag.
    async fn finish_submission(&self, claimed: &Loaded) -> ApiResult<ETag> {
        let object = &claimed.object;
        let etag = match self.put(Location::Archive, object, PutOptions::create_only()).await {
            Ok(etag) => etag,
            // Finished by someone else (a concurrent load of the half-moved draft): take theirs.
            Err(ApiError::Conflict { .. }) => {
                self.state.store.head(&StorageKey::Archive(object.id().clone())).await?.map(|m| m.etag).ok_or_else(
                    || ApiError::Internal(format!("the archive of {} vanished mid-submission", object.id())),
                )?
            }
            Err(e) => return Err(e),
        };
        match self.move_to_deleted(object, Location::Draft, &claimed.etag, "submitted").await {
            Ok(_) => {}
            // Only a finisher deletes a claimed draft: if it is gone, another finisher got there first.
            Err(ApiError::Conflict { .. })
                if self.state.store.head(&StorageKey::Draft(object.id().clone())).await?.is_none() => {}
            Err(e) => return Err(e),
        }
        self.index(object).await?;
        Ok(etag)
    }

    /// `DELETE`: a draft or cancelled object moves to `deleted/`, unless it changed since it was read.
    pub async fn delete(&self, id: &ObjectId, if_match: Option<ETag>) -> ApiResult<String> {
        let current = self.load(id).await?;
        if let Some(want) = &if_match
            && !current.matches(want)
        {
            return Err(self.conflict(&current).await);
        }
        self.authorize(Action::Delete, &current.object)?;
        let life = current.object.life();
        workflow::decide(life.status, Action::Delete, self.actor(), current.object.created_by(), None)?;
        let path = match self.move_to_deleted(&current.object, current.location, &current.etag, "deleted").await {
            Err(ApiError::Conflict { .. }) => return Err(self.conflict(&self.load(id).await?).await),
            other => other?,
        };
        if current.location == Location::Archive {
            for customer in current.object.customers() {
                self.state.store.delete(&StorageKey::Trigger(customer.clone(), id.clone())).await?;
            }
        }
        self.state.index.remove(id).await?;
        tracing::info!(object = %id, "deleted (soft)");
        Ok(path)
    }

    /// Copies the object to `deleted/`, then deletes it from `from` only if it is still the bytes
    /// with `etag` (409 otherwise: someone wrote it after it was read, and their write stays).
    async fn move_to_deleted(&self, object: &Object, from: Location, etag: &ETag, reason: &str) -> ApiResult<String> {
        let id = object.id();
        let (source, dest) = match from {
            Location::Draft => (StorageKey::Draft(id.clone()), StorageKey::DeletedDraft(id.clone())),
            Location::Archive => (StorageKey::Archive(id.clone()), StorageKey::DeletedArchive(id.clone())),
        };
        let mut copy = object.clone();
        let now = self.state.clock.now();
        let extra = copy.extra_mut();
        extra.insert("deletedAt".into(), ccm_core::schedule::to_rfc3339_utc(now).into());
        extra.insert("deletedBy".into(), self.user.email().into());
        extra.insert("originalPath".into(), source.to_string().into());
        extra.insert("deletionReason".into(), reason.into());
        let options = PutOptions::default()
            .with_metadata("deleted-by", self.user.email())
            .with_metadata("deletion-reason", reason)
            .with_metadata("original-path", source.to_string());
        self.state.store.put(&dest, Bytes::from(copy.to_json()), options).await?;
        match self.state.store.delete_if_match(&source, etag).await {
            Ok(()) => Ok(dest.to_string()),
            Err(StoreError::PreconditionFailed { .. }) => Err(ApiError::Conflict {
                message: "the object was modified by someone else; reload it and try again".into(),
                current: None,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// `POST /{id}/duplicate`: a new draft copy owned by the caller.
    pub async fn duplicate(&self, id: &ObjectId) -> ApiResult<Saved> {
        let current = self.load(id).await?;
        self.authorize(Action::Duplicate, &current.object)?;
        let new_id = self.state.ids.object_id(id.kind());
        let mut copy = workflow::duplicate(&current.object, new_id, self.user.email(), self.state.clock.now());
        // The copy is the caller's: only customers they may act for, and their name as author.
        match &mut copy {
            Object::Change(c) => c.customers.retain(|c| self.user.may_use_customer(c)),
            Object::Announcement(a) => {
                a.customers.retain(|c| self.user.may_use_customer(c));
                a.author = Some(self.user.info().name.clone());
            }
        }
        let etag = self.put(Location::Draft, &copy, PutOptions::create_only()).await?;
        self.index(&copy).await?;
        self.saved(copy, etag, Vec::new()).await
    }

    /// Writes an edited object in place (snapshot of the old one, If-Match on the new one) and indexes
    /// it; returns the stored ETag. A draft that is being submitted is not editable.
    pub(crate) async fn save_edit(&self, current: &Loaded, object: &Object) -> ApiResult<ETag> {
        if current.is_mid_submission() {
            return Err(ApiError::Conflict { message: "the draft is being submitted".into(), current: None });
        }
        self.snapshot(&current.object).await?;
        let etag = self.put(current.location, object, PutOptions::if_match(current.etag.clone())).await?;
        self.index(object).await?;
        Ok(etag)
    }

    pub(crate) async fn saved(&self, object: Object, etag: ETag, triggers: Vec<TriggerResult>) -> ApiResult<Saved> {
        let view = self.view(&object).await?;
        Ok(Saved { object, view, etag, triggers })
    }

    async fn snapshot(&self, object: &Object) -> ApiResult<()> {
        let key = StorageKey::Version(object.id().clone(), object.life().version);
        let options = PutOptions::default().with_metadata("version", object.life().version.to_string());
        match self.state.store.put(&key, Bytes::from(object.to_json()), options).await {
            Ok(_) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn put(&self, location: Location, object: &Object, options: PutOptions) -> ApiResult<ETag> {
        let key = location.key(object.id());
        let life = object.life();
        let options = options
            .with_metadata("status", life.status.as_str())
            .with_metadata("version", life.version.to_string())
            .with_metadata("modified-by", life.modified_by.clone().unwrap_or_default());
        match self.state.store.put(&key, Bytes::from(object.to_json()), options).await {
            Ok(etag) => Ok(etag),
            Err(StoreError::PreconditionFailed { .. }) => Err(ApiError::Conflict {
                message: "the object was modified by someone else; reload it and try again".into(),
                current: None,
            }),
            Err(e) => Err(e.into()),
        }
    }

    async fn index(&self, object: &Object) -> ApiResult<()> {
        self.state.index.upsert(IndexEntry::from_object(object)).await?;
        Ok(())
    }
}

/// The two route families: `/api/changes` and `/api/announcements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Changes,
    Announcements,
}

impl Family {
    pub fn parse_id(self, raw: &str) -> ApiResult<ObjectId> {
        let id = ObjectId::parse(raw).map_err(|e| ApiError::field("id", e.to_string()))?;
        let matches = match self {
            Self::Changes => id.kind().is_change(),
            Self::Announcements => !id.kind().is_change(),
        };
        if matches { Ok(id) } else { Err(ApiError::not_found(self.noun())) }
    }
    pub fn noun(self) -> &'static str {
        match self {
            Self::Changes => "change",
            Self::Announcements => "announcement",
        }
    }
}
