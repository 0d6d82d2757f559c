//! Announcement attachments: the bytes go straight to storage (a presigned S3 PUT in AWS, a local
//! route in `ccm serve`); the announcement lists them once the upload is confirmed and checked.

use ccm_core::model::Attachment;
use ccm_core::ports::UploadTarget;
use ccm_core::workflow::{self, Action, Actor};
use ccm_core::{FileName, Object, ObjectId, Role, Status, StorageKey};

use super::objects::{Loaded, ObjectService, Saved};
use crate::error::{ApiError, ApiResult};

/// Largest attachment.
pub const MAX_ATTACHMENT: u64 = 10 * 1024 * 1024;

/// Content types an attachment may have.
pub const ALLOWED_TYPES: &[&str] = &[
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

pub fn check_type(content_type: &str) -> ApiResult<String> {
    let base = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if ALLOWED_TYPES.contains(&base.as_str()) {
        Ok(base)
    } else {
        Err(ApiError::field("contentType", format!("{base:?} is not an allowed attachment type")))
    }
}

pub fn check_size(size: u64) -> ApiResult<()> {
    if size == 0 || size > MAX_ATTACHMENT {
        return Err(ApiError::field("size", format!("an attachment has 1 byte to {} MiB", MAX_ATTACHMENT >> 20)));
    }
    Ok(())
}

pub fn parse_name(raw: &str) -> ApiResult<FileName> {
    FileName::parse(raw).map_err(|e| ApiError::field("name", e.to_string()))
}

impl ObjectService<'_> {
    /// The announcement, if the caller may change its attachments (author or admin; draft or submitted).
    pub async fn attachable(&self, id: &ObjectId) -> ApiResult<Loaded> {
        self.user.require(Role::Author)?;
        let loaded = self.load(id).await?;
        if !matches!(loaded.object, Object::Announcement(_)) {
            return Err(ApiError::not_found("announcement"));
        }
        if !(self.user.is_admin() || loaded.object.is_owned_by(self.user.email())) {
            return Err(ApiError::forbidden("only the author (or an admin) may change attachments"));
        }
        match loaded.object.life().status {
            Status::Draft | Status::Submitted => Ok(loaded),
            s => Err(ApiError::InvalidTransition(format!("attachments of a {s} announcement cannot change"))),
        }
    }

    pub async fn upload_target(
        &self,
        id: &ObjectId,
        name: &FileName,
        size: u64,
        content_type: &str,
    ) -> ApiResult<UploadTarget> {
        self.attachable(id).await?;
        check_size(size)?;
        let content_type = check_type(content_type)?;
        let key = StorageKey::Attachment(id.clone(), name.clone());
        Ok(self.state.uploads.upload(&key, &content_type, size).await?)
    }

    /// Checks the uploaded bytes and lists them on the announcement (an edit: version and history).
    pub async fn confirm_attachment(&self, id: &ObjectId, name: &FileName) -> ApiResult<Saved> {
        let key = StorageKey::Attachment(id.clone(), name.clone());
        let Some(meta) = self.state.store.head(&key).await? else {
            return Err(ApiError::field("name", "nothing was uploaded under this name"));
        };
        let content_type = meta.content_type.clone().unwrap_or_default();
        if let Err(e) = check_size(meta.size).and_then(|_| check_type(&content_type).map(|_| ())) {
            self.state.store.delete(&key).await?;
            return Err(e);
        }
        let now = self.state.clock.now();
        let entry = Attachment {
            name: name.to_string(),
            s3_key: key.to_string(),
            size: meta.size,
            uploaded_at: Some(now),
            content_type: Some(content_type),
            extra: Default::default(),
        };
        self.change_attachments(id, |list| {
            list.retain(|a| a.name != entry.name);
            list.push(entry.clone());
        })
        .await
    }

    pub async fn remove_attachment(&self, id: &ObjectId, name: &FileName) -> ApiResult<Saved> {
        let saved = self.change_attachments(id, |list| list.retain(|a| a.name != name.as_str())).await?;
        self.state.store.delete(&StorageKey::Attachment(id.clone(), name.clone())).await?;
        Ok(saved)
    }

    async fn change_attachments(&self, id: &ObjectId, change: impl Fn(&mut Vec<Attachment>)) -> ApiResult<Saved> {
        for _ in 0..3 {
            let current = self.attachable(id).await?;
            let mut object = current.object.clone();
            if let Object::Announcement(a) = &mut object {
                change(&mut a.attachments);
            }
            let actor =
                Actor { user: self.user.email(), allow_self_approval: self.state.config.portal.allow_self_approval };
            workflow::apply(&mut object, Action::Edit, actor, self.state.clock.now())?;
            match self.save_edit(&current, &object).await {
                Ok(etag) => return self.saved(object, etag, Vec::new()).await,
                Err(ApiError::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(ApiError::Conflict {
            message: "the announcement kept changing; reload it and try again".into(),
            current: None,
        })
    }
}
