//! Behaviour of `AppConfig::from_json`: the shipped file loads, and each rule names its field.

use serde_json::{Value, json};

use super::*;
use crate::ids::CustomerCode;
use crate::roles::Role;

const SHIPPED: &str = include_str!("../../../../config.json");

fn shipped() -> Value {
    serde_json::from_str(SHIPPED).unwrap()
}

/// The shipped file with `edit` applied, loaded; returns the error.
fn error_after(edit: impl FnOnce(&mut Value)) -> ConfigError {
    let mut doc = shipped();
    edit(&mut doc);
    AppConfig::from_json(&doc.to_string()).unwrap_err()
}

fn assert_names(err: &ConfigError, field: &str) {
    assert!(err.mentions(field), "expected a problem on {field}, got:\n{err}");
}

#[test]
fn the_shipped_config_parses_and_validates() {
    let config = AppConfig::from_json(SHIPPED).unwrap();
    assert!(config.customer_codes().count() >= 6);
    let nonprod = config.customer(&CustomerCode::parse("hts-nonprod").unwrap()).unwrap();
    assert_eq!(nonprod.environment, Environment::Nonprod);
    assert!(!nonprod.restricted_recipients.is_empty());
    assert_eq!(config.customer(&CustomerCode::parse("acme").unwrap()).unwrap().account_id(), "111111111111");
    assert_eq!(config.email_config.dmarc_policy, Some(DmarcPolicy::Quarantine));
    assert_eq!(config.email_config.sender_name.as_deref(), Some("CCOE Customer Contact Manager"));
    let cathy = config.portal.demo_users.iter().find(|u| u.email.as_str() == "cathy@acme.example.com").unwrap();
    assert_eq!(cathy.roles, [Role::Author]);
    assert_eq!(config.portal.role_mappings["ccm-approvers"], [Role::Approver]);
    assert!(config.contact_config.unwrap().security.is_some());
}

#[test]
fn missing_optional_sections_take_their_defaults() {
    let text = json!({
        "customer_mappings": {"acme": shipped()["customer_mappings"]["acme"].clone()},
        "email_config": {"sender_address": "a@example.com", "meeting_organizer": "b@example.com",
                         "portal_base_url": "https://ccm.example.com/"},
    });
    let config = AppConfig::from_json(&text.to_string()).unwrap();
    assert_eq!(config.aws_region, "us-east-1");
    assert_eq!(config.portal, PortalConfig::default());
    assert_eq!((config.portal.session_idle_minutes, config.portal.session_max_hours), (60, 8));
    assert!(!config.portal.allow_self_approval);
    assert_eq!(config.email_config.portal_base_url, "https://ccm.example.com", "the trailing slash is dropped");
}

#[test]
fn unknown_keys_anywhere_are_tolerated() {
    let mut doc = shipped();
    doc["legacy_flag"] = json!(true);
    doc["customer_mappings"]["acme"]["mocb_org_prefix"] = json!("x");
    doc["email_config"]["reply_to"] = json!("x@example.com");
    doc["portal"]["theme"] = json!("dark");
    AppConfig::from_json(&doc.to_string()).unwrap();
}

#[test]
fn empty_strings_written_by_the_original_system_count_as_absent() {
    let mut doc = shipped();
    doc["customer_mappings"]["acme"]["identity_center_role_arn"] = json!("");
    doc["customer_mappings"]["acme"]["aws_account_id"] = json!("");
    let config = AppConfig::from_json(&doc.to_string()).unwrap();
    assert_eq!(config.customer(&CustomerCode::parse("acme").unwrap()).unwrap().identity_center_role_arn, None);
}

#[test]
fn an_empty_region_is_refused() {
    assert_names(&error_after(|d| d["aws_region"] = json!("")), "aws_region");
}

#[test]
fn a_config_without_customers_is_refused() {
    assert_names(&error_after(|d| d["customer_mappings"] = json!({})), "customer_mappings");
}

#[test]
fn a_customer_code_must_equal_its_key() {
    let err = error_after(|d| d["customer_mappings"]["acme"]["customer_code"] = json!("globex"));
    assert_names(&err, "customer_mappings.acme.customer_code");
}

#[test]
fn a_badly_formed_customer_key_is_named() {
    let err = error_after(|d| {
        let acme = d["customer_mappings"]["acme"].take();
        d["customer_mappings"].as_object_mut().unwrap().insert("ACME".into(), acme);
    });
    assert_names(&err, "customer_mappings.ACME");
}

#[test]
fn each_customer_field_rule_names_its_field() {
    let cases: [(&str, Value); 9] = [
        ("ses_role_arn", json!("arn:aws:iam::111111111111:user/someone")),
        ("identity_center_role_arn", json!("arn:aws:iam::1111:role/x")),
        ("sqs_queue_arn", json!("arn:aws:sqs:us-east-1:111111111111")),
        ("deliverability_sns_topic_arn", json!("arn:aws:sqs:us-east-1:111111111111:x")),
        ("region", json!("useast1")),
        ("aws_account_id", json!("999999999999")),
        ("max_send_rate", json!(0.0)),
        ("logo_url", json!("logo.png")),
        ("timezone", json!("Mars/Olympus")),
    ];
    for (field, bad) in cases {
        let err = error_after(|d| d["customer_mappings"]["acme"][field] = bad);
        assert_names(&err, &format!("customer_mappings.acme.{field}"));
    }
}

#[test]
fn a_customers_time_zone_is_an_iana_name_and_absent_means_none() {
    let mut doc = shipped();
    doc["customer_mappings"]["acme"]["timezone"] = json!("Europe/Berlin");
    let config = AppConfig::from_json(&doc.to_string()).unwrap();
    let acme = config.customer(&crate::CustomerCode::parse("acme").unwrap()).unwrap();
    assert_eq!(acme.zone(), Some(chrono_tz::Europe::Berlin));
    let globex = config.customer(&crate::CustomerCode::parse("globex").unwrap()).unwrap();
    assert_eq!(globex.zone(), None);
}

#[test]
fn a_logo_is_an_absolute_url_or_a_plain_path_on_the_portal() {
    for good in ["/logos/acme.svg", "https://cdn.example.com/acme.png"] {
        let mut doc = shipped();
        doc["customer_mappings"]["acme"]["logo_url"] = json!(good);
        assert!(AppConfig::from_json(&doc.to_string()).is_ok(), "{good}");
    }
    for bad in ["//evil.example.com/x.png", "/logos/../secret", "/logos/a b.svg", "javascript:alert(1)"] {
        let err = error_after(|d| d["customer_mappings"]["acme"]["logo_url"] = json!(bad));
        assert_names(&err, "customer_mappings.acme.logo_url");
    }
}

#[test]
fn an_unknown_environment_is_refused() {
    let err = error_after(|d| d["customer_mappings"]["initech"]["environment"] = json!("staging"));
    assert_names(&err, "customer_mappings.initech.environment");
}

#[test]
fn restricted_recipients_must_be_email_addresses() {
    let err = error_after(|d| d["customer_mappings"]["hts-nonprod"]["restricted_recipients"][1] = json!("bob"));
    assert_names(&err, "customer_mappings.hts-nonprod.restricted_recipients.1");
}

#[test]
fn each_email_config_rule_names_its_field() {
    let cases: [(&str, Value); 8] = [
        ("sender_address", json!("notifications")),
        ("sender_name", json!("CCOE\r\nBcc: x@example.com")),
        ("sender_name", json!("security@bank.example")),
        ("meeting_organizer", json!("a@b")),
        ("portal_base_url", json!("ccm.example.com")),
        ("dmarc_policy", json!("block")),
        ("domain", json!("CCM.example.com")),
        ("mail_from_subdomain", json!("bounce.mail")),
    ];
    for (field, bad) in cases {
        let err = error_after(|d| d["email_config"][field] = bad);
        assert_names(&err, &format!("email_config.{field}"));
    }
}

#[test]
fn a_route53_section_needs_a_zone_and_a_role() {
    let err = error_after(|d| d["route53_config"] = json!({"zone_id": " ", "role_arn": "nope"}));
    assert_names(&err, "route53_config.zone_id");
    assert_names(&err, "route53_config.role_arn");
}

#[test]
fn demo_users_may_only_name_configured_customers() {
    let err = error_after(|d| d["portal"]["demo_users"][4]["customers"] = json!(["acme", "nowhere"]));
    assert_names(&err, "portal.demo_users.4.customers");
    assert!(err.to_string().contains("nowhere"));
}

#[test]
fn allowed_domains_must_be_lower_case() {
    assert_names(
        &error_after(|d| d["portal"]["allowed_email_domains"] = json!(["Example.com"])),
        "portal.allowed_email_domains.0",
    );
}

#[test]
fn session_limits_are_positive_and_idle_fits_in_max() {
    assert_names(&error_after(|d| d["portal"]["session_max_hours"] = json!(0)), "portal.session_max_hours");
    let err = error_after(|d| {
        d["portal"]["session_idle_minutes"] = json!(600);
        d["portal"]["session_max_hours"] = json!(8);
    });
    assert_names(&err, "portal.session_idle_minutes");
}

#[test]
fn several_problems_are_reported_at_once() {
    let err = error_after(|d| {
        d["aws_region"] = json!("");
        d["customer_mappings"]["acme"]["ses_role_arn"] = json!("not-an-arn");
        d["customer_mappings"]["umbrella"]["region"] = json!("europe");
        d["email_config"]["portal_base_url"] = json!("ftp://x");
        d["portal"]["session_idle_minutes"] = json!(0);
    });
    for field in [
        "aws_region",
        "customer_mappings.acme.ses_role_arn",
        "customer_mappings.umbrella.region",
        "email_config.portal_base_url",
        "portal.session_idle_minutes",
    ] {
        assert_names(&err, field);
    }
    assert_eq!(err.to_string().lines().count(), err.errors.len(), "one problem per line");
}

#[test]
fn several_type_errors_are_reported_at_once_with_line_numbers_for_the_first() {
    let err = error_after(|d| {
        d["customer_mappings"]["acme"]["environment"] = json!("staging");
        d["portal"]["demo_users"][0]["roles"] = json!(["superuser"]);
    });
    assert_names(&err, "customer_mappings.acme.environment");
    assert_names(&err, "portal.demo_users.0.roles.0");
    assert!(err.errors[0].message.contains("line"), "{}", err.errors[0].message);
}

#[test]
fn a_missing_required_section_is_named() {
    assert_names(&error_after(|d| drop(d.as_object_mut().unwrap().remove("email_config"))), "email_config");
}

#[test]
fn a_syntax_error_names_the_file_and_position() {
    let err = AppConfig::from_json("{\n  \"aws_region\": \"us-east-1\",\n}").unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert_names(&err, "config.json");
    assert!(err.to_string().contains("line 3"), "{err}");
}

#[test]
fn parse_customer_checks_format_and_existence() {
    let config = AppConfig::from_json(SHIPPED).unwrap();
    assert_eq!(config.parse_customer("acme").unwrap().as_str(), "acme");
    let unknown = config.parse_customer("hooli").unwrap_err();
    assert!(unknown.message.contains("hooli"), "{unknown}");
    let malformed = config.parse_customer("../etc").unwrap_err();
    assert!(malformed.message.contains("../etc"), "{malformed}");
}
