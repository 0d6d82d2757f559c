//! The contact-list backup file, in the original's format (§1.5) so either system reads the other's
//! backups: `ses-backup-{list}-{YYYYMMDD-HHMMSS}.json` holding
//! `{contact_list{name, description, topics, created_at, updated_at}, contacts[{email_address,
//! topic_preferences, unsubscribe_all}], backup_metadata{timestamp, tool, action}}`.
//!
//! ccm adds `attributes_data` to each contact (the managed marker), optional on reading.

use ccm_core::config::SubscriptionStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::contact::ContactRecord;
use super::ses::{ListInfo, TopicInfo};

pub const TOOL: &str = "ccm";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    pub contact_list: BackupList,
    #[serde(default)]
    pub contacts: Vec<BackupContact>,
    pub backup_metadata: BackupMetadata,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupList {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub topics: Vec<TopicInfo>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupContact {
    pub email_address: String,
    #[serde(default)]
    pub topic_preferences: Vec<BackupPreference>,
    #[serde(default)]
    pub unsubscribe_all: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupPreference {
    #[serde(rename = "TopicName")]
    pub topic_name: String,
    #[serde(rename = "SubscriptionStatus")]
    pub subscription_status: SubscriptionStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupMetadata {
    pub timestamp: String,
    pub tool: String,
    pub action: String,
}

impl BackupFile {
    pub fn new(list: &ListInfo, contacts: &[ContactRecord], now: DateTime<Utc>, action: &str) -> Self {
        Self {
            contact_list: BackupList {
                name: list.name.clone(),
                description: list.description.clone(),
                topics: list.topics.clone(),
                created_at: list.created_at.clone(),
                updated_at: list.updated_at.clone(),
            },
            contacts: contacts.iter().map(BackupContact::from).collect(),
            backup_metadata: BackupMetadata {
                timestamp: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                tool: TOOL.to_owned(),
                action: action.to_owned(),
            },
        }
    }

    /// `ses-backup-{list}-{YYYYMMDD-HHMMSS}.json`.
    pub fn file_name(list: &str, now: DateTime<Utc>) -> String {
        let safe: String =
            list.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        format!("ses-backup-{safe}-{}.json", now.format("%Y%m%d-%H%M%S"))
    }

    pub fn records(&self) -> Vec<ContactRecord> {
        self.contacts.iter().map(ContactRecord::from).collect()
    }
}

impl From<&ContactRecord> for BackupContact {
    fn from(c: &ContactRecord) -> Self {
        Self {
            email_address: c.email.clone(),
            topic_preferences: c
                .topic_preferences
                .iter()
                .map(|(t, s)| BackupPreference { topic_name: t.clone(), subscription_status: *s })
                .collect(),
            unsubscribe_all: c.unsubscribe_all,
            attributes_data: c.attributes_data.clone(),
        }
    }
}

impl From<&BackupContact> for ContactRecord {
    fn from(c: &BackupContact) -> Self {
        Self {
            email: c.email_address.clone(),
            topic_preferences: c
                .topic_preferences
                .iter()
                .map(|p| (p.topic_name.clone(), p.subscription_status))
                .collect(),
            unsubscribe_all: c.unsubscribe_all,
            attributes_data: c.attributes_data.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backup as the original Go tool wrote it (Go field names for the SDK types).
    const ORIGINAL: &str = r#"{
      "contact_list": {"name": "ccoe-customer-contacts", "description": null,
        "topics": [{"TopicName": "aws-announce", "DisplayName": "AWS Announcements", "Description": "Receive AWS announcements",
                    "DefaultSubscriptionStatus": "OPT_IN"}],
        "created_at": "2025-09-01T10:00:00.123456789Z", "updated_at": "2025-09-02T10:00:00Z"},
      "contacts": [{"email_address": "jane@example.com",
                    "topic_preferences": [{"TopicName": "aws-announce", "SubscriptionStatus": "OPT_OUT"}],
                    "unsubscribe_all": false}],
      "backup_metadata": {"timestamp": "2025-09-03T12:00:00Z", "tool": "ccoe-customer-contact-manager", "action": "manage-topic-all"}
    }"#;

    #[test]
    fn a_backup_written_by_the_original_reads() {
        let b: BackupFile = serde_json::from_str(ORIGINAL).unwrap();
        assert_eq!(b.contact_list.topics[0].default_status, SubscriptionStatus::OptIn);
        let records = b.records();
        assert_eq!(records[0].topic_preferences["aws-announce"], SubscriptionStatus::OptOut);
        assert_eq!(records[0].attributes_data, None);
    }

    #[test]
    fn a_backup_round_trips_through_json() {
        let b: BackupFile = serde_json::from_str(ORIGINAL).unwrap();
        let again: BackupFile = serde_json::from_str(&serde_json::to_string_pretty(&b).unwrap()).unwrap();
        assert_eq!(again, b);
    }

    #[test]
    fn file_names_carry_the_list_and_the_time() {
        let now = "2026-01-02T03:04:05Z".parse().unwrap();
        assert_eq!(BackupFile::file_name("acme/list", now), "ses-backup-acme_list-20260102-030405.json");
    }
}
