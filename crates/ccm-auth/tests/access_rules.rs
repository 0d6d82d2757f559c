//! From a verified assertion to a session user: domains, roles, customer scope.

mod common;

use std::collections::BTreeMap;

use ccm_auth::saml::access::session_user;
use ccm_auth::saml::{AccessError, VerifiedAssertion};
use ccm_core::{CustomerCode, Role};
use chrono::Utc;
use common::rules;

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
    assert_eq!(user.name, "Dana@Example.com", "no name attribute: the address");
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
fn the_rules_are_read_from_the_configuration() {
    let config = ccm_core::config::AppConfig::from_json(include_str!("../../../config.json")).unwrap();
    let rules = ccm_auth::saml::AccessRules::from_config(&config, Default::default());
    assert!(rules.allowed_email_domains.contains(&"example.com".to_owned()));
    assert_eq!(rules.role_mappings["ccm-approvers"], [Role::Approver]);
    assert!(!rules.known_customers.is_empty());
}
