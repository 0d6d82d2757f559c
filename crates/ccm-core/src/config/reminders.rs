//! `reminders` in config.json: reminders before approved windows start and to approvers of
//! submissions that wait too long ([`crate::reminders`]).
//!
//! ```json
//! "reminders": {
//!   "lead_hours": 24,
//!   "lead_hours_by_topic": { "finops-announce": 48, "general-updates": 0 },
//!   "disabled_customers": ["hts-nonprod"],
//!   "approval_reminder_after_hours": 48
//! }
//! ```
//!
//! Every field is optional; without the section every customer gets a reminder 24 hours before
//! each approved window and approvers one after a submission waited 48 hours. A lead time or wait of
//! 0 turns that reminder off.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use super::error::Problems;
use super::json_path::null_as_default;
use crate::ids::CustomerCode;
use crate::routing;

/// The longest lead time or wait (90 days): a typo such as 2400 is refused rather than mailing
/// everyone about next quarter.
pub const MAX_REMINDER_HOURS: u32 = 2160;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemindersConfig {
    /// Hours before an approved window starts that its audience is reminded; 0 = no window reminders.
    pub lead_hours: u32,
    /// The lead time of the objects announced on a topic (`aws-announce`, `finops-announce`, …),
    /// overriding `lead_hours`; 0 turns that topic's reminders off.
    #[serde(deserialize_with = "null_as_default")]
    pub lead_hours_by_topic: BTreeMap<String, u32>,
    /// Customers who get no reminders of either kind (their status notices are unchanged).
    #[serde(deserialize_with = "null_as_default")]
    pub disabled_customers: Vec<CustomerCode>,
    /// Hours a submission waits for approval before the approval topic is reminded; 0 = never.
    pub approval_reminder_after_hours: u32,
}

impl Default for RemindersConfig {
    fn default() -> Self {
        Self {
            lead_hours: 24,
            lead_hours_by_topic: BTreeMap::new(),
            disabled_customers: Vec::new(),
            approval_reminder_after_hours: 48,
        }
    }
}

/// The topics whose objects have windows to remind of: the audiences of approved objects.
pub const AUDIENCE_TOPICS: &[&str] =
    &[routing::ANNOUNCE_TOPIC, "cic-announce", "finops-announce", "inner-announce", "general-updates"];

impl RemindersConfig {
    /// The lead time of objects announced on `topic`; `None` when their reminders are off.
    pub fn lead(&self, topic: &str) -> Option<TimeDelta> {
        let hours = self.lead_hours_by_topic.get(topic).copied().unwrap_or(self.lead_hours);
        (hours > 0).then(|| TimeDelta::hours(i64::from(hours)))
    }

    /// The longest lead time of any topic: how far ahead the sweep looks.
    pub fn longest_lead(&self) -> Option<TimeDelta> {
        AUDIENCE_TOPICS.iter().filter_map(|t| self.lead(t)).max()
    }

    /// How long a submission waits before approvers are reminded; `None` when off.
    pub fn approval_wait(&self) -> Option<TimeDelta> {
        let hours = self.approval_reminder_after_hours;
        (hours > 0).then(|| TimeDelta::hours(i64::from(hours)))
    }

    pub fn enabled_for(&self, customer: &CustomerCode) -> bool {
        !self.disabled_customers.contains(customer)
    }

    pub(crate) fn validate<T>(&self, customers: &BTreeMap<CustomerCode, T>, p: &mut Problems) {
        let base = "reminders";
        let within = |hours: u32| hours <= MAX_REMINDER_HOURS;
        let too_long = format!("must be between 0 (off) and {MAX_REMINDER_HOURS} hours");
        p.require(within(self.lead_hours), format!("{base}.lead_hours"), too_long.clone());
        p.require(
            within(self.approval_reminder_after_hours),
            format!("{base}.approval_reminder_after_hours"),
            too_long.clone(),
        );
        for (topic, hours) in &self.lead_hours_by_topic {
            let at = format!("{base}.lead_hours_by_topic.{topic}");
            if !AUDIENCE_TOPICS.contains(&topic.as_str()) {
                p.add(
                    at.clone(),
                    format!(
                        "{topic:?} is not a topic approved objects are announced on ({})",
                        AUDIENCE_TOPICS.join(", ")
                    ),
                );
            }
            p.require(within(*hours), at, too_long.clone());
        }
        for (i, code) in self.disabled_customers.iter().enumerate() {
            p.require(
                customers.contains_key(code),
                format!("{base}.disabled_customers.{i}"),
                format!("customer {:?} is not in customer_mappings", code.as_str()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customers() -> BTreeMap<CustomerCode, ()> {
        [(CustomerCode::parse("acme").unwrap(), ())].into()
    }

    fn problems(c: &RemindersConfig) -> Vec<String> {
        let mut p = Problems::default();
        c.validate(&customers(), &mut p);
        p.into_result().err().map(|e| e.errors.into_iter().map(|e| e.field).collect()).unwrap_or_default()
    }

    #[test]
    fn the_defaults_remind_a_day_ahead_and_approvers_after_two_days() {
        let c = RemindersConfig::default();
        assert_eq!(c.lead("aws-announce"), Some(TimeDelta::hours(24)));
        assert_eq!(c.approval_wait(), Some(TimeDelta::hours(48)));
        assert!(problems(&c).is_empty());
    }

    #[test]
    fn a_topic_lead_time_overrides_the_default_and_zero_turns_it_off() {
        let c: RemindersConfig =
            serde_json::from_str(r#"{"lead_hours_by_topic": {"finops-announce": 48, "general-updates": 0}}"#).unwrap();
        assert_eq!(c.lead("finops-announce"), Some(TimeDelta::hours(48)));
        assert_eq!(c.lead("general-updates"), None);
        assert_eq!(c.lead("aws-announce"), Some(TimeDelta::hours(24)));
        assert_eq!(c.longest_lead(), Some(TimeDelta::hours(48)));
    }

    #[test]
    fn bad_values_are_reported_with_their_field() {
        let c: RemindersConfig = serde_json::from_str(
            r#"{"lead_hours": 100000, "approval_reminder_after_hours": 99999,
                "lead_hours_by_topic": {"aws-approval": 2}, "disabled_customers": ["globex"]}"#,
        )
        .unwrap();
        assert_eq!(
            problems(&c),
            [
                "reminders.lead_hours",
                "reminders.approval_reminder_after_hours",
                "reminders.lead_hours_by_topic.aws-approval",
                "reminders.disabled_customers.0"
            ]
        );
    }
}
