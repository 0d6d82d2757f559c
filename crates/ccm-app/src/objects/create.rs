//! Creating a change or an announcement: a new draft, or a new submitted object with its triggers.

use ccm_core::ports::PutOptions;
use ccm_core::validation::{self, Strictness};
use ccm_core::workflow::{self, Status};
use ccm_core::{AnnouncementType, Object, ObjectKind, Role};
use serde_json::{Map, Value};

use super::act::{apply_override, override_reason};
use super::{Family, Location, Objects, Saved};
use crate::calendar::conflicts;
use crate::error::{CreateError, field};
use crate::input;
use crate::triggers::write_triggers;

impl Objects<'_> {
    /// `body` is what the client sent; server-owned fields in it are ignored.
    pub async fn create(&self, family: Family, mut body: Map<String, Value>) -> Result<Saved, CreateError> {
        self.caller.require(Role::Author)?;
        let status = match body.get("status") {
            None | Some(Value::Null) => Status::Draft,
            Some(Value::String(s)) if s == "draft" => Status::Draft,
            Some(Value::String(s)) if s == "submitted" => Status::Submitted,
            Some(other) => {
                let message = format!("a new object is \"draft\" or \"submitted\", not {other}");
                return Err(CreateError::Invalid(field("status", message)));
            }
        };
        let kind = match family {
            Family::Changes => ObjectKind::Change,
            Family::Announcements => {
                let raw = body.get("announcement_type").and_then(Value::as_str).unwrap_or_default();
                let t = AnnouncementType::parse(raw).ok_or_else(|| {
                    CreateError::Invalid(field("announcement_type", "one of cic, finops, innersource, general"))
                })?;
                ObjectKind::Announcement(t)
            }
        };
        // A request field, never stored: why a submission goes ahead through a blackout window.
        let reason = match body.remove("overrideReason") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => override_reason(Some(&s)).map_err(CreateError::Invalid)?,
            Some(_) => return Err(CreateError::Invalid(field("overrideReason", "must be text"))),
        };
        input::strip_server_owned(&mut body);
        input::check_shapes(&body).map_err(CreateError::Invalid)?;
        input::resolve_schedule(kind, &mut body, None).map_err(CreateError::Invalid)?;
        let id = self.app.ids.object_id(kind);
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
        let mut object = Object::from_map(body).map_err(|e| CreateError::Invalid(vec![input::shape_error(&e)]))?;
        let now = self.app.clock.now();
        workflow::stamp_new(&mut object, status, self.caller.email(), now);
        object.life_mut().author_groups = self.caller.groups.clone();
        if let Object::Announcement(a) = &mut object {
            a.author.get_or_insert_with(|| self.caller.name.clone());
        }
        self.check_customers_in_scope(&object)?;
        let strictness = if status == Status::Draft { Strictness::Draft } else { Strictness::Submission };
        let errors = validation::validate(&object, &self.app.config, strictness, self.app.clock.now());
        if !errors.is_empty() {
            return Err(CreateError::Invalid(errors));
        }
        let warnings = conflicts::for_object(self.app, self.caller, &object).await?;
        if status == Status::Submitted {
            apply_override(&mut object, "submit", self.caller.email(), now, &warnings, reason.as_deref())?;
        }
        let location = if status == Status::Draft { Location::Draft } else { Location::Archive };
        let etag = self.put(location, &object, PutOptions::create_only()).await?;
        let triggers =
            if status == Status::Draft { Vec::new() } else { write_triggers(&*self.app.store, &object).await };
        self.index(&object).await?;
        tracing::info!(object = %object.id(), status = %status, "created");
        let mut saved = self.saved(object, etag, triggers).await?;
        saved.warnings = warnings;
        Ok(saved)
    }
}
