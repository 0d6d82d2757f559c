//! Rules that need both files, or the customers taken together: what `ccm config validate` checks on
//! top of each file's own validation.
//!
//! - Two customer codes must not share one SES account in one region: SES allows one contact list
//!   per account and region, so both customers would share a list and each customer's Identity
//!   Center sync would remove the other's contacts.
//! - `additional_contacts` may only name topics SESConfig.json defines.
//! - `email_config.calendar_topic` must be a topic SESConfig.json defines.

use std::collections::{BTreeMap, BTreeSet};

use super::app::AppConfig;
use super::error::{ConfigError, Problems};
use super::ses::SesConfig;
use crate::ids::CustomerCode;

/// Customers whose `ses_role_arn` points at the same account in the same region: `(account,
/// region) → codes`, only for groups of two or more.
pub fn shared_ses_accounts(app: &AppConfig) -> BTreeMap<(String, String), Vec<CustomerCode>> {
    let mut by_account: BTreeMap<(String, String), Vec<CustomerCode>> = BTreeMap::new();
    for (code, c) in &app.customer_mappings {
        by_account.entry((c.account_id().to_owned(), c.region.clone())).or_default().push(code.clone());
    }
    by_account.retain(|_, codes| codes.len() > 1);
    by_account
}

/// The rules above, every problem named by its field.
pub fn validate_together(app: &AppConfig, ses: &SesConfig) -> Result<(), ConfigError> {
    let mut p = Problems::default();
    for ((account, region), codes) in shared_ses_accounts(app) {
        let names: Vec<&str> = codes.iter().map(CustomerCode::as_str).collect();
        for code in &codes {
            p.add(
                format!("customer_mappings.{code}.ses_role_arn"),
                format!(
                    "customers {} share SES account {account} in {region}, so they would share one contact list \
                     and each sync would remove the other's contacts; give each customer its own account or region",
                    names.join(" and ")
                ),
            );
        }
    }
    let defined: BTreeSet<String> = ses.expand().into_iter().map(|t| t.name.as_str().to_owned()).collect();
    let calendar = app.email_config.calendar_topic.as_str();
    p.require(
        defined.contains(calendar),
        "email_config.calendar_topic",
        format!("topic {calendar:?} is not defined in SESConfig.json"),
    );
    for (code, c) in &app.customer_mappings {
        for (i, extra) in c.additional_contacts.iter().enumerate() {
            for (j, topic) in extra.topics.iter().enumerate() {
                p.require(
                    defined.contains(topic.as_str()),
                    format!("customer_mappings.{code}.additional_contacts.{i}.topics.{j}"),
                    format!("topic {:?} is not defined in SESConfig.json", topic.as_str()),
                );
            }
        }
    }
    p.into_result()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const CONFIG: &str = include_str!("../../../../config.json");
    const SES: &str = include_str!("../../../../SESConfig.json");

    fn check(edit: impl FnOnce(&mut Value)) -> Result<(), ConfigError> {
        let mut doc: Value = serde_json::from_str(CONFIG).unwrap();
        edit(&mut doc);
        let app = AppConfig::from_json(&doc.to_string()).unwrap();
        validate_together(&app, &SesConfig::from_json(SES).unwrap())
    }

    #[test]
    fn the_shipped_files_pass_the_cross_checks() {
        check(|_| {}).unwrap();
    }

    #[test]
    fn a_calendar_topic_that_sesconfig_does_not_define_is_refused() {
        let err = check(|doc| doc["email_config"]["calendar_topic"] = json!("team-calendar")).unwrap_err();
        assert!(err.mentions("email_config.calendar_topic"), "{err}");
        check(|doc| doc["email_config"]["calendar_topic"] = json!("aws-announce")).unwrap();
    }

    #[test]
    fn two_customers_on_one_ses_account_and_region_are_refused_naming_both() {
        let err = check(|doc| {
            let role = doc["customer_mappings"]["acme"]["ses_role_arn"].clone();
            doc["customer_mappings"]["globex"]["ses_role_arn"] = role;
            doc["customer_mappings"]["globex"]["region"] = doc["customer_mappings"]["acme"]["region"].clone();
        })
        .unwrap_err();
        assert!(err.mentions("customer_mappings.acme.ses_role_arn"), "{err}");
        assert!(err.mentions("customer_mappings.globex.ses_role_arn"), "{err}");
        assert!(err.to_string().contains("acme and globex"), "{err}");
    }

    #[test]
    fn one_account_in_two_regions_has_two_lists_and_is_accepted() {
        check(|doc| {
            let role = doc["customer_mappings"]["acme"]["ses_role_arn"].clone();
            doc["customer_mappings"]["globex"]["ses_role_arn"] = role;
            doc["customer_mappings"]["globex"]["region"] = json!("eu-central-1");
        })
        .unwrap();
    }

    #[test]
    fn additional_contacts_may_only_name_defined_topics() {
        let err = check(|doc| {
            doc["customer_mappings"]["acme"]["additional_contacts"] =
                json!([{"email": "noc@acme.example.com", "topics": ["aws-calendar", "wiz-calendar"]}]);
        })
        .unwrap_err();
        assert_eq!(err.errors.len(), 1, "{err}");
        assert!(err.mentions("customer_mappings.acme.additional_contacts.0.topics.1"), "{err}");
        assert!(err.to_string().contains("wiz-calendar"), "{err}");
    }
}
