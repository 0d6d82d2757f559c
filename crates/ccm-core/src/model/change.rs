//! A change request, stored as `archive/{changeId}.json` with the original's camelCase field names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::lifecycle::Lifecycle;
use super::normalize;
use crate::ids::{CustomerCode, ObjectId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    #[serde(default = "change_object_type")]
    pub object_type: String,
    #[serde(rename = "changeId")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "CHG-0f8fad5b-d9cb-469f-a165-70867728950e"))]
    pub change_id: ObjectId,
    #[serde(rename = "changeTitle", default)]
    pub change_title: String,
    #[serde(rename = "changeReason", default, skip_serializing_if = "Option::is_none")]
    pub change_reason: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customers: Vec<CustomerCode>,
    #[serde(rename = "implementationPlan", default, skip_serializing_if = "Option::is_none")]
    pub implementation_plan: Option<String>,
    #[serde(rename = "testPlan", default, skip_serializing_if = "Option::is_none")]
    pub test_plan: Option<String>,
    #[serde(rename = "customerImpact", default, skip_serializing_if = "Option::is_none")]
    pub customer_impact: Option<String>,
    #[serde(rename = "rollbackPlan", default, skip_serializing_if = "Option::is_none")]
    pub rollback_plan: Option<String>,
    #[serde(rename = "snowTicket", default, skip_serializing_if = "Option::is_none")]
    pub snow_ticket: Option<String>,
    #[serde(rename = "jiraTicket", default, skip_serializing_if = "Option::is_none")]
    pub jira_ticket: Option<String>,
    #[serde(rename = "implementationStart", default, skip_serializing_if = "Option::is_none")]
    pub implementation_start: Option<DateTime<Utc>>,
    #[serde(rename = "implementationEnd", default, skip_serializing_if = "Option::is_none")]
    pub implementation_end: Option<DateTime<Utc>>,
    /// The IANA zone the schedule was entered in (and is shown in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default)]
    pub include_meeting: bool,
    #[serde(rename = "meetingTitle", default, skip_serializing_if = "Option::is_none")]
    pub meeting_title: Option<String>,
    /// The meeting start (the original ignored it and used the implementation window).
    #[serde(rename = "meetingDate", default, skip_serializing_if = "Option::is_none")]
    pub meeting_date: Option<DateTime<Utc>>,
    /// Minutes, stored as a string as the original front end did.
    #[serde(rename = "meetingDuration", default, skip_serializing_if = "Option::is_none")]
    pub meeting_duration: Option<String>,
    #[serde(rename = "meetingLocation", default, skip_serializing_if = "Option::is_none")]
    pub meeting_location: Option<String>,
    /// Extra attendees, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attendees: Option<String>,
    #[serde(rename = "createdAt", default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(rename = "createdBy", default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(flatten)]
    pub life: Lifecycle,
    /// Every stored field this version does not know, written back untouched.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub extra: Map<String, Value>,
}

fn change_object_type() -> String {
    "change".to_owned()
}

impl Change {
    /// Keys of the stored form this type reads (every other key is kept in `extra`).
    pub const KEYS: &'static [&'static str] = &[
        "object_type",
        "changeId",
        "changeTitle",
        "changeReason",
        "customers",
        "implementationPlan",
        "testPlan",
        "customerImpact",
        "rollbackPlan",
        "snowTicket",
        "jiraTicket",
        "implementationStart",
        "implementationEnd",
        "timezone",
        "include_meeting",
        "meetingTitle",
        "meetingDate",
        "meetingDuration",
        "meetingLocation",
        "attendees",
        "createdAt",
        "createdBy",
    ];

    /// Moves legacy spellings to the canonical keys (never overwriting) and coerces fields the
    /// original stored with two JSON types.
    pub(crate) fn normalize(map: &mut Map<String, Value>) {
        for (alias, canonical) in [
            ("change_id", "changeId"),
            ("title", "changeTitle"),
            ("description", "changeReason"),
            ("implementation_plan", "implementationPlan"),
            ("test_plan", "testPlan"),
            ("customer_impact", "customerImpact"),
            ("expectedCustomerImpact", "customerImpact"),
            ("rollback_plan", "rollbackPlan"),
            ("affected_customers", "customers"),
            ("customerCodes", "customers"),
            ("customer_codes", "customers"),
            ("created_by", "createdBy"),
            ("created_at", "createdAt"),
            ("includeMeeting", "include_meeting"),
            ("meetingStartTime", "meetingDate"),
        ] {
            normalize::move_alias(map, alias, canonical);
        }
        normalize::number_to_string(map, "meetingDuration");
        normalize::empty_string_to_absent(
            map,
            &[
                "implementationStart",
                "implementationEnd",
                "meetingDate",
                "createdAt",
                "modifiedAt",
                "submittedAt",
                "approvedAt",
                "completedAt",
                "cancelledAt",
                "prior_status",
            ],
        );
        if !map.contains_key("include_meeting")
            && let Some(Value::String(flag)) = map.get("meetingRequired")
        {
            let yes = flag.eq_ignore_ascii_case("yes");
            map.insert("include_meeting".into(), Value::Bool(yes));
        }
        normalize::modifications(map);
    }

    pub fn meeting_duration_minutes(&self) -> Option<i64> {
        self.meeting_duration.as_deref().and_then(|d| d.trim().parse().ok())
    }
}
