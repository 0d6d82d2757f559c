//! Announcement attachments: the bytes go straight to storage (a presigned S3 PUT in AWS, a local
//! route in `ccm serve`); the announcement lists them once the upload is confirmed and checked.
//! Attachments are server-owned: a client can only add one through this flow, and the bytes must
//! be exactly the size and type declared when the upload started (kept in
//! `announcements/{id}/uploads/{file}.json` until the confirmation).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use ccm_core::model::Attachment;
use ccm_core::ports::{PutOptions, UploadSpec, UploadTarget};
use ccm_core::workflow::{self, Action};
use ccm_core::{FileName, Object, ObjectId, Role, Status, StorageKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AttachmentError, Conflict, Forbidden, StepError, field};
use crate::objects::{Loaded, Objects, Saved};

/// Largest attachment. The bytes never pass through a Lambda (presigned S3 PUT), so the limit is
/// what mail recipients should be sent links to, not a payload cap.
pub const MAX_ATTACHMENT: u64 = 50 * 1024 * 1024;

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

/// The base type of `content_type`, if attachments may have it.
pub fn check_type(content_type: &str) -> Result<String, AttachmentError> {
    let base = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if ALLOWED_TYPES.contains(&base.as_str()) {
        Ok(base)
    } else {
        Err(AttachmentError::Invalid(field("contentType", format!("{base:?} is not an allowed attachment type"))))
    }
}

pub fn check_size(size: u64) -> Result<(), AttachmentError> {
    if size == 0 || size > MAX_ATTACHMENT {
        let message = format!("an attachment has 1 byte to {} MiB", MAX_ATTACHMENT >> 20);
        return Err(AttachmentError::Invalid(field("size", message)));
    }
    Ok(())
}

/// A SHA-256 in base64 (44 characters), as S3's `x-amz-checksum-sha256` takes it.
pub fn check_sha256(raw: &str) -> Result<String, AttachmentError> {
    match BASE64.decode(raw.trim()) {
        Ok(bytes) if bytes.len() == 32 => Ok(raw.trim().to_owned()),
        _ => Err(AttachmentError::Invalid(field("sha256", "the SHA-256 of the bytes, in base64 (44 characters)"))),
    }
}

pub fn parse_name(raw: &str) -> Result<FileName, AttachmentError> {
    FileName::parse(raw).map_err(|e| AttachmentError::Invalid(field("name", e.to_string())))
}

/// What the uploader declared when the upload started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Declared {
    pub size: u64,
    pub content_type: String,
    pub by: String,
    /// The SHA-256 of the bytes (base64), when the uploader gave one: storage checks it on upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Declared {
    /// Refuses bytes that are not what was declared, naming the field that differs.
    pub fn check(&self, size: u64, content_type: &str) -> Result<(), AttachmentError> {
        if size != self.size {
            let message = format!("{size} bytes arrived, {} were declared", self.size);
            return Err(AttachmentError::Invalid(field("size", message)));
        }
        let base = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if base != self.content_type {
            let message = format!("{base:?} arrived, {:?} was declared", self.content_type);
            return Err(AttachmentError::Invalid(field("contentType", message)));
        }
        Ok(())
    }
}

impl Objects<'_> {
    /// The announcement, if the caller may change its attachments (author or admin; draft or submitted).
    pub async fn attachable(&self, id: &ObjectId) -> Result<Loaded, AttachmentError> {
        self.caller.require(Role::Author)?;
        let loaded = self.load(id).await?;
        if !matches!(loaded.object, Object::Announcement(_)) {
            return Err(AttachmentError::NotFound("announcement"));
        }
        if !self.caller.is_admin() && self.require_owner(&loaded.object).is_err() {
            return Err(Forbidden::not_owner("only the author (or an admin) may change attachments").into());
        }
        match loaded.object.life().status {
            Status::Draft | Status::Submitted => Ok(loaded),
            s => Err(AttachmentError::NotNow(format!("attachments of a {s} announcement cannot change"))),
        }
    }

    /// The declaration of an upload in progress.
    pub async fn declared(&self, id: &ObjectId, name: &FileName) -> Result<Declared, AttachmentError> {
        let key = StorageKey::PendingUpload(id.clone(), name.clone());
        let Some(doc) = self.app.store.get(&key).await? else {
            return Err(AttachmentError::Invalid(field("name", "no upload was started under this name")));
        };
        serde_json::from_slice(&doc.body).map_err(|e| AttachmentError::Corrupt(format!("{key}: {e}")))
    }

    /// Starts an upload: records what will arrive and says where to send it.
    pub async fn upload_target(
        &self,
        id: &ObjectId,
        name: &FileName,
        size: u64,
        content_type: &str,
        sha256: Option<&str>,
    ) -> Result<UploadTarget, AttachmentError> {
        self.attachable(id).await?;
        check_size(size)?;
        let content_type = check_type(content_type)?;
        let sha256 = sha256.map(check_sha256).transpose()?;
        let declared = Declared {
            size,
            content_type: content_type.clone(),
            by: self.caller.email().to_owned(),
            sha256: sha256.clone(),
        };
        let record = serde_json::to_vec(&declared).map_err(|e| AttachmentError::Corrupt(e.to_string()))?;
        let pending = StorageKey::PendingUpload(id.clone(), name.clone());
        self.app.store.put(&pending, Bytes::from(record), PutOptions::default()).await?;
        let key = StorageKey::Attachment(id.clone(), name.clone());
        let spec = UploadSpec { content_type: &content_type, size, sha256: sha256.as_deref() };
        Ok(self.app.uploads.upload(&key, &spec).await?)
    }

    /// Stores uploaded bytes (the local upload target of `ccm serve`), if they are what was declared.
    pub async fn store_upload(
        &self,
        id: &ObjectId,
        name: &FileName,
        content_type: &str,
        body: Bytes,
    ) -> Result<(), AttachmentError> {
        self.attachable(id).await?;
        let declared = self.declared(id, name).await?;
        check_size(body.len() as u64)?;
        let content_type = check_type(content_type)?;
        declared.check(body.len() as u64, &content_type)?;
        if let Some(want) = &declared.sha256 {
            let got = BASE64.encode(Sha256::digest(&body));
            if &got != want {
                return Err(AttachmentError::Invalid(field("sha256", "the bytes do not have the SHA-256 declared")));
            }
        }
        let options = PutOptions { content_type: Some(content_type), ..PutOptions::default() }
            .with_metadata("uploaded-by", self.caller.email());
        self.app.store.put(&StorageKey::Attachment(id.clone(), name.clone()), body, options).await?;
        Ok(())
    }

    /// Checks the uploaded bytes and lists them on the announcement (an edit: version and history).
    pub async fn confirm_attachment(&self, id: &ObjectId, name: &FileName) -> Result<Saved, AttachmentError> {
        self.attachable(id).await?;
        let declared = self.declared(id, name).await?;
        let key = StorageKey::Attachment(id.clone(), name.clone());
        let Some(meta) = self.app.store.head(&key).await? else {
            return Err(AttachmentError::Invalid(field("name", "nothing was uploaded under this name")));
        };
        let content_type = meta.content_type.clone().unwrap_or_default();
        let checked = check_size(meta.size)
            .and_then(|_| check_type(&content_type).map(|_| ()))
            .and_then(|_| declared.check(meta.size, &content_type));
        if let Err(e) = checked {
            self.app.store.delete(&key).await?;
            return Err(e);
        }
        let entry = Attachment {
            name: name.to_string(),
            s3_key: key.to_string(),
            size: meta.size,
            uploaded_at: Some(self.app.clock.now()),
            content_type: Some(declared.content_type.clone()),
            extra: Default::default(),
        };
        let saved = self
            .change_attachments(id, |list| {
                list.retain(|a| a.name != entry.name);
                list.push(entry.clone());
            })
            .await?;
        self.app.store.delete(&StorageKey::PendingUpload(id.clone(), name.clone())).await?;
        Ok(saved)
    }

    pub async fn remove_attachment(&self, id: &ObjectId, name: &FileName) -> Result<Saved, AttachmentError> {
        let saved = self.change_attachments(id, |list| list.retain(|a| a.name != name.as_str())).await?;
        self.app.store.delete(&StorageKey::Attachment(id.clone(), name.clone())).await?;
        Ok(saved)
    }

    /// The bytes of a listed attachment: a URL to send the browser to, or the bytes themselves.
    pub async fn download(&self, id: &ObjectId, name: &FileName) -> Result<Download, AttachmentError> {
        let loaded = self.load(id).await?;
        let Object::Announcement(a) = &loaded.object else { return Err(AttachmentError::NotFound("announcement")) };
        if !a.attachments.iter().any(|x| x.name == name.as_str()) {
            return Err(AttachmentError::NotFound("attachment"));
        }
        let key = StorageKey::Attachment(id.clone(), name.clone());
        if let Some(url) = self.app.uploads.download(&key, name.as_str()).await? {
            return Ok(Download::Redirect(url));
        }
        match self.app.store.get(&key).await? {
            Some(doc) => Ok(Download::Bytes { body: doc.body, content_type: doc.meta.content_type }),
            None => Err(AttachmentError::NotFound("attachment")),
        }
    }

    async fn change_attachments(
        &self,
        id: &ObjectId,
        change: impl Fn(&mut Vec<Attachment>),
    ) -> Result<Saved, AttachmentError> {
        for _ in 0..3 {
            let current = self.attachable(id).await?;
            let mut object = current.object.clone();
            if let Object::Announcement(a) = &mut object {
                change(&mut a.attachments);
            }
            workflow::apply(&mut object, Action::Edit, self.actor(), self.app.clock.now())?;
            match self.save_edit(&current, &object).await {
                Ok(etag) => return Ok(self.saved(object, etag, Vec::new()).await?),
                Err(StepError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Conflict { message: "the announcement kept changing; reload it and try again".into(), current: None }
            .into())
    }
}

/// Where an attachment's bytes come from.
#[derive(Debug)]
pub enum Download {
    /// A presigned URL (AWS).
    Redirect(String),
    /// The bytes, streamed by the API (`ccm serve`).
    Bytes { body: Bytes, content_type: Option<String> },
}
