//! Submit, approve, complete, cancel: the status machine decides, the caller's rights and customer
//! scope are checked, the write is conditional, and a notifying transition writes the triggers.

use ccm_core::ObjectId;
use ccm_core::ports::ETag;
use ccm_core::validation::{self, Strictness};
use ccm_core::workflow::{self, Action, Transition};

use super::{Objects, Saved};
use crate::error::{ActError, StepError};
use crate::triggers::write_triggers;

/// How often an action without `If-Match` is decided again when another person's write landed
/// between our read and our conditional write.
const CONFLICT_RETRIES: usize = 3;

impl Objects<'_> {
    /// `if_match` pins the action to the version the caller saw; without it the action is decided
    /// on the latest version (and decided again if someone else wrote in between).
    pub async fn act(&self, id: &ObjectId, action: Action, if_match: Option<ETag>) -> Result<Saved, ActError> {
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
            self.check_customers_in_scope(&current.object)?;
            let mut object = current.object.clone();
            let transition = workflow::apply(&mut object, action, self.actor(), self.app.clock.now())?;
            if action == Action::Submit {
                let errors =
                    validation::validate(&object, &self.app.config, Strictness::Submission, self.app.clock.now());
                if !errors.is_empty() {
                    return Err(ActError::Invalid(errors));
                }
            }
            match self.commit(&current, &object).await {
                Ok(etag) => {
                    let triggers = match transition {
                        Transition::To { notify: true, .. } => write_triggers(&*self.app.store, &object).await,
                        _ => Vec::new(),
                    };
                    self.index(&object).await?;
                    tracing::info!(object = %id, action = action.as_str(), status = %object.life().status, "action applied");
                    return Ok(self.saved(object, etag, triggers).await?);
                }
                // Another person's write won: decide again on the fresh object, unless the client pinned an ETag.
                Err(StepError::Conflict(_)) if if_match.is_none() && attempt < CONFLICT_RETRIES => continue,
                Err(StepError::Conflict(_)) => return Err(self.conflict_now(id).await.into()),
                Err(e) => return Err(e.into()),
            }
        }
    }
}
