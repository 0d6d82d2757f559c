//! Deleting (softly): a draft or a cancelled object moves to `deleted/`, unless it changed since it
//! was read.

use ccm_core::ports::ETag;
use ccm_core::workflow::{self, Action};
use ccm_core::{ObjectId, StorageKey};

use super::{Location, Objects};
use crate::error::{DeleteError, StepError};

impl Objects<'_> {
    /// Returns where the object went (`deleted/…`).
    pub async fn delete(&self, id: &ObjectId, if_match: Option<ETag>) -> Result<String, DeleteError> {
        let current = self.load(id).await?;
        if let Some(want) = &if_match
            && !current.matches(want)
        {
            return Err(self.conflict(&current).await.into());
        }
        self.authorize(Action::Delete, &current.object)?;
        let life = current.object.life();
        workflow::decide(life.status, Action::Delete, self.actor(), current.object.created_by(), None)?;
        let path = match self.move_to_deleted(&current.object, current.location, &current.etag, "deleted").await {
            Err(StepError::Conflict(_)) => return Err(self.conflict_now(id).await.into()),
            other => other?,
        };
        if current.location == Location::Archive {
            for customer in current.object.customers() {
                self.app.store.delete(&StorageKey::Trigger(customer.clone(), id.clone())).await?;
            }
        }
        self.app.index.remove(id).await?;
        tracing::info!(object = %id, "deleted (soft)");
        Ok(path)
    }
}
