//! The API's wire types: what every route answers, typed, with the schemas the OpenAPI document is
//! generated from. Objects travel in the stored shape (so an existing bucket's fields reach the
//! portal unchanged); everything around them has a fixed shape.

pub mod surveys;

use ccm_app::triggers::TriggerResult;
use ccm_app::versions::VersionInfo;
use ccm_app::{ObjectView, Saved};
use ccm_core::model::{Announcement, Change};
use ccm_core::{Object, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A change or an announcement as the caller may see it: the stored fields (unknown ones kept), the
/// processor's results merged into `modifications`, other customers left out for scoped users.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ObjectBody {
    Change(Box<Change>),
    Announcement(Box<Announcement>),
}

impl From<ObjectView> for ObjectBody {
    fn from(view: ObjectView) -> Self {
        match view.0 {
            Object::Change(c) => Self::Change(c),
            Object::Announcement(a) => Self::Announcement(a),
        }
    }
}

/// One trigger written for one customer (the customer's queue is notified when it exists).
#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerBody {
    pub customer: String,
    pub success: bool,
    #[serde(rename = "s3Key")]
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<TriggerResult> for TriggerBody {
    fn from(t: TriggerResult) -> Self {
        Self { customer: t.customer, success: t.success, key: t.key, error: t.error }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerSummary {
    pub total: usize,
    pub successful: usize,
    pub failed: usize,
}

/// The answer of every write: the object as stored (and as the caller sees it), its new ETag (also
/// in the `ETag` header), and one result per trigger written.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedBody {
    pub object: ObjectBody,
    pub etag: String,
    pub triggers: Vec<TriggerBody>,
    pub summary: TriggerSummary,
}

impl From<Saved> for SavedBody {
    fn from(s: Saved) -> Self {
        let failed = s.triggers.iter().filter(|t| !t.success).count();
        let total = s.triggers.len();
        Self {
            object: s.view.into(),
            etag: s.etag.as_str().to_owned(),
            triggers: s.triggers.into_iter().map(Into::into).collect(),
            summary: TriggerSummary { total, successful: total.saturating_sub(failed), failed },
        }
    }
}

/// A soft delete: where the object went.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletedBody {
    pub success: bool,
    pub deleted_path: String,
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionBody {
    pub version: u32,
    pub status: String,
    pub modified_at: Option<DateTime<Utc>>,
    pub modified_by: Option<String>,
    pub current: bool,
}

impl From<VersionInfo> for VersionBody {
    fn from(v: VersionInfo) -> Self {
        Self {
            version: v.version,
            status: v.status,
            modified_at: v.modified_at,
            modified_by: v.modified_by,
            current: v.current,
        }
    }
}

/// Every version of an object, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionsBody {
    pub id: String,
    pub versions: Vec<VersionBody>,
}

/// The signed-in user and what the portal needs to know about the session.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeBody {
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// The customers the user may act for.
    pub customers: Vec<String>,
    /// True when the user is bound to no customer (sees all).
    pub all_customers: bool,
    /// Send it back in `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
    /// When the session ends unless it is used (RFC 3339).
    pub expires_at: DateTime<Utc>,
    pub allow_self_approval: bool,
    pub portal_base_url: String,
}

/// A customer the user may act for, from config.json.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerBody {
    pub code: String,
    pub name: String,
    /// `prod` or `nonprod`.
    pub environment: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
}

/// Starting an attachment upload.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadRequest {
    /// The file name: letters, digits, space, `.`, `_`, `-`, `(`, `)`; no leading dot, no `..`.
    #[schema(min_length = 1, max_length = 128)]
    pub name: String,
    /// Exactly the number of bytes that will be uploaded (1 byte to 50 MiB).
    #[schema(minimum = 1, maximum = 52428800)]
    #[serde(deserialize_with = "whole_number")]
    pub size: u64,
    /// One of the allowed types (PDF, images, text, CSV, Office documents).
    pub content_type: String,
    /// The SHA-256 of the bytes, base64 (optional): then storage refuses any other bytes.
    #[serde(default)]
    pub sha256: Option<String>,
}

/// Where and how to upload the bytes (exactly these headers), then confirm.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadTargetBody {
    pub upload_url: String,
    pub method: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_in_seconds: u64,
    /// The storage key the attachment will have.
    pub key: String,
}

/// A user's saved searches (the whole list is replaced on save).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SavedSearchesBody {
    pub items: Vec<SavedSearchBody>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SavedSearchBody {
    /// 1 to 100 characters, not only spaces.
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    /// The search's filters, as the portal stores them (an object).
    #[schema(value_type = Object)]
    pub query: serde_json::Value,
}

impl From<ccm_app::saved_searches::SavedSearches> for SavedSearchesBody {
    fn from(s: ccm_app::saved_searches::SavedSearches) -> Self {
        Self { items: s.items.into_iter().map(|i| SavedSearchBody { name: i.name, query: i.query }).collect() }
    }
}

impl From<SavedSearchesBody> for ccm_app::saved_searches::SavedSearches {
    fn from(s: SavedSearchesBody) -> Self {
        Self {
            items: s
                .items
                .into_iter()
                .map(|i| ccm_app::saved_searches::SavedSearch { name: i.name, query: i.query })
                .collect(),
        }
    }
}

/// Every error: a code, a sentence for people, and the field at fault when there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `validation`, `bad_json`, `unauthenticated`, `session_expired`, `forbidden`, `csrf`,
    /// `self_approval`, `not_found`, `method_not_allowed`, `conflict`, `too_large`,
    /// `unsupported_media_type`, `invalid_transition`, `precondition_required`, `unavailable`, `internal`.
    pub error: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every invalid field (validation errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldErrorBody>>,
    /// The object as it is now (conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<ConflictCurrent>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictCurrent {
    pub object: ObjectBody,
    pub etag: String,
}

/// An unsigned integer, also when JSON writes it as a whole float (`1.0`), as JSON Schema allows.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(u) = n.as_u64() {
        return Ok(u);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&f) => {
            // In range and whole, so the cast is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Ok(f as u64)
        }
        _ => Err(serde::de::Error::custom(format!("{n} is not a whole number of bytes"))),
    }
}
