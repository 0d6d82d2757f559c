//! What delivery feedback needs in a customer account (`ccm ses configure-events`): the
//! configuration set every notification is sent with, and its SNS event destination (`email-events`,
//! [`EVENTS`](crate::domain::EVENTS)) publishing to ccm's feedback topic. The plan is what differs
//! from that; applying it twice changes nothing the second time. The same set and destination as
//! `ccm domain onboard` makes, so the two commands never undo each other.

use serde::Serialize;

use crate::domain::{EVENT_DESTINATION, SesDomain};
use crate::error::AdminError;

/// One change the account needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum EventsStep {
    /// SES CreateConfigurationSet (TLS required, reputation metrics, bounces and complaints suppressed).
    CreateConfigurationSet { configuration_set: String },
    /// SES Create- (or, when `exists`, Update-) ConfigurationSetEventDestination.
    PutEventDestination { configuration_set: String, destination: String, topic_arn: String, exists: bool },
}

impl std::fmt::Display for EventsStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CreateConfigurationSet { configuration_set } => {
                write!(f, "create configuration set {configuration_set}")
            }
            Self::PutEventDestination { configuration_set, destination, topic_arn, exists } => write!(
                f,
                "{} event destination {destination} of {configuration_set} → {topic_arn}",
                if *exists { "update" } else { "create" }
            ),
        }
    }
}

/// The steps that bring `set` and its destination to `topic_arn` in the account of `ses`.
pub async fn plan(ses: &SesDomain, set: &str, topic_arn: &str) -> Result<Vec<EventsStep>, AdminError> {
    let mut steps = Vec::new();
    let exists = ses.configuration_set_exists(set).await?;
    if !exists {
        steps.push(EventsStep::CreateConfigurationSet { configuration_set: set.to_owned() });
    }
    let destinations = if exists { ses.event_destinations(set).await? } else { Vec::new() };
    let found = destinations.iter().find(|d| d.name == EVENT_DESTINATION);
    if !found.is_some_and(|d| d.is_wanted(topic_arn)) {
        steps.push(EventsStep::PutEventDestination {
            configuration_set: set.to_owned(),
            destination: EVENT_DESTINATION.to_owned(),
            topic_arn: topic_arn.to_owned(),
            exists: found.is_some(),
        });
    }
    Ok(steps)
}

/// Makes the `steps` of [`plan`], in order.
pub async fn apply(ses: &SesDomain, steps: &[EventsStep]) -> Result<(), AdminError> {
    for step in steps {
        match step {
            EventsStep::CreateConfigurationSet { configuration_set } => {
                ses.create_configuration_set(configuration_set).await?
            }
            EventsStep::PutEventDestination { configuration_set, topic_arn, exists, .. } => {
                ses.put_sns_destination(configuration_set, topic_arn, *exists).await?
            }
        }
    }
    Ok(())
}
