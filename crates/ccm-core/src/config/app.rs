//! `config.json`: the typed application configuration, parsed and validated in one step.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::approval::ApprovalPolicies;
use super::checks;
use super::contact::ContactConfig;
use super::customer::CustomerConfig;
use super::error::{ConfigError, FieldError, Problems};
use super::json_path::{deserialize_all, null_as_default};
use super::portal::PortalConfig;
use super::reminders::RemindersConfig;
use super::sections::{EmailConfig, Route53Config, S3Config};
use crate::ids::CustomerCode;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppConfig {
    /// The central region: the operator CLI's default when neither `--region`, the environment nor
    /// the profile names one. (The original's `log_level` is accepted and ignored, as every unknown
    /// key is: the level comes from `RUST_LOG` or `--log-level`.)
    #[serde(default = "default_region")]
    pub aws_region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_config: Option<S3Config>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub customer_mappings: BTreeMap<CustomerCode, CustomerConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_config: Option<ContactConfig>,
    pub email_config: EmailConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route53_config: Option<Route53Config>,
    #[serde(default)]
    pub portal: PortalConfig,
    /// Who must approve each customer's objects; the default is one approval by any approver.
    #[serde(default)]
    pub approval_policies: ApprovalPolicies,
    /// Reminders before approved windows and to approvers of waiting submissions.
    #[serde(default)]
    pub reminders: RemindersConfig,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

impl AppConfig {
    /// Parses and validates config.json, reporting every problem found. Unknown keys are ignored so
    /// files written for the original system still load. The core does no I/O: callers read the file.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let mut config: Self = deserialize_all(text, "config.json")?;
        config.email_config.normalize();
        config.validate()?;
        Ok(config)
    }

    pub fn customer(&self, code: &CustomerCode) -> Option<&CustomerConfig> {
        self.customer_mappings.get(code)
    }

    /// A customer code from outside (a form, a query, a CLI flag): well-formed and configured.
    pub fn parse_customer(&self, raw: &str) -> Result<CustomerCode, FieldError> {
        let code = CustomerCode::parse(raw.trim())
            .map_err(|e| FieldError::new("customer", format!("{raw:?} is not a valid customer code: {e}")))?;
        if self.customer_mappings.contains_key(&code) {
            Ok(code)
        } else {
            Err(FieldError::new("customer", format!("customer {:?} is not configured", code.as_str())))
        }
    }

    pub fn customer_codes(&self) -> impl Iterator<Item = &CustomerCode> {
        self.customer_mappings.keys()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Problems::default();
        if self.aws_region.trim().is_empty() {
            p.add("aws_region", "must not be empty");
        } else if let Err(why) = checks::aws_region(&self.aws_region) {
            p.add("aws_region", why);
        }
        if let Some(s3) = &self.s3_config {
            s3.validate(&mut p);
        }
        p.require(!self.customer_mappings.is_empty(), "customer_mappings", "must list at least one customer");
        for (code, customer) in &self.customer_mappings {
            customer.validate(code, &mut p);
        }
        if let Some(contacts) = &self.contact_config {
            contacts.validate(&mut p);
        }
        self.email_config.validate(&mut p);
        if let Some(route53) = &self.route53_config {
            route53.validate(&mut p);
        }
        self.portal.validate(&self.customer_mappings, &mut p);
        self.approval_policies.validate(&self.customer_mappings, &self.portal.role_mappings, &mut p);
        self.reminders.validate(&self.customer_mappings, &mut p);
        p.into_result()
    }
}
