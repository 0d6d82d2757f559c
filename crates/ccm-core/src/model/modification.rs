//! The audit trail: `modifications[]` entries. The server writes them; a client never does.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::meeting::MeetingMetadata;

/// What happened. The stored names are the original's (`created`, `meeting_scheduled`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ModificationType {
    Created,
    Updated,
    Submitted,
    Approved,
    /// One approval recorded while a customer's policy still needs more (no status change).
    PartiallyApproved,
    Completed,
    Cancelled,
    Deleted,
    MeetingScheduled,
    MeetingCancelled,
    Processed,
    /// A type this version does not know, kept so the history stays readable.
    #[serde(other)]
    Other,
}

/// One entry of `modifications[]`: `{timestamp, user_id, modification_type, customer_code?, meeting_metadata?, comment?}`.
/// Unknown keys (and the front end's legacy `userId`/`modificationType` duplicates) are kept as they were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Modification {
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub user_id: String,
    pub modification_type: ModificationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_metadata: Option<MeetingMetadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub extra: Map<String, Value>,
}

impl Modification {
    pub fn new(kind: ModificationType, user: &str, at: DateTime<Utc>) -> Self {
        Self {
            timestamp: at,
            user_id: user.to_owned(),
            modification_type: kind,
            customer_code: None,
            meeting_metadata: None,
            comment: None,
            extra: Map::new(),
        }
    }

    /// Reads one stored entry, accepting the legacy camelCase spellings when the snake_case key is absent.
    pub(crate) fn normalize_legacy(value: &mut Value) {
        if let Value::Object(map) = value {
            super::normalize::move_alias(map, "userId", "user_id");
            super::normalize::move_alias(map, "modificationType", "modification_type");
            super::normalize::move_alias(map, "customerCode", "customer_code");
        }
    }
}
