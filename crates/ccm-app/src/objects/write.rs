//! The conditional writes every use case is built from. A draft is written only with If-Match on
//! what was read; a submission moves a draft to the archive in three conditional steps; a delete
//! removes the object only if it is still what was read. Exactly one of racing writers wins; the
//! others get a conflict and nothing they were told was saved is ever dropped.

use bytes::Bytes;
use ccm_core::ports::{ETag, PutOptions, StoreError};
use ccm_core::{Object, StorageKey};

use super::{Loaded, Location, Objects, Saved};
use crate::error::{Conflict, LoadError, StepError};
use crate::triggers::TriggerResult;

impl Objects<'_> {
    /// Writes an acted-on object. An archived object is snapshotted, then replaced with If-Match. A
    /// submitted draft moves to the archive in three conditional steps, so that exactly one of a
    /// submission and a concurrent edit wins: (1) the draft is overwritten with the submitted object
    /// with If-Match on what was read (an edit that landed first makes this fail: conflict); (2) the
    /// archive is created (create-only); (3) the draft goes to `deleted/drafts/` and is deleted with
    /// If-Match on step 1's ETag. A crash between the steps leaves a draft that says "submitted",
    /// which [`Objects::load`] finishes moving and nobody may edit meanwhile.
    pub(super) async fn commit(&self, current: &Loaded, object: &Object) -> Result<ETag, StepError> {
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

    /// Steps 2 and 3 of a submission (see [`Objects::commit`]); returns the archive's ETag.
    pub(super) async fn finish_submission(&self, claimed: &Loaded) -> Result<ETag, StepError> {
        let object = &claimed.object;
        let archive = StorageKey::Archive(object.id().clone());
        let etag = match self.put(Location::Archive, object, PutOptions::create_only()).await {
            Ok(etag) => etag,
            // Finished by someone else (a concurrent load of the half-moved draft): take theirs.
            Err(StepError::Conflict(_)) => match self.app.store.head(&archive).await? {
                Some(meta) => meta.etag,
                None => return Err(StepError::Store(StoreError::Other(format!("{archive} vanished mid-submission")))),
            },
            Err(e) => return Err(e),
        };
        match self.move_to_deleted(object, Location::Draft, &claimed.etag, "submitted").await {
            Ok(_) => {}
            // Only a finisher deletes a claimed draft: if it is gone, another finisher got there first.
            Err(StepError::Conflict(_))
                if self.app.store.head(&StorageKey::Draft(object.id().clone())).await?.is_none() => {}
            Err(e) => return Err(e),
        }
        self.index(object).await?;
        Ok(etag)
    }

    /// Copies the object to `deleted/`, then deletes it from `from` only if it is still the bytes
    /// with `etag` (a conflict otherwise: someone wrote it after it was read, and their write stays).
    pub(super) async fn move_to_deleted(
        &self,
        object: &Object,
        from: Location,
        etag: &ETag,
        reason: &str,
    ) -> Result<String, StepError> {
        let id = object.id();
        let (source, dest) = match from {
            Location::Draft => (StorageKey::Draft(id.clone()), StorageKey::DeletedDraft(id.clone())),
            Location::Archive => (StorageKey::Archive(id.clone()), StorageKey::DeletedArchive(id.clone())),
        };
        let mut copy = object.clone();
        let now = self.app.clock.now();
        let by = self.caller.email();
        let extra = copy.extra_mut();
        extra.insert("deletedAt".into(), ccm_core::schedule::to_rfc3339_utc(now).into());
        extra.insert("deletedBy".into(), by.into());
        extra.insert("originalPath".into(), source.to_string().into());
        extra.insert("deletionReason".into(), reason.into());
        let options = PutOptions::default()
            .with_metadata("deleted-by", by)
            .with_metadata("deletion-reason", reason)
            .with_metadata("original-path", source.to_string());
        self.app.store.put(&dest, Bytes::from(copy.to_json()), options).await?;
        self.app.store.delete_if_match(&source, etag).await?;
        Ok(dest.to_string())
    }

    /// Writes an edited object in place (snapshot of the old one, If-Match on the new one) and indexes
    /// it; returns the stored ETag. A draft that is being submitted is not editable.
    pub(crate) async fn save_edit(&self, current: &Loaded, object: &Object) -> Result<ETag, StepError> {
        if current.is_mid_submission() {
            return Err(StepError::Conflict(Conflict {
                message: "the draft is being submitted".into(),
                current: None,
            }));
        }
        self.snapshot(&current.object).await?;
        let etag = self.put(current.location, object, PutOptions::if_match(current.etag.clone())).await?;
        self.index(object).await?;
        Ok(etag)
    }

    /// What a write answers: the stored object, its view for the caller, its ETag, its triggers.
    pub(crate) async fn saved(
        &self,
        object: Object,
        etag: ETag,
        triggers: Vec<TriggerResult>,
    ) -> Result<Saved, LoadError> {
        let view = self.view(&object).await?;
        Ok(Saved { object, view, etag, triggers, warnings: Vec::new() })
    }

    /// The pre-image of a version, kept before the next one is written.
    pub(super) async fn snapshot(&self, object: &Object) -> Result<(), StepError> {
        let key = StorageKey::Version(object.id().clone(), object.life().version);
        let options = PutOptions::default().with_metadata("version", object.life().version.to_string());
        self.app.store.put(&key, Bytes::from(object.to_json()), options).await?;
        Ok(())
    }

    pub(super) async fn put(
        &self,
        location: Location,
        object: &Object,
        options: PutOptions,
    ) -> Result<ETag, StepError> {
        let key = location.key(object.id());
        let life = object.life();
        let options = options
            .with_metadata("status", life.status.as_str())
            .with_metadata("version", life.version.to_string())
            .with_metadata("modified-by", life.modified_by.clone().unwrap_or_default());
        Ok(self.app.store.put(&key, Bytes::from(object.to_json()), options).await?)
    }

    pub(super) async fn index(&self, object: &Object) -> Result<(), StepError> {
        // The entry's joinUrl is the current meeting's, read from its records as the view does.
        let entry = crate::view::current_index_entry(&*self.app.store, object).await?;
        self.app.index.upsert(entry).await?;
        Ok(())
    }
}
