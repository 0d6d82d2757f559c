//! Configuration files: `config.json` ([`AppConfig`]) and `SESConfig.json` ([`SesConfig`]).
//!
//! Both are parsed from text (the core does no I/O) and validated in one step; a [`ConfigError`]
//! lists every problem, each naming its field, so a bad file fails at start-up with all of them.

mod app;
mod approval;
mod checks;
mod contact;
mod cross;
mod customer;
mod error;
mod json_path;
mod portal;
mod reminders;
mod sections;
mod ses;

#[cfg(test)]
mod app_tests;

pub use app::AppConfig;
pub use approval::{ApprovalPolicies, ApprovalPolicy, MAX_QUORUM};
pub use contact::{AlternateContact, ContactConfig};
pub use cross::{shared_ses_accounts, validate_together};
pub use customer::{AdditionalContact, CustomerConfig, Environment, default_configuration_set};
pub use error::{ConfigError, FieldError};
pub use portal::{DemoUser, PortalConfig};
pub use reminders::{AUDIENCE_TOPICS, MAX_REMINDER_HOURS, RemindersConfig};
pub use sections::{DmarcPolicy, EmailConfig, Route53Config, S3Config};
pub use ses::{ExpandedTopic, SesConfig, SesTopic, SubscriptionStatus};
