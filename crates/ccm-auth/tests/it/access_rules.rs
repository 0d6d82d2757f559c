//! From a verified assertion to a session user: domains, roles, customer scope.

use std::collections::BTreeMap;

use crate::common::{self, rules};
use ccm_auth::saml::access::session_user;
use ccm_auth::saml::{AccessError, VerifiedAssertion};
use ccm_core::{CustomerCode, Role};
use chrono::Utc;

fn assertion(email: &str, attributes: &[(&str, &[&str])]) -> VerifiedAssertion {
    VerifiedAssertion {
        assertion_id: "_a".into(),
        name_id: email.into(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect::<BTreeMap<_, _>>(),
        valid_until: Utc::now(),
    }
}

fn codes(list: &[&str]) -> Option<Vec<CustomerCode>> {
    Some(list.iter().map(|c| CustomerCode::parse(c).unwrap()).collect())
}

#[test]
fn groups_map_to_the_union_of_their_roles_and_unknown_groups_are_ignored() {
    let a = assertion("Dana@Example.com", &[("groups", &["ccm-authors", "ccm-approvers", "someone-elses"])]);
    let user = session_user(&a, &rules()).unwrap();
    assert_eq!(user.roles, [Role::Viewer, Role::Author, Role::Approver]);
    assert_eq!(user.customers, None, "no customerCode: every customer");
    assert_eq!(user.name, "dana@example.com", "no name attribute: the address");
    assert_eq!(user.groups, ["ccm-approvers", "ccm-authors"], "only mapped groups reach the session");
}

#[test]
fn a_mixed_case_email_is_stored_lower_case_and_its_domain_compared_case_insensitively() {
    let a = assertion("Dana.Smith@EXAMPLE.Com", &[("groups", &["ccm-authors"]), ("name", &["Dana Smith"])]);
    let user = session_user(&a, &rules()).unwrap();
    assert_eq!(user.email, "dana.smith@example.com");
    assert_eq!(user.name, "Dana Smith", "the display name keeps its spelling");
}

#[test]
fn a_user_without_a_mapped_group_is_refused() {
    let a = assertion("dana@example.com", &[("groups", &["someone-elses"])]);
    assert_eq!(session_user(&a, &rules()), Err(AccessError::NoRole));
    assert_eq!(session_user(&assertion("dana@example.com", &[]), &rules()), Err(AccessError::NoRole));
}

#[test]
fn only_allowed_email_domains_may_sign_in() {
    let a = assertion("dana@example.org", &[("groups", &["ccm-admins"])]);
    assert_eq!(session_user(&a, &rules()), Err(AccessError::DomainNotAllowed("example.org".into())));
    let sub = assertion("dana@evil.example.com", &[("groups", &["ccm-admins"])]);
    assert!(session_user(&sub, &rules()).is_err(), "a subdomain is another domain");
    let not_email = assertion("dana", &[("groups", &["ccm-admins"])]);
    assert_eq!(session_user(&not_email, &rules()), Err(AccessError::NotAnEmail));
}

#[test]
fn a_comma_separated_customer_code_scopes_the_user_and_unknown_codes_are_dropped() {
    let a = assertion(
        "cathy@example.com",
        &[("groups", &["ccm-authors"]), ("customerCode", &["acme, nope ,globex", "acme"]), ("name", &["Cathy"])],
    );
    let user = session_user(&a, &rules()).unwrap();
    assert_eq!(user.customers, codes(&["acme", "globex"]));
    assert_eq!(user.name, "Cathy");
}

#[test]
fn a_customer_code_naming_no_configured_customer_refuses_instead_of_widening_the_scope() {
    let a = assertion("cathy@example.com", &[("groups", &["ccm-authors"]), ("customerCode", &["nope", "../x"])]);
    assert_eq!(session_user(&a, &rules()), Err(AccessError::NoKnownCustomer));
}

#[test]
fn a_customer_code_of_only_separators_refuses_instead_of_meaning_every_customer() {
    for separators in [" , ,", ",", " ,, , ", ",\n,"] {
        let a = assertion("cathy@example.com", &[("groups", &["ccm-authors"]), ("customerCode", &[separators])]);
        assert!(
            matches!(session_user(&a, &rules()), Err(AccessError::OnlySeparators(_))),
            "{separators:?} must refuse the user"
        );
    }
    let refusal = AccessError::OnlySeparators(" , ,".into());
    assert!(refusal.to_string().contains("only separators"), "{refusal}");
    assert!(refusal.user_message().contains("customerCode"));
}

#[test]
fn an_empty_customer_code_is_the_same_as_none() {
    // What an IdP sends for a user attribute that is not set: corporate users see every customer.
    let a = assertion("cathy@example.com", &[("groups", &["ccm-authors"]), ("customerCode", &["", "  "])]);
    assert_eq!(session_user(&a, &rules()).unwrap().customers, None);
}

#[test]
fn a_forged_newline_in_a_customer_code_is_escaped_in_the_text_log() {
    let forged = "nope\n2030-01-01T00:00:00.000000Z  INFO ccm: signed in as admin";
    let a = assertion("cathy@example.com", &[("groups", &["ccm-authors"]), ("customerCode", &["acme", forged])]);
    let (user, log) = common::capture_logs(|| session_user(&a, &rules()));
    assert_eq!(user.unwrap().customers, codes(&["acme"]));
    assert!(log.contains("ignoring a customerCode"), "{log}");
    assert!(log.contains("nope\\n2030-01-01"), "the newline is shown escaped: {log}");
    assert!(log.lines().all(|line| !line.starts_with("2030-01-01")), "no forged line: {log}");
}

#[test]
fn the_rules_are_read_from_the_configuration() {
    let config = ccm_core::config::AppConfig::from_json(include_str!("../../../../config.json")).unwrap();
    let rules = ccm_auth::saml::AccessRules::from_config(&config, Default::default());
    assert!(rules.allowed_email_domains.contains(&"example.com".to_owned()));
    assert_eq!(rules.role_mappings["ccm-approvers"], [Role::Approver]);
    assert!(!rules.known_customers.is_empty());
}
