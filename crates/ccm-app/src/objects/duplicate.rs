//! Duplicating: a new draft copy owned by the caller, with only the customers they may act for.

use ccm_core::ports::PutOptions;
use ccm_core::workflow::{self, Action};
use ccm_core::{Object, ObjectId};

use super::{Location, Objects, Saved};
use crate::error::DuplicateError;

impl Objects<'_> {
    pub async fn duplicate(&self, id: &ObjectId) -> Result<Saved, DuplicateError> {
        let current = self.load(id).await?;
        self.authorize(Action::Duplicate, &current.object)?;
        let new_id = self.app.ids.object_id(id.kind());
        let mut copy = workflow::duplicate(&current.object, new_id, self.caller.email(), self.app.clock.now());
        match &mut copy {
            Object::Change(c) => c.customers.retain(|c| self.caller.may_use_customer(c)),
            Object::Announcement(a) => {
                a.customers.retain(|c| self.caller.may_use_customer(c));
                a.author = Some(self.caller.name.clone());
            }
        }
        let etag = self.put(Location::Draft, &copy, PutOptions::create_only()).await?;
        self.index(&copy).await?;
        Ok(self.saved(copy, etag, Vec::new()).await?)
    }
}
