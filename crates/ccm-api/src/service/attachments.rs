//! Announcement attachments: the bytes go straight to storage (a presigned S3 PUT in AWS, a local
//! route in `ccm serve`); the announcement lists them once the upload is confirmed and checked.
//! Attachments are server-owned: a client can only add one through this flow, and the bytes must
//! be exactly the size and type declared when the upload started (kept in
//! `announcements/{id}/uploads/{file}.json` until the confirmation).

use bytes::Bytes;
use ccm_core::model::Attachment;
use ccm_core::ports::{PutOptions, UploadTarget};
use ccm_core::workflow::{self, Action, Actor};
use ccm_core::{FileName, Object, ObjectId, Role, Status, StorageKey};
use serde::{Deserialize, Serialize};

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

/// What the uploader declared when the upload started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Declared {
    pub size: u64,
    pub content_type: String,
    pub by: String,
}

impl Declared {
    /// Refuses bytes that are not what was declared, naming the field that differs.
    pub fn check(&self, size: u64, content_type: &str) -> ApiResult<()> {
        if size != self.size {
            return Err(ApiError::field("size", format!("{size} bytes arrived, {} were declared", self.size)));
        }
        let base = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if base != self.content_type {
            return Err(ApiError::field(
                "contentType",
                format!("{base:?} arrived, {:?} was declared", self.content_type),
            ));
        }
        Ok(())
    }
}

impl ObjectService<'_> {
    /// The declaration of an upload in progress.
    pub async fn declared(&self, id: &ObjectId, name: &FileName) -> ApiResult<Declared> {
        let key = StorageKey::PendingUpload(id.clone(), name.clone());
        let Some(doc) = self.state.store.get(&key).await? else {
            return Err(ApiError::field("name", "no upload was started under this name"));
        };
        serde_json::from_slice(&doc.body)
            .map_err(|e| ApiError::Internal(format!("the upload record {key} does not parse: {e}")))
    }

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
        let declared = Declared { size, content_type: content_type.clone(), by: self.user.email().to_owned() };
        let record = serde_json::to_vec(&declared).map_err(|e| ApiError::Internal(e.to_string()))?;
        let pending = StorageKey::PendingUpload(id.clone(), name.clone());
        self.state.store.put(&pending, Bytes::from(record), PutOptions::default()).await?;
        let key = StorageKey::Attachment(id.clone(), name.clone());
        Ok(self.state.uploads.upload(&key, &content_type, size).await?)
    }

    /// Checks the uploaded bytes and lists them on the announcement (an edit: version and history).
    pub async fn confirm_attachment(&self, id: &ObjectId, name: &FileName) -> ApiResult<Saved> {
        self.attachable(id).await?;
        let declared = self.declared(id, name).await?;
        let key = StorageKey::Attachment(id.clone(), name.clone());
        let Some(meta) = self.state.store.head(&key).await? else {
            return Err(ApiError::field("name", "nothing was uploaded under this name"));
        };
        let content_type = meta.content_type.clone().unwrap_or_default();
        let checked = check_size(meta.size)
            .and_then(|_| check_type(&content_type).map(|_| ()))
            .and_then(|_| declared.check(meta.size, &content_type));
        if let Err(e) = checked {
            self.state.store.delete(&key).await?;
            return Err(e);
        }
        let content_type = declared.content_type.clone();
        let now = self.state.clock.now();
        let entry = Attachment {
            name: name.to_string(),
            s3_key: key.to_string(),
            size: meta.size,
            uploaded_at: Some(now),
            content_type: Some(content_type),
            extra: Default::default(),
        };
        let saved = self
            .change_attachments(id, |list| {
                list.retain(|a| a.name != entry.name);
                list.push(entry.clone());
            })
            .await?;
        self.state.store.delete(&StorageKey::PendingUpload(id.clone(), name.clone())).await?;
        Ok(saved)
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
