//! What every AWS command gets: the configuration files, the operator's SDK configuration, the
//! output format and printer, and the progress bars; plus the per-customer clients (assumed roles).

use anyhow::Context as _;
use aws_config::SdkConfig;
use ccm_admin::SesAdmin;
use ccm_admin::ses::SesClient;
use ccm_admin::session::{assume_role, session_name};
use ccm_core::config::{AppConfig, CustomerConfig, SesConfig};

use super::output::{OutputFormat, Printer};
use super::progress::Progress;
use crate::config_files::{ConfigText, parse_app_config, parse_ses_config};

pub struct Ctx {
    /// config.json, read when the context is made (from a path or `s3://bucket/key`).
    pub config: ConfigText,
    /// SESConfig.json, likewise.
    pub ses_config: ConfigText,
    pub sdk: SdkConfig,
    pub output: OutputFormat,
    pub printer: Printer,
    pub progress: Progress,
}

impl Ctx {
    pub fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }

    pub fn app(&self) -> anyhow::Result<AppConfig> {
        parse_app_config(&self.config)
    }

    pub fn topics(&self) -> anyhow::Result<SesConfig> {
        parse_ses_config(&self.ses_config)
    }

    /// The operator's configuration with `role_arn` assumed, in `region`.
    pub async fn assume(&self, role_arn: &str, session: &str, region: &str) -> SdkConfig {
        assume_role(&self.sdk, role_arn, &session_name(session), region).await
    }

    /// SES administration in the customer's account (its `ses_role_arn`, its region).
    pub async fn ses_admin(&self, customer: &CustomerConfig) -> SesAdmin {
        let cfg =
            self.assume(&customer.ses_role_arn, &format!("ccm-cli-{}", customer.customer_code), &customer.region).await;
        SesAdmin::new(SesClient::new(&cfg), customer.contact_list_name.clone())
    }
}

/// Reads and parses a JSON file, naming it in errors.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid", path.display()))
}
