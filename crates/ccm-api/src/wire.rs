//! The API's wire types: what every route answers, typed, with the schemas the OpenAPI document is
//! generated from. Objects travel in the stored shape (so an existing bucket's fields reach the
//! portal unchanged); everything around them has a fixed shape.

pub mod deliveries;
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
    /// Conflicts of a change's window (the write happened): overlapping changes of the same
    /// customer and blackout windows, each with what it conflicts with.
    pub warnings: Vec<ccm_core::calendar::Warning>,
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
            warnings: s.warnings,
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
    /// `self_approval`, `approval_policy`, `blackout_override_required`, `not_found`, `method_not_allowed`, `conflict`, `too_large`,
    /// `unsupported_media_type`, `invalid_transition`, `precondition_required`, `unavailable`, `internal`.
    pub error: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every invalid field (validation errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldErrorBody>>,
    /// The object (or blackout window) as it is now (conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<ConflictCurrentBody>,
    /// What needs an override (`blackout_override_required`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<ccm_core::calendar::Warning>>,
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

/// What a 409 carries: the object, or the blackout window, as it is now, with its ETag.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ConflictCurrentBody {
    Object(ConflictCurrent),
    Blackout(BlackoutConflictCurrent),
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlackoutConflictCurrent {
    pub blackout: ccm_core::blackout::Blackout,
    pub etag: String,
}

// ── Issue 15: calendar, feeds, blackout windows, conflicts, approval policies ──────────────────

pub use ccm_core::blackout::{Blackout, BlackoutInput};
/// A conflict found by a write (`warnings` of [`SavedBody`]) or by the approvals page: another
/// change of the same customer with an overlapping window, or a blackout window the window meets.
pub use ccm_core::calendar::Warning;

/// The optional body of `POST …/{id}/submit` and `…/approve`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActRequest {
    /// Why the change goes ahead through a blackout window: required when its window meets one
    /// (the answer is then 422 `blackout_override_required` with the warnings), recorded in its
    /// history and shown to approvers and in the approval mail. Up to 1000 characters.
    pub override_reason: Option<String>,
}

/// One window or meeting on the calendar.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarEntryBody {
    pub id: String,
    /// `change`, `cic`, `finops`, `innersource` or `general`.
    #[serde(rename = "type")]
    pub type_name: String,
    pub status: ccm_core::Status,
    pub title: String,
    /// The customers the caller may see.
    pub customers: Vec<String>,
    /// A change's implementation window; an announcement's meeting.
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// A change's meeting, when it has one.
    pub meeting_start: Option<DateTime<Utc>>,
    pub meeting_end: Option<DateTime<Utc>>,
    pub timezone: Option<String>,
    pub version: u32,
}

impl From<ccm_core::ports::IndexEntry> for CalendarEntryBody {
    fn from(e: ccm_core::ports::IndexEntry) -> Self {
        Self {
            id: e.id.to_string(),
            type_name: e.type_name,
            status: e.status,
            title: e.title,
            customers: e.customers.iter().map(ToString::to_string).collect(),
            start: e.start,
            end: e.end,
            meeting_start: e.meeting_start,
            meeting_end: e.meeting_end,
            timezone: e.timezone,
            version: e.version,
        }
    }
}

/// One occurrence of a blackout window in the range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlackoutOccurrenceBody {
    pub id: String,
    pub name: String,
    pub reason: String,
    /// The customers it applies to that the caller may see; empty for a global blackout.
    pub customers: Vec<String>,
    pub global: bool,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The calendar of a range.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarBody {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Windows and meetings meeting the range, by start.
    pub entries: Vec<CalendarEntryBody>,
    /// How many matched; more than `entries` holds when `truncated`.
    pub total: usize,
    pub truncated: bool,
    pub blackouts: Vec<BlackoutOccurrenceBody>,
}

/// A subscribable calendar feed URL (no session needed; revocable).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedBody {
    /// `user` (the caller's own feed: everything they may see) or `customer`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    pub name: String,
    /// `https://…/api/calendar/feed/{token}.ics`
    pub url: String,
    /// The same URL as `webcal://`, which calendar apps open as a subscription.
    pub webcal: String,
}

/// The caller's feeds: their own first, then one per customer they may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedsBody {
    pub feeds: Vec<FeedBody>,
}

/// Which feed to revoke: `{"feed": "user"}` (mine) or `{"feed": "customer", "customer": "acme"}` (admins).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    pub feed: String,
    pub customer: Option<String>,
}

/// Blackout windows the caller may see (global ones and their customers').
#[derive(Debug, Serialize, ToSchema)]
pub struct BlackoutsBody {
    pub items: Vec<Blackout>,
}

/// A blackout window and the ETag to send back in `If-Match`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlackoutSavedBody {
    pub blackout: Blackout,
    pub etag: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlackoutVersionBody {
    pub version: u32,
    pub modified_by: String,
    pub modified_at: DateTime<Utc>,
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlackoutVersionsBody {
    pub id: String,
    pub versions: Vec<BlackoutVersionBody>,
}

/// One approval that counts for a customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovedByBody {
    pub user: String,
    pub at: DateTime<Utc>,
}

/// Where one customer's approval policy stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerApprovalBody {
    pub customer: String,
    /// Distinct approvers needed.
    pub quorum: u8,
    /// Whose approvals count (empty = anyone with the approver role).
    pub approver_groups: Vec<String>,
    pub author_team_may_approve: bool,
    pub approved_by: Vec<ApprovedByBody>,
    /// How many more approvers are needed (0 = met).
    pub still_needed: u8,
    pub met: bool,
}

/// An object's approval: per customer who approved and who is still needed, every approval with
/// who and when, blackout overrides, conflicts now, and whether the caller's approval would count.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalStatusBody {
    pub id: String,
    pub status: ccm_core::Status,
    pub complete: bool,
    pub customers: Vec<CustomerApprovalBody>,
    pub approvals: Vec<ccm_core::model::Approval>,
    pub overrides: Vec<ccm_core::model::BlackoutOverride>,
    pub warnings: Vec<Warning>,
    pub can_approve: bool,
    /// Why the caller cannot approve (when `canApprove` is false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cannot_approve_reason: Option<String>,
}

impl From<ccm_app::ApprovalStatus> for ApprovalStatusBody {
    fn from(s: ccm_app::ApprovalStatus) -> Self {
        Self {
            id: s.id.to_string(),
            status: s.status,
            complete: s.complete,
            customers: s
                .customers
                .into_iter()
                .map(|p| CustomerApprovalBody {
                    customer: p.customer.to_string(),
                    quorum: p.quorum,
                    met: p.is_met(),
                    approver_groups: p.approver_groups,
                    author_team_may_approve: p.author_team_may_approve,
                    approved_by: p
                        .approved_by
                        .into_iter()
                        .map(|c| ApprovedByBody { user: c.user_id, at: c.at })
                        .collect(),
                    still_needed: p.still_needed,
                })
                .collect(),
            approvals: s.approvals,
            overrides: s.overrides,
            warnings: s.warnings,
            can_approve: s.can_approve.is_ok(),
            cannot_approve_reason: s.can_approve.err(),
        }
    }
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
