//! An announcement (CIC, FinOps, InnerSource, General), stored with the original's snake_case names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lifecycle::Lifecycle;
use super::normalize;
use crate::ids::{AnnouncementType, CustomerCode, ObjectId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Announcement {
    /// `announcement_cic`, `announcement_finops`, `announcement_innersource` or `announcement_general`.
    pub object_type: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "CIC-0f8fad5b-d9cb-469f-a165-70867728950e"))]
    pub announcement_id: ObjectId,
    pub announcement_type: AnnouncementType,
    #[serde(default)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customers: Vec<CustomerCode>,
    #[serde(default)]
    pub include_meeting: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_timezone: Option<String>,
    /// Minutes (a number; the original backend wrongly expected a string, both are read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_duration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendees: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(flatten)]
    pub life: Lifecycle,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub extra: Map<String, Value>,
}

/// `{name, s3_key, size, uploaded_at, content_type?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub name: String,
    pub s3_key: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub extra: Map<String, Value>,
}

impl Announcement {
    pub const KEYS: &'static [&'static str] = &[
        "object_type",
        "announcement_id",
        "announcement_type",
        "title",
        "summary",
        "content",
        "customers",
        "include_meeting",
        "meeting_title",
        "meeting_date",
        "meeting_timezone",
        "meeting_duration",
        "meeting_location",
        "attendees",
        "attachments",
        "created_by",
        "created_at",
        "posted_date",
        "author",
    ];

    pub(crate) fn normalize(map: &mut Map<String, Value>) {
        for (alias, canonical) in [
            ("announcementId", "announcement_id"),
            ("announcementType", "announcement_type"),
            ("meetingTitle", "meeting_title"),
            ("meetingDate", "meeting_date"),
            ("meetingTimezone", "meeting_timezone"),
            ("meetingDuration", "meeting_duration"),
            ("meetingLocation", "meeting_location"),
            ("includeMeeting", "include_meeting"),
            ("createdBy", "created_by"),
            ("createdAt", "created_at"),
        ] {
            normalize::move_alias(map, alias, canonical);
        }
        normalize::string_to_number(map, "meeting_duration");
        normalize::empty_string_to_absent(
            map,
            &[
                "meeting_date",
                "created_at",
                "posted_date",
                "modifiedAt",
                "submittedAt",
                "approvedAt",
                "completedAt",
                "cancelledAt",
                "prior_status",
            ],
        );
        // The type can be missing on duplicates the original made; derive it from object_type or the id.
        if !map.contains_key("announcement_type") {
            let from_object_type =
                map.get("object_type").and_then(Value::as_str).and_then(AnnouncementType::from_object_type);
            let from_id =
                map.get("announcement_id").and_then(Value::as_str).and_then(|id| ObjectId::parse(id).ok()).and_then(
                    |id| match id.kind() {
                        crate::ids::ObjectKind::Announcement(t) => Some(t),
                        crate::ids::ObjectKind::Change => None,
                    },
                );
            if let Some(t) = from_object_type.or(from_id) {
                map.insert("announcement_type".into(), Value::String(t.as_str().into()));
            }
        }
        if !map.contains_key("object_type")
            && let Some(t) = map.get("announcement_type").and_then(Value::as_str).and_then(AnnouncementType::parse)
        {
            map.insert("object_type".into(), Value::String(t.object_type().into()));
        }
        // The original backend typed attachments as strings: read those as keys.
        if let Some(Value::Array(items)) = map.get_mut("attachments") {
            for item in items.iter_mut() {
                if let Value::String(key) = item {
                    let name = key.rsplit('/').next().unwrap_or(key).to_owned();
                    *item = serde_json::json!({ "name": name, "s3_key": key.clone() });
                }
            }
        }
        normalize::modifications(map);
    }
}
