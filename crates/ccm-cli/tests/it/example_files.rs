//! The example files shipped with the CLI parse as the commands read them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ccm_admin::alt_contacts::OrgEntry;
use ccm_core::config::{ContactConfig, SesConfig};

fn read(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples-config").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_example_subscription_file_names_only_topics_of_the_shipped_ses_config() {
    let subscriptions: BTreeMap<String, Vec<String>> = serde_json::from_str(&read("SubscriptionConfig.json")).unwrap();
    let ses = SesConfig::from_json(include_str!("../../../../SESConfig.json")).unwrap();
    let topics: Vec<&str> = subscriptions.keys().map(String::as_str).collect();
    ses.require_topics(&topics).unwrap();
    for emails in subscriptions.values() {
        for e in emails {
            ccm_core::EmailAddress::parse(e).unwrap();
        }
    }
}

#[test]
fn the_example_org_and_contact_files_parse() {
    let orgs: Vec<OrgEntry> = serde_json::from_str(&read("OrgConfig.json")).unwrap();
    assert_eq!(orgs.len(), 2);
    let contacts: ContactConfig = serde_json::from_str(&read("ContactConfig.json")).unwrap();
    assert_eq!(contacts.contacts().count(), 3);
}
