//! A customer account's SES side of the sending domain: the domain identity with Easy DKIM, its
//! legacy verification token (the `_amazonses` TXT, SES v1: SES v2 has no API for it), the custom
//! MAIL FROM domain, and a configuration set with an SNS event destination.

use aws_config::SdkConfig;
use aws_sdk_sesv2::types::{
    BehaviorOnMxFailure, DeliveryOptions, EventDestinationDefinition, EventType, ReputationOptions, SendingOptions,
    SnsDestination, SuppressionListReason, SuppressionOptions, TlsPolicy,
};
use serde::Serialize;

use super::error::{AdminError, optional};

/// The events sent to the deliverability SNS topic.
pub const EVENTS: &[EventType] = &[
    EventType::Bounce,
    EventType::Complaint,
    EventType::Delivery,
    EventType::Send,
    EventType::Reject,
    EventType::Open,
    EventType::Click,
];

pub const EVENT_DESTINATION: &str = "email-events";

/// The configuration set ccm creates in a customer account (the original's name) when config.json
/// names none (`ses_configuration_set`; [`ccm_core::config::CustomerConfig::configuration_set`]).
pub fn configuration_set_name(customer: &str) -> String {
    ccm_core::config::default_configuration_set(customer)
}

/// One event destination of a configuration set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventDestination {
    pub name: String,
    pub enabled: bool,
    pub sns_topic_arn: Option<String>,
    pub events: Vec<String>,
}

impl EventDestination {
    /// Whether this is ccm's destination, enabled, sending [`EVENTS`] to `topic_arn`.
    pub fn is_wanted(&self, topic_arn: &str) -> bool {
        let wanted: std::collections::BTreeSet<&str> = EVENTS.iter().map(|e| e.as_str()).collect();
        let have: std::collections::BTreeSet<&str> = self.events.iter().map(String::as_str).collect();
        self.name == EVENT_DESTINATION
            && self.enabled
            && self.sns_topic_arn.as_deref() == Some(topic_arn)
            && have == wanted
    }
}

/// What SES says about the domain identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct DomainStatus {
    pub domain: String,
    pub verified_for_sending: bool,
    pub verification_status: Option<String>,
    pub dkim_status: Option<String>,
    pub dkim_tokens: Vec<String>,
    pub mail_from_domain: Option<String>,
    pub mail_from_status: Option<String>,
    pub configuration_set: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SesDomain {
    pub(crate) v2: aws_sdk_sesv2::Client,
    v1: aws_sdk_ses::Client,
}

impl SesDomain {
    /// Clients for `cfg` (the customer's SES role assumed, in its region).
    pub fn new(cfg: &SdkConfig) -> Self {
        Self { v2: aws_sdk_sesv2::Client::new(cfg), v1: aws_sdk_ses::Client::new(cfg) }
    }

    pub async fn status(&self, domain: &str) -> Result<Option<DomainStatus>, AdminError> {
        let out = optional(
            self.v2
                .get_email_identity()
                .email_identity(domain)
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("SES GetEmailIdentity", e)),
        )?;
        Ok(out.map(|o| {
            let dkim = o.dkim_attributes();
            let mail_from = o.mail_from_attributes();
            DomainStatus {
                domain: domain.to_owned(),
                verified_for_sending: o.verified_for_sending_status(),
                verification_status: o.verification_status().map(|s| s.as_str().to_owned()),
                dkim_status: dkim.and_then(|d| d.status()).map(|s| s.as_str().to_owned()),
                dkim_tokens: dkim.map(|d| d.tokens().to_vec()).unwrap_or_default(),
                mail_from_domain: mail_from.map(|m| m.mail_from_domain().to_owned()),
                mail_from_status: mail_from.map(|m| m.mail_from_domain_status().as_str().to_owned()),
                configuration_set: o.configuration_set_name().map(str::to_owned),
            }
        }))
    }

    /// Creates the domain identity with Easy DKIM (SES generates the keys); an existing one is kept.
    pub async fn create_identity(&self, domain: &str) -> Result<DomainStatus, AdminError> {
        match self.v2.create_email_identity().email_identity(domain).send().await {
            Ok(_) => {}
            Err(e) => {
                let e = AdminError::from_sdk("SES CreateEmailIdentity", e);
                if !e.is_already_exists() {
                    return Err(e);
                }
            }
        }
        self.status(domain).await?.ok_or_else(|| AdminError::new("SES GetEmailIdentity", format!("{domain} vanished")))
    }

    /// The `_amazonses` verification token SES has for the domain, if any.
    pub async fn verification_token(&self, domain: &str) -> Result<Option<String>, AdminError> {
        let out = self
            .v1
            .get_identity_verification_attributes()
            .identities(domain)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES GetIdentityVerificationAttributes", e))?;
        Ok(out.verification_attributes().get(domain).and_then(|a| a.verification_token()).map(str::to_owned))
    }

    /// SES v1 VerifyDomainIdentity: the domain's verification token (the existing one when there is).
    pub async fn verify_domain(&self, domain: &str) -> Result<String, AdminError> {
        let out = self
            .v1
            .verify_domain_identity()
            .domain(domain)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES VerifyDomainIdentity", e))?;
        Ok(out.verification_token().to_owned())
    }

    /// MAIL FROM `mail_from` for the identity; on an MX failure SES falls back to its own domain.
    pub async fn set_mail_from(&self, domain: &str, mail_from: &str) -> Result<(), AdminError> {
        self.v2
            .put_email_identity_mail_from_attributes()
            .email_identity(domain)
            .mail_from_domain(mail_from)
            .behavior_on_mx_failure(BehaviorOnMxFailure::UseDefaultValue)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES PutEmailIdentityMailFromAttributes", e))?;
        Ok(())
    }

    pub async fn configuration_set_exists(&self, name: &str) -> Result<bool, AdminError> {
        let out = optional(
            self.v2
                .get_configuration_set()
                .configuration_set_name(name)
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("SES GetConfigurationSet", e)),
        )?;
        Ok(out.is_some())
    }

    /// Creates the configuration set: TLS required, reputation metrics on, sending on, bounces and
    /// complaints suppressed.
    pub async fn create_configuration_set(&self, name: &str) -> Result<(), AdminError> {
        self.v2
            .create_configuration_set()
            .configuration_set_name(name)
            .delivery_options(DeliveryOptions::builder().tls_policy(TlsPolicy::Require).build())
            .reputation_options(ReputationOptions::builder().reputation_metrics_enabled(true).build())
            .sending_options(SendingOptions::builder().sending_enabled(true).build())
            .suppression_options(
                SuppressionOptions::builder()
                    .suppressed_reasons(SuppressionListReason::Bounce)
                    .suppressed_reasons(SuppressionListReason::Complaint)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES CreateConfigurationSet", e))?;
        Ok(())
    }

    /// The `email-events` destination to `topic_arn`: created, or updated when `exists`.
    pub async fn put_sns_destination(&self, set: &str, topic_arn: &str, exists: bool) -> Result<(), AdminError> {
        let sns = SnsDestination::builder()
            .topic_arn(topic_arn)
            .build()
            .map_err(|e| AdminError::new("SNS destination", e.to_string()))?;
        let definition = EventDestinationDefinition::builder()
            .enabled(true)
            .set_matching_event_types(Some(EVENTS.to_vec()))
            .sns_destination(sns)
            .build();
        if exists {
            self.v2
                .update_configuration_set_event_destination()
                .configuration_set_name(set)
                .event_destination_name(EVENT_DESTINATION)
                .event_destination(definition)
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("SES UpdateConfigurationSetEventDestination", e))?;
        } else {
            self.v2
                .create_configuration_set_event_destination()
                .configuration_set_name(set)
                .event_destination_name(EVENT_DESTINATION)
                .event_destination(definition)
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("SES CreateConfigurationSetEventDestination", e))?;
        }
        Ok(())
    }

    /// The set's event destinations.
    pub async fn event_destinations(&self, set: &str) -> Result<Vec<EventDestination>, AdminError> {
        let out = self
            .v2
            .get_configuration_set_event_destinations()
            .configuration_set_name(set)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES GetConfigurationSetEventDestinations", e))?;
        Ok(out
            .event_destinations()
            .iter()
            .map(|d| EventDestination {
                name: d.name().to_owned(),
                enabled: d.enabled(),
                sns_topic_arn: d.sns_destination().map(|s| s.topic_arn().to_owned()),
                events: d.matching_event_types().iter().map(|e| e.as_str().to_owned()).collect(),
            })
            .collect())
    }

    /// Mail from the identity uses `set` by default.
    pub async fn assign_configuration_set(&self, domain: &str, set: &str) -> Result<(), AdminError> {
        self.v2
            .put_email_identity_configuration_set_attributes()
            .email_identity(domain)
            .configuration_set_name(set)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES PutEmailIdentityConfigurationSetAttributes", e))?;
        Ok(())
    }
}
