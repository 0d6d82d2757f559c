//! `contact_config` in config.json: the alternate contacts (security, billing, operations) set on
//! customer accounts. The file keeps the original's flat keys (`security_email`, `billing_phone`…).

use serde::{Deserialize, Serialize};

use super::error::Problems;
use crate::ids::EmailAddress;

/// One AWS alternate contact. AWS requires all four values; the e-mail is what identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlternateContact {
    pub email: String,
    pub name: String,
    pub title: String,
    pub phone: String,
}

/// A contact type is present when any of its four keys has a value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "FlatContactConfig", into = "FlatContactConfig")]
pub struct ContactConfig {
    pub security: Option<AlternateContact>,
    pub billing: Option<AlternateContact>,
    pub operations: Option<AlternateContact>,
}

impl ContactConfig {
    /// The contacts that are set, with their AWS type name (`SECURITY`, `BILLING`, `OPERATIONS`).
    pub fn contacts(&self) -> impl Iterator<Item = (&'static str, &AlternateContact)> {
        [("SECURITY", &self.security), ("BILLING", &self.billing), ("OPERATIONS", &self.operations)]
            .into_iter()
            .filter_map(|(kind, c)| c.as_ref().map(|c| (kind, c)))
    }

    pub(crate) fn validate(&self, p: &mut Problems) {
        for (kind, contact) in self.contacts() {
            let prefix = format!("contact_config.{}", kind.to_lowercase());
            if let Err(e) = EmailAddress::parse(&contact.email) {
                p.add(format!("{prefix}_email"), e.to_string());
            }
            p.require(!contact.name.trim().is_empty(), format!("{prefix}_name"), "must not be empty");
            p.require(!contact.phone.trim().is_empty(), format!("{prefix}_phone"), "must not be empty");
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct FlatContactConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    billing_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    billing_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    billing_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    billing_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operations_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operations_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operations_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operations_phone: Option<String>,
}

fn contact(
    email: Option<String>,
    name: Option<String>,
    title: Option<String>,
    phone: Option<String>,
) -> Option<AlternateContact> {
    let values = [email, name, title, phone].map(|v| v.map(|s| s.trim().to_owned()).unwrap_or_default());
    if values.iter().all(String::is_empty) {
        return None;
    }
    let [email, name, title, phone] = values;
    Some(AlternateContact { email, name, title, phone })
}

fn split(c: Option<AlternateContact>) -> [Option<String>; 4] {
    match c {
        Some(c) => [Some(c.email), Some(c.name), Some(c.title), Some(c.phone)],
        None => [None, None, None, None],
    }
}

impl From<FlatContactConfig> for ContactConfig {
    fn from(f: FlatContactConfig) -> Self {
        Self {
            security: contact(f.security_email, f.security_name, f.security_title, f.security_phone),
            billing: contact(f.billing_email, f.billing_name, f.billing_title, f.billing_phone),
            operations: contact(f.operations_email, f.operations_name, f.operations_title, f.operations_phone),
        }
    }
}

impl From<ContactConfig> for FlatContactConfig {
    fn from(c: ContactConfig) -> Self {
        let [security_email, security_name, security_title, security_phone] = split(c.security);
        let [billing_email, billing_name, billing_title, billing_phone] = split(c.billing);
        let [operations_email, operations_name, operations_title, operations_phone] = split(c.operations);
        Self {
            security_email,
            security_name,
            security_title,
            security_phone,
            billing_email,
            billing_name,
            billing_title,
            billing_phone,
            operations_email,
            operations_name,
            operations_title,
            operations_phone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_keys_become_one_contact_per_type_and_round_trip() {
        let json = serde_json::json!({
            "security_email": "sec@example.com", "security_name": "Sec Team", "security_title": "CISO",
            "security_phone": "+1-555-0100", "billing_email": "", "operations_name": "Ops",
        });
        let c: ContactConfig = serde_json::from_value(json).unwrap();
        assert_eq!(c.security.as_ref().unwrap().title, "CISO");
        assert_eq!(c.billing, None, "an all-empty type is absent");
        assert_eq!(c.operations.as_ref().unwrap().name, "Ops");
        let back: ContactConfig = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn a_contact_without_a_valid_email_is_reported_on_its_flat_key() {
        let c: ContactConfig = serde_json::from_value(serde_json::json!({"operations_name": "Ops"})).unwrap();
        let mut p = Problems::default();
        c.validate(&mut p);
        let err = p.into_result().unwrap_err();
        assert!(err.mentions("contact_config.operations_email"), "{err}");
        assert!(err.mentions("contact_config.operations_phone"), "{err}");
    }
}
