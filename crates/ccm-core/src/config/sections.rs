//! The smaller sections of config.json: S3, e-mail sending and Route 53.

use serde::{Deserialize, Serialize};

use super::checks;
use super::error::Problems;
use super::json_path::empty_as_none;
use crate::ids::{EmailAddress, TopicName};

fn default_calendar_topic() -> TopicName {
    TopicName::parse(crate::routing::CALENDAR_TOPIC).unwrap_or_else(|_| unreachable!("a valid built-in topic name"))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Config {
    pub bucket_name: String,
}

impl S3Config {
    pub(crate) fn validate(&self, p: &mut Problems) {
        if let Err(why) = checks::bucket_name(&self.bucket_name) {
            p.add("s3_config.bucket_name", why);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmarcPolicy {
    None,
    Quarantine,
    Reject,
}

impl DmarcPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Quarantine => "quarantine",
            Self::Reject => "reject",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailConfig {
    /// The `From` address of every mail.
    pub sender_address: EmailAddress,
    /// The display name shown with `sender_address` (`"CCOE Notifications" <notifications@…>`);
    /// without it, mail comes from the bare address.
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    /// The mailbox that organises meetings: the Teams meeting lives in its calendar (Microsoft
    /// Graph), and ICS invitations name it as `ORGANIZER`.
    pub meeting_organizer: EmailAddress,
    /// The SES topic whose opted-in subscribers are invited to change meetings (announcement
    /// meetings invite their type topic). It must be defined in SESConfig.json.
    #[serde(default = "default_calendar_topic")]
    pub calendar_topic: TopicName,
    /// Where links in mail point; stored without a trailing `/`.
    pub portal_base_url: String,
    /// The sending domain (SES identity, DKIM, DMARC).
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The MAIL FROM label under `domain`, e.g. `bounce`.
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub mail_from_subdomain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dmarc_policy: Option<DmarcPolicy>,
    /// The local part (or whole address) receiving DMARC aggregate reports, e.g. `dmarc`.
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub dmarc_report_email: Option<String>,
}

impl EmailConfig {
    /// `portal_base_url` without its trailing `/`, so links are built as `format!("{base}/…")`.
    pub(crate) fn normalize(&mut self) {
        if let Ok(url) = checks::base_url(&self.portal_base_url) {
            self.portal_base_url = url;
        }
    }

    pub(crate) fn validate(&self, p: &mut Problems) {
        if let Err(why) = checks::base_url(&self.portal_base_url) {
            p.add("email_config.portal_base_url", why);
        }
        if let Some(Err(why)) = self.sender_name.as_deref().map(checks::display_name) {
            p.add("email_config.sender_name", why);
        }
        if let Some(Err(why)) = self.domain.as_deref().map(checks::domain) {
            p.add("email_config.domain", why);
        }
        if let Some(Err(why)) = self.mail_from_subdomain.as_deref().map(checks::label) {
            p.add("email_config.mail_from_subdomain", why);
        }
        if let Some(report) = &self.dmarc_report_email {
            let ok = if report.contains('@') {
                EmailAddress::parse(report).is_ok()
            } else {
                !report.chars().any(|c| c.is_whitespace() || c.is_control())
            };
            p.require(
                ok,
                "email_config.dmarc_report_email",
                "must be a local part such as dmarc, or an e-mail address",
            );
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route53Config {
    /// The central hosted zone that holds every customer's DNS records.
    pub zone_id: String,
    /// The role in the DNS account ccm assumes to change records.
    pub role_arn: String,
}

impl Route53Config {
    pub(crate) fn validate(&self, p: &mut Problems) {
        p.require(!self.zone_id.trim().is_empty(), "route53_config.zone_id", "must not be empty");
        if let Err(why) = checks::iam_role_arn(&self.role_arn) {
            p.add("route53_config.role_arn", why);
        }
    }
}
