//! `SESConfig.json`: the SES topics of every customer's contact list (reference §7.5, §10.2).
//! Keys keep the original's PascalCase so the same file serves both systems.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::error::{ConfigError, FieldError, Problems};
use super::json_path::{deserialize_all, null_as_default};
use crate::ids::TopicName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionStatus {
    #[serde(rename = "OPT_IN")]
    OptIn,
    #[serde(rename = "OPT_OUT")]
    OptOut,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OptIn => "OPT_IN",
            Self::OptOut => "OPT_OUT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SesTopic {
    #[serde(rename = "TopicName")]
    pub topic_name: TopicName,
    #[serde(rename = "DisplayName", default)]
    pub display_name: String,
    #[serde(rename = "Description", default)]
    pub description: String,
    #[serde(rename = "DefaultSubscriptionStatus")]
    pub default_subscription_status: SubscriptionStatus,
    /// Identity Center role names (`security`, `devops`…) whose holders are opted in on import.
    #[serde(rename = "OptInRoles", default, deserialize_with = "null_as_default")]
    pub opt_in_roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SesConfig {
    #[serde(default, deserialize_with = "null_as_default")]
    pub topic_group_prefix: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub topic_group_members: Vec<SesTopic>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub topics: Vec<SesTopic>,
}

/// A topic as it exists in a contact list, after group prefixes have been applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandedTopic {
    pub name: TopicName,
    pub display_name: String,
    pub description: String,
    pub default_status: SubscriptionStatus,
    pub opt_in_roles: Vec<String>,
}

impl ExpandedTopic {
    pub fn opts_in_role(&self, role: &str) -> bool {
        let role = role.trim();
        self.opt_in_roles.iter().any(|r| r.trim().eq_ignore_ascii_case(role))
    }
}

impl SesConfig {
    /// Parses and validates SESConfig.json, reporting every problem found.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let config: Self = deserialize_all(text, "SESConfig.json")?;
        config.validate()?;
        Ok(config)
    }

    /// Every topic of a contact list: each prefix × each group member, then the standalone topics.
    pub fn expand(&self) -> Vec<ExpandedTopic> {
        self.expand_checked().0
    }

    /// Fails naming every topic in `names` that the file does not define (after expansion).
    pub fn require_topics(&self, names: &[&str]) -> Result<(), ConfigError> {
        let defined: BTreeSet<String> = self.expand().into_iter().map(|t| t.name.as_str().to_owned()).collect();
        let errors: Vec<FieldError> = names
            .iter()
            .filter(|n| !defined.contains(**n))
            .map(|n| {
                FieldError::new("topics", format!("topic {n:?} is required but SESConfig.json does not define it"))
            })
            .collect();
        if errors.is_empty() { Ok(()) } else { Err(ConfigError { errors }) }
    }

    /// The expanded topics, and the problems met building them (a prefixed name that is not a valid topic name).
    fn expand_checked(&self) -> (Vec<ExpandedTopic>, Vec<FieldError>) {
        let mut topics = Vec::new();
        let mut problems = Vec::new();
        for (p, prefix) in self.topic_group_prefix.iter().enumerate() {
            for (m, member) in self.topic_group_members.iter().enumerate() {
                match grouped(prefix, member) {
                    Ok(t) => topics.push(t),
                    Err(e) => problems.push(FieldError::new(
                        format!("topic_group_members.{m}.TopicName"),
                        format!("with prefix {p} ({prefix:?}): {e}"),
                    )),
                }
            }
        }
        topics.extend(self.topics.iter().map(standalone));
        (topics, problems)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Problems::default();
        for (i, prefix) in self.topic_group_prefix.iter().enumerate() {
            let ok = !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            p.require(
                ok,
                format!("topic_group_prefix.{i}"),
                format!("{prefix:?} must be lower-case letters and digits"),
            );
        }
        let (topics, problems) = self.expand_checked();
        for e in problems {
            p.add(e.field, e.message);
        }
        let mut seen = BTreeSet::new();
        for t in &topics {
            p.require(
                seen.insert(t.name.as_str()),
                "topics",
                format!("topic {:?} is defined more than once", t.name.as_str()),
            );
        }
        p.require(!topics.is_empty(), "topics", "must define at least one topic");
        p.into_result()
    }
}

fn grouped(prefix: &str, member: &SesTopic) -> Result<ExpandedTopic, crate::ids::IdError> {
    let upper = prefix.to_uppercase();
    Ok(ExpandedTopic {
        name: TopicName::parse(&format!("{prefix}-{}", member.topic_name))?,
        display_name: format!("{upper} {}", member.display_name).trim_end().to_owned(),
        description: insert_after_first_word(&member.description, &upper),
        default_status: member.default_subscription_status,
        opt_in_roles: member.opt_in_roles.clone(),
    })
}

fn standalone(t: &SesTopic) -> ExpandedTopic {
    ExpandedTopic {
        name: t.topic_name.clone(),
        display_name: t.display_name.clone(),
        description: t.description.clone(),
        default_status: t.default_subscription_status,
        opt_in_roles: t.opt_in_roles.clone(),
    }
}

/// "Receive calendar invites" + "AWS" → "Receive AWS calendar invites", as the original did.
fn insert_after_first_word(description: &str, word: &str) -> String {
    match description.trim().split_once(' ') {
        Some((first, rest)) => format!("{first} {word} {}", rest.trim_start()),
        None if description.trim().is_empty() => word.to_owned(),
        None => format!("{} {word}", description.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../../SESConfig.json");

    fn names(config: &SesConfig) -> Vec<String> {
        config.expand().into_iter().map(|t| t.name.as_str().to_owned()).collect()
    }

    #[test]
    fn the_shipped_ses_config_parses_and_validates() {
        SesConfig::from_json(SHIPPED).unwrap();
    }

    #[test]
    fn expansion_gives_the_aws_group_then_the_standalone_topics() {
        let config = SesConfig::from_json(SHIPPED).unwrap();
        assert_eq!(
            names(&config),
            [
                "aws-calendar",
                "aws-announce",
                "aws-approval",
                "announce-approval",
                "cic-announce",
                "finops-announce",
                "inner-announce",
                "general-updates",
                "subscription-preferences",
            ]
        );
    }

    #[test]
    fn grouped_topics_carry_the_upper_case_prefix_in_display_name_and_description() {
        let config = SesConfig::from_json(SHIPPED).unwrap();
        let calendar = config.expand().into_iter().find(|t| t.name.as_str() == "aws-calendar").unwrap();
        assert!(calendar.display_name.starts_with("AWS "), "{}", calendar.display_name);
        assert_eq!(calendar.description.split(' ').nth(1), Some("AWS"), "{}", calendar.description);
        assert_eq!(calendar.default_status, SubscriptionStatus::OptOut);
        assert!(calendar.opts_in_role("DevOps"));
        assert!(!calendar.opts_in_role("finance"));
    }

    #[test]
    fn the_shipped_file_defines_the_topics_ccm_sends_to() {
        let config = SesConfig::from_json(SHIPPED).unwrap();
        config.require_topics(&["aws-calendar", "aws-announce", "aws-approval", "announce-approval"]).unwrap();
    }

    #[test]
    fn requiring_missing_topics_names_each_of_them() {
        let config = SesConfig::from_json(SHIPPED).unwrap();
        let err = config.require_topics(&["aws-calendar", "wiz-calendar", "nope"]).unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert!(err.to_string().contains("wiz-calendar") && err.to_string().contains("nope"), "{err}");
        assert!(err.mentions("topics"));
    }

    #[test]
    fn statuses_use_the_original_spelling() {
        assert_eq!(serde_json::to_string(&SubscriptionStatus::OptIn).unwrap(), "\"OPT_IN\"");
        assert_eq!(serde_json::from_str::<SubscriptionStatus>("\"OPT_OUT\"").unwrap(), SubscriptionStatus::OptOut);
    }

    #[test]
    fn a_description_gets_the_prefix_after_its_first_word() {
        assert_eq!(insert_after_first_word("Receive calendar invites", "AWS"), "Receive AWS calendar invites");
        assert_eq!(insert_after_first_word("Calendar", "WIZ"), "Calendar WIZ");
        assert_eq!(insert_after_first_word("", "AWS"), "AWS");
    }

    fn topic(name: &str) -> serde_json::Value {
        serde_json::json!({"TopicName": name, "DisplayName": name, "Description": "d", "DefaultSubscriptionStatus": "OPT_IN"})
    }

    #[test]
    fn a_topic_that_duplicates_an_expanded_one_is_refused() {
        let text = serde_json::json!({
            "topic_group_prefix": ["aws"], "topic_group_members": [topic("calendar")], "topics": [topic("aws-calendar")],
        })
        .to_string();
        let err = SesConfig::from_json(&text).unwrap_err();
        assert!(err.mentions("topics") && err.to_string().contains("aws-calendar"), "{err}");
    }

    #[test]
    fn prefixes_must_be_lower_case_alphanumerics() {
        let text =
            serde_json::json!({"topic_group_prefix": ["AWS", "wiz-x"], "topic_group_members": [topic("calendar")]})
                .to_string();
        let err = SesConfig::from_json(&text).unwrap_err();
        assert!(err.mentions("topic_group_prefix.0") && err.mentions("topic_group_prefix.1"), "{err}");
    }

    #[test]
    fn invalid_topic_names_are_reported_with_their_position() {
        let text = serde_json::json!({"topics": [topic("ok"), topic("not ok"), topic("also/bad")]}).to_string();
        let err = SesConfig::from_json(&text).unwrap_err();
        assert!(err.mentions("topics.1.TopicName") && err.mentions("topics.2.TopicName"), "{err}");
    }

    #[test]
    fn unknown_keys_and_null_lists_are_tolerated() {
        let text = r#"{"topic_group_prefix": null, "topics": [{"TopicName": "x", "DefaultSubscriptionStatus": "OPT_IN",
            "OptInRoles": null, "Legacy": true}], "comment": "old"}"#;
        let config = SesConfig::from_json(text).unwrap();
        assert_eq!(names(&config), ["x"]);
    }
}
