//! One entry of `customer_mappings` in config.json: a customer account ccm sends mail for.

use serde::{Deserialize, Serialize};

use super::checks;
use super::error::Problems;
use super::json_path::{empty_as_none, null_as_default};
use crate::ids::{CustomerCode, EmailAddress, TopicName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Prod,
    Nonprod,
}

/// Someone who receives a customer's mail on the given topics without being in its SES contact list import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdditionalContact {
    pub email: EmailAddress,
    #[serde(default, deserialize_with = "null_as_default")]
    pub topics: Vec<TopicName>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerConfig {
    pub customer_code: CustomerCode,
    pub customer_name: String,
    pub environment: Environment,
    pub region: String,
    /// The role ccm assumes to send through the customer's SES; the account id is derived from it.
    pub ses_role_arn: String,
    /// Deprecated: the account id comes from `ses_role_arn`. Kept so older files load; checked for agreement.
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub aws_account_id: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub sqs_queue_arn: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub identity_center_role_arn: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub deliverability_sns_topic_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dkim_tokens: Option<Vec<String>>,
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub verification_token: Option<String>,
    /// Non-production whitelist: when not empty, only these addresses receive mail.
    #[serde(default, deserialize_with = "null_as_default")]
    pub restricted_recipients: Vec<String>,
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub contact_list_name: Option<String>,
    /// Overrides the SES account's max send rate (messages per second), e.g. to stay below a shared quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_send_rate: Option<f64>,
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub additional_contacts: Vec<AdditionalContact>,
    /// The IANA time zone this customer's readers see times in when their contact carries none
    /// (absent: the object's own zone).
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The SES configuration set every notification is sent with (its event destination publishes
    /// deliveries, bounces and complaints back to ccm); default [`default_configuration_set`].
    #[serde(default, deserialize_with = "empty_as_none", skip_serializing_if = "Option::is_none")]
    pub ses_configuration_set: Option<String>,
}

/// The configuration set `ccm domain onboard` and `ccm ses configure-events` create in a customer
/// account when config names none (the original system's name).
pub fn default_configuration_set(customer: &str) -> String {
    format!("{customer}-ccoe-emails")
}

impl CustomerConfig {
    /// The customer's AWS account id, taken from `ses_role_arn` (validated when the config was loaded).
    pub fn account_id(&self) -> &str {
        self.ses_role_arn.split(':').nth(4).unwrap_or_default()
    }

    /// Whether mail may go to `email`: always when there is no whitelist, otherwise only to listed addresses.
    pub fn is_recipient_allowed(&self, email: &str) -> bool {
        let wanted = email.trim();
        self.restricted_recipients.is_empty()
            || self.restricted_recipients.iter().any(|r| r.trim().eq_ignore_ascii_case(wanted))
    }

    /// The configuration set sends use: `ses_configuration_set`, else the default name.
    pub fn configuration_set(&self) -> String {
        self.ses_configuration_set.clone().unwrap_or_else(|| default_configuration_set(self.customer_code.as_str()))
    }

    /// [`timezone`](Self::timezone) as a zone (validated when the config was loaded).
    pub fn zone(&self) -> Option<chrono_tz::Tz> {
        self.timezone.as_deref().and_then(|z| crate::schedule::parse_zone("timezone", z).ok())
    }

    pub fn is_prod(&self) -> bool {
        self.environment == Environment::Prod
    }

    pub(crate) fn validate(&self, key: &CustomerCode, p: &mut Problems) {
        let at = |name: &str| format!("customer_mappings.{key}.{name}");
        p.require(
            self.customer_code == *key,
            at("customer_code"),
            format!(
                "is {:?} but the entry is keyed {:?}; they must be equal",
                self.customer_code.as_str(),
                key.as_str()
            ),
        );
        p.require(!self.customer_name.trim().is_empty(), at("customer_name"), "must not be empty");
        if let Err(why) = checks::aws_region(&self.region) {
            p.add(at("region"), why);
        }
        match checks::iam_role_arn(&self.ses_role_arn) {
            Ok(account) => self.check_deprecated_account_id(account, p, &at("aws_account_id")),
            Err(why) => p.add(at("ses_role_arn"), why),
        }
        self.validate_optional_arns(p, &at);
        for (i, r) in self.restricted_recipients.iter().enumerate() {
            if let Err(e) = EmailAddress::parse(r) {
                p.add(at(&format!("restricted_recipients.{i}")), e.to_string());
            }
        }
        if let Some(name) = &self.contact_list_name {
            p.require(!name.trim().is_empty(), at("contact_list_name"), "must not be empty when present");
        }
        if let Some(rate) = self.max_send_rate {
            p.require(
                rate.is_finite() && rate > 0.0,
                at("max_send_rate"),
                "must be a positive number of messages per second",
            );
        }
        if let Some(Err(why)) = self.logo_url.as_deref().map(checks::image_url) {
            p.add(at("logo_url"), why);
        }
        if let Some(set) = &self.ses_configuration_set {
            p.require(
                set.len() <= 64 && crate::feedback::is_tag_value(set),
                at("ses_configuration_set"),
                "must be 1-64 ASCII letters, digits, '_' or '-' (an SES configuration set name)",
            );
        }
        if let Some(Err(why)) = self.timezone.as_deref().map(|z| crate::schedule::parse_zone("timezone", z)) {
            p.add(at("timezone"), why.message);
        }
    }

    fn check_deprecated_account_id(&self, from_arn: &str, p: &mut Problems, field: &str) {
        if let Some(id) = &self.aws_account_id {
            p.require(
                id == from_arn,
                field,
                format!(
                    "is {id:?} but ses_role_arn belongs to account {from_arn}; remove the deprecated field or fix it"
                ),
            );
        }
    }

    fn validate_optional_arns(&self, p: &mut Problems, at: &impl Fn(&str) -> String) {
        if let Some(Err(why)) = self.sqs_queue_arn.as_deref().map(|a| checks::regional_arn(a, "sqs")) {
            p.add(at("sqs_queue_arn"), why);
        }
        if let Some(Err(why)) = self.identity_center_role_arn.as_deref().map(checks::iam_role_arn) {
            p.add(at("identity_center_role_arn"), why);
        }
        if let Some(Err(why)) = self.deliverability_sns_topic_arn.as_deref().map(|a| checks::regional_arn(a, "sns")) {
            p.add(at("deliverability_sns_topic_arn"), why);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(restricted: &[&str]) -> CustomerConfig {
        serde_json::from_value(serde_json::json!({
            "customer_code": "acme",
            "customer_name": "Acme",
            "environment": "nonprod",
            "region": "us-east-1",
            "ses_role_arn": "arn:aws:iam::123456789012:role/ccm-ses-sender",
            "restricted_recipients": restricted,
        }))
        .unwrap()
    }

    #[test]
    fn the_configuration_set_defaults_to_the_one_domain_onboarding_creates() {
        assert_eq!(customer(&[]).configuration_set(), "acme-ccoe-emails");
        let mut c = customer(&[]);
        c.ses_configuration_set = Some("ccm-events".into());
        assert_eq!(c.configuration_set(), "ccm-events");
        let mut p = Problems::default();
        c.ses_configuration_set = Some("bad name".into());
        c.validate(&CustomerCode::parse("acme").unwrap(), &mut p);
        assert!(format!("{p:?}").contains("ses_configuration_set"), "{p:?}");
    }

    #[test]
    fn the_account_id_comes_from_the_ses_role_arn() {
        assert_eq!(customer(&[]).account_id(), "123456789012");
    }

    #[test]
    fn an_empty_whitelist_allows_everyone() {
        assert!(customer(&[]).is_recipient_allowed("anyone@example.com"));
    }

    #[test]
    fn a_whitelist_matches_ignoring_case_and_surrounding_space() {
        let c = customer(&[" Jane@Example.com "]);
        assert!(c.is_recipient_allowed("jane@example.COM"));
        assert!(c.is_recipient_allowed("  jane@example.com\n"));
        assert!(!c.is_recipient_allowed("john@example.com"));
    }

    #[test]
    fn null_lists_from_the_original_system_read_as_empty() {
        let c: CustomerConfig = serde_json::from_value(serde_json::json!({
            "customer_code": "acme", "customer_name": "Acme", "environment": "prod", "region": "us-east-1",
            "ses_role_arn": "arn:aws:iam::123456789012:role/x", "restricted_recipients": null, "dkim_tokens": null,
        }))
        .unwrap();
        assert!(c.restricted_recipients.is_empty());
        assert!(c.is_prod());
    }
}
