//! Editing an object (`PUT`): the editable fields are replaced on top of what was read; the write is
//! conditional on the ETag the client read. Editing an approved object sends it back for approval.

use ccm_core::ports::ETag;
use ccm_core::validation::{self, Strictness};
use ccm_core::workflow::{self, Action, Status, Transition};
use ccm_core::{CustomerCode, Object, ObjectId, Role};
use serde_json::{Map, Value};

use super::{Objects, Saved};
use crate::calendar::conflicts;
use crate::error::{EditError, StepError};
use crate::input;
use crate::triggers::write_triggers;

impl Objects<'_> {
    pub async fn update(
        &self,
        id: &ObjectId,
        if_match: Option<ETag>,
        mut body: Map<String, Value>,
    ) -> Result<Saved, EditError> {
        self.caller.require(Role::Author)?;
        let if_match = if_match.ok_or(EditError::PreconditionRequired)?;
        let current = self.load(id).await?;
        self.require_owner(&current.object)?;
        if !current.matches(&if_match) {
            return Err(self.conflict(&current).await.into());
        }
        input::strip_server_owned(&mut body);
        // An edit needs no override (it warns); a submission or approval asks for one.
        body.remove("overrideReason");
        // The type of an announcement fixes its id prefix: it cannot change on edit.
        body.remove("announcement_type");
        input::check_shapes(&body).map_err(EditError::Invalid)?;
        input::resolve_schedule(id.kind(), &mut body, current.object.timezone()).map_err(EditError::Invalid)?;
        let Value::Object(mut merged) = current.object.to_value() else {
            return Err(EditError::Corrupt(id.clone(), "the object did not serialize to a map".into()));
        };
        for (k, v) in body {
            merged.insert(k, v);
        }
        let mut object = Object::from_map(merged).map_err(|e| EditError::Invalid(vec![input::shape_error(&e)]))?;
        self.keep_customers_out_of_scope(&current.object, &mut object);
        let transition = workflow::apply(&mut object, Action::Edit, self.actor(), self.app.clock.now())?;
        self.check_customers_in_scope(&object)?;
        let strictness = if object.life().status == Status::Draft { Strictness::Draft } else { Strictness::Submission };
        let errors = validation::validate(&object, &self.app.config, strictness, self.app.clock.now());
        if !errors.is_empty() {
            return Err(EditError::Invalid(errors));
        }
        let warnings = conflicts::for_object(self.app, self.caller, &object).await?;
        let etag = match self.save_edit(&current, &object).await {
            Err(StepError::Conflict(_)) => return Err(self.conflict_now(id).await.into()),
            other => other?,
        };
        let triggers = match transition {
            Transition::To { notify: true, .. } => write_triggers(&*self.app.store, &object).await,
            _ => Vec::new(),
        };
        let mut saved = self.saved(object, etag, triggers).await?;
        saved.warnings = warnings;
        Ok(saved)
    }

    /// A customer-scoped user sees (and sends back) only their customers: the others stay listed.
    fn keep_customers_out_of_scope(&self, stored: &Object, edited: &mut Object) {
        let Some(scope) = self.caller.scope() else { return };
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
}
