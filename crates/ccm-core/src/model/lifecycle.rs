//! The workflow fields both object kinds share (status, version, who/when, history, meeting, survey).
//! They keep the original's stored names: camelCase for the who/when pairs, snake_case for the rest.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::approval::{Approval, BlackoutOverride};
use super::meeting::MeetingMetadata;
use super::modification::Modification;
use crate::workflow::Status;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lifecycle {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_status: Option<Status>,
    #[serde(default = "first_version")]
    pub version: u32,
    #[serde(default)]
    pub modifications: Vec<Modification>,
    #[serde(rename = "modifiedAt", default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<DateTime<Utc>>,
    #[serde(rename = "modifiedBy", default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<String>,
    #[serde(rename = "submittedAt", default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<DateTime<Utc>>,
    #[serde(rename = "submittedBy", default, skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
    #[serde(rename = "approvedAt", default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<DateTime<Utc>>,
    #[serde(rename = "approvedBy", default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(rename = "completedAt", default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(rename = "completedBy", default, skip_serializing_if = "Option::is_none")]
    pub completed_by: Option<String>,
    #[serde(rename = "cancelledAt", default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[serde(rename = "cancelledBy", default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_metadata: Option<MeetingMetadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_created_at: Option<String>,
    /// Approvals of the current version (several when a customer's policy needs a quorum).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    /// The mapped groups of whoever created and submitted the object (for "may the author's team approve?").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub author_groups: Vec<String>,
    /// Submissions and approvals that went through a blackout window, with their reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blackout_overrides: Vec<BlackoutOverride>,
}

fn first_version() -> u32 {
    1
}

impl Lifecycle {
    pub fn new(status: Status) -> Self {
        Self {
            status,
            prior_status: None,
            version: 1,
            modifications: Vec::new(),
            modified_at: None,
            modified_by: None,
            submitted_at: None,
            submitted_by: None,
            approved_at: None,
            approved_by: None,
            completed_at: None,
            completed_by: None,
            cancelled_at: None,
            cancelled_by: None,
            meeting_metadata: None,
            survey_id: None,
            survey_url: None,
            survey_created_at: None,
            approvals: Vec::new(),
            author_groups: Vec::new(),
            blackout_overrides: Vec::new(),
        }
    }

    /// Was the object ever approved? Decides who hears about a cancellation.
    pub fn ever_approved(&self) -> bool {
        self.approved_at.is_some()
            || self.approved_by.is_some()
            || self.modifications.iter().any(|m| m.modification_type == super::modification::ModificationType::Approved)
    }

    pub const KEYS: &'static [&'static str] = &[
        "status",
        "prior_status",
        "version",
        "modifications",
        "modifiedAt",
        "modifiedBy",
        "submittedAt",
        "submittedBy",
        "approvedAt",
        "approvedBy",
        "completedAt",
        "completedBy",
        "cancelledAt",
        "cancelledBy",
        "meeting_metadata",
        "survey_id",
        "survey_url",
        "survey_created_at",
        "approvals",
        "author_groups",
        "blackout_overrides",
    ];
}
