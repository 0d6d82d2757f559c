//! The checks after the signature (time window, audience, destination, issuer, InResponseTo),
//! and the limits checked before it (size, namespaces, PrefixList, depth, width).

use crate::common::*;
use ccm_auth::saml::stress::{self, Shape};
use ccm_auth::saml::test_idp::ResponseSpec;
use ccm_auth::saml::{Limits, ResponseError, SignatureError, XmlError};
use chrono::{Duration, Utc};

fn signed(change: impl FnOnce(&mut ResponseSpec)) -> String {
    let idp = idp();
    let mut spec = idp.spec(REQUEST_ID);
    change(&mut spec);
    idp.response_xml(&spec).unwrap()
}

#[test]
fn an_expired_assertion_is_refused() {
    let xml = signed(|s| {
        s.issued = Utc::now() - Duration::minutes(20);
        s.not_before = s.issued;
        s.not_on_or_after = Utc::now() - Duration::minutes(3);
    });
    assert_eq!(verify(&xml), Err(ResponseError::Expired));
}

#[test]
fn an_assertion_that_expired_within_the_clock_skew_is_accepted() {
    let xml = signed(|s| s.not_on_or_after = Utc::now() - Duration::seconds(60));
    assert!(verify(&xml).is_ok());
}

#[test]
fn an_assertion_that_is_not_yet_valid_is_refused() {
    let xml = signed(|s| {
        s.not_before = Utc::now() + Duration::minutes(5);
        s.not_on_or_after = Utc::now() + Duration::minutes(10);
    });
    assert_eq!(verify(&xml), Err(ResponseError::NotYetValid));
    let within_skew = signed(|s| s.not_before = Utc::now() + Duration::seconds(60));
    assert!(verify(&within_skew).is_ok());
}

#[test]
fn an_assertion_for_another_audience_is_refused() {
    let xml = signed(|s| s.audience = "https://other-app.example.com".into());
    assert_eq!(verify(&xml), Err(ResponseError::WrongAudience { expected: SP_ENTITY_ID.into() }));
}

#[test]
fn a_response_for_another_destination_is_refused() {
    let wrong = "https://other-app.example.com/saml/acs".to_owned();
    let xml = signed(|s| s.destination = wrong.clone());
    assert_eq!(verify(&xml), Err(ResponseError::WrongDestination { expected: ACS_URL.into() }));
    let recipient = signed(|s| s.recipient = wrong);
    assert_eq!(verify(&recipient), Err(ResponseError::WrongDestination { expected: ACS_URL.into() }));
}

#[test]
fn a_response_from_another_issuer_is_refused() {
    let xml = signed(|s| s.issuer = "https://evil-idp.example.com".into());
    assert_eq!(verify(&xml), Err(ResponseError::WrongIssuer { expected: idp().entity_id }));
}

#[test]
fn a_response_to_an_unknown_request_is_refused() {
    let xml = signed(|s| s.in_response_to = "_ffffffffffffffffffffffffffffffff".into());
    assert_eq!(verify(&xml), Err(ResponseError::WrongInResponseTo));
    // Also when only the signed SubjectConfirmationData names it (the Response attribute is unsigned).
    let xml = signed_response().replacen(&format!("InResponseTo=\"{REQUEST_ID}\""), "", 1);
    assert_eq!(verify_at(&xml, "_ffffffffffffffffffffffffffffffff", Utc::now()), Err(ResponseError::WrongInResponseTo));
}

#[test]
fn an_idp_error_status_is_refused() {
    let idp = idp();
    let spec = ResponseSpec { signing: ccm_auth::saml::test_idp::Signing::Response, ..idp.spec(REQUEST_ID) };
    let unsigned =
        ccm_auth::saml::test_idp::unsigned_response_xml(&spec).replacen("status:Success", "status:Requester", 1);
    let xml = idp.sign(&unsigned, &spec.response_id).unwrap();
    assert_eq!(verify(&xml), Err(ResponseError::Status("Requester".into())));
}

#[test]
fn garbage_is_refused_without_panicking() {
    for bad in ["", "not xml", "<a/>", "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>"] {
        assert!(verify(bad).is_err(), "{bad:?}");
    }
    let idp_md = metadata();
    let expect = ccm_auth::saml::Expectations {
        idp: &idp_md,
        sp_entity_id: SP_ENTITY_ID,
        acs_url: ACS_URL,
        in_response_to: REQUEST_ID,
        now: Utc::now(),
        skew: Duration::minutes(2),
        deadline: ccm_auth::saml::Deadline::NONE,
    };
    assert_eq!(ccm_auth::saml::verify_response("%%%", &expect), Err(ResponseError::Encoding));
}

// Hostile shapes (issue #9): refused by the limits before canonicalization, most of them before
// roxmltree parses anything. The tests assert the refusal, not its speed (see benches/acs.rs).

fn limit(what: &'static str, limit: usize) -> Result<ccm_auth::saml::VerifiedAssertion, ResponseError> {
    Err(ResponseError::Xml(XmlError::Limit { what, limit }))
}

/// The signed response with `content` inserted as the Assertion's first child element's sibling.
fn with_extension(content: &str) -> String {
    after_response_issuer(&signed_response(), &format!("<samlp:Extensions>{content}</samlp:Extensions>"))
}

#[test]
fn the_namespace_floods_of_the_issue_are_refused_before_parsing() {
    let spec = stress::spec(&idp(), REQUEST_ID);
    let flood = stress::namespace_flood(&spec, 26 * 1024);
    assert_eq!(verify(&flood), limit("namespace declarations on one element", 16));
    let big = stress::namespace_flood(&spec, 127 * 1024);
    assert_eq!(verify(&big), Err(ResponseError::Xml(XmlError::TooLarge { limit: Limits::RESPONSE.bytes })));
}

#[test]
fn too_many_namespace_declarations_or_prefixes_are_refused() {
    let decls = |n: usize, prefix: &str| (0..n).map(|i| format!(" xmlns:{prefix}{i}=\"urn:x\"")).collect::<String>();
    let on_one = with_extension(&format!("<e{}/>", decls(17, "a")));
    assert_eq!(verify(&on_one), limit("namespace declarations on one element", 16));
    let spread = with_extension(&(0..40).map(|i| format!("<e xmlns:q{i}=\"urn:x\"/>")).collect::<String>());
    assert_eq!(verify(&spread), limit("distinct namespace prefixes", 32));
    let redeclared = with_extension(&format!("<e{}/>", decls(8, "r")).repeat(130));
    assert_eq!(verify(&redeclared), limit("namespace declarations", 1024));
}

#[test]
fn a_long_prefix_list_is_refused_before_canonicalization() {
    let list: Vec<String> = (0..17).map(|i| format!("p{i}")).collect();
    let exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
    let xml = signed_response().replacen(
        &format!("<ds:Transform Algorithm=\"{exc}\"/>"),
        &format!(
            "<ds:Transform Algorithm=\"{exc}\"><ec:InclusiveNamespaces xmlns:ec=\"{exc}\" PrefixList=\"{}\"/></ds:Transform>",
            list.join(" ")
        ),
        1,
    );
    assert_eq!(verify(&xml), Err(ResponseError::Signature { which: "Assertion", error: SignatureError::PrefixList }));
}

#[test]
fn deep_wide_and_attribute_heavy_responses_are_refused() {
    let deep = with_extension(&format!("{}{}", "<d>".repeat(40), "</d>".repeat(40)));
    assert_eq!(verify(&deep), limit("levels of nesting", 32));
    let unclosed = with_extension(&"<d>".repeat(10_000));
    assert_eq!(verify(&unclosed), limit("levels of nesting", 32));
    let wide = with_extension(&"<w/>".repeat(2_000));
    assert_eq!(verify(&wide), limit("elements", 2_000));
    let attrs: String = (0..33).map(|i| format!(" a{i}=\"\"")).collect();
    assert_eq!(verify(&with_extension(&format!("<e{attrs}/>"))), limit("attributes on one element", 32));
    let sixteen: String = (0..16).map(|i| format!(" a{i}=\"\"")).collect();
    let many = with_extension(&format!("<e{sixteen}/>").repeat(300));
    assert_eq!(verify(&many), limit("attributes", 4_000));
}

#[test]
fn the_largest_responses_within_every_limit_are_accepted_and_a_few_elements_more_are_refused() {
    let idp = idp();
    let spec = stress::spec(&idp, REQUEST_ID);
    let sibling = r#"<p16:e p17:a="" p18:a="" p19:a=""/>"#;
    for shape in [Shape::WORST, Shape::WORST_SHORT_URIS] {
        let worst = stress::padded_response(&idp, &spec, shape).unwrap();
        assert_eq!(verify(&worst).unwrap().name_id, "dana@example.com", "{shape:?}");
        let more = worst.replacen(sibling, &sibling.repeat(41), 1);
        match verify(&more) {
            Err(ResponseError::Xml(_)) => {}
            Err(ResponseError::Signature { error, .. })
                if error.to_string().contains("canonical form would exceed") => {}
            other => panic!("{shape:?} with 40 more elements: {other:?}"),
        }
    }
    // Long URIs reach the bound of the canonical form first, short ones the byte limit.
    let short = stress::padded_response(&idp, &spec, Shape::WORST_SHORT_URIS).unwrap();
    assert!(short.len() > Limits::RESPONSE.bytes - 2_048, "the shape uses the byte limit: {}", short.len());
}

#[test]
fn a_base64_response_larger_than_the_limit_is_refused_before_decoding() {
    let idp_md = metadata();
    let expect = ccm_auth::saml::Expectations {
        idp: &idp_md,
        sp_entity_id: SP_ENTITY_ID,
        acs_url: ACS_URL,
        in_response_to: REQUEST_ID,
        now: Utc::now(),
        skew: Duration::minutes(2),
        deadline: ccm_auth::saml::Deadline::NONE,
    };
    let huge = "A".repeat(Limits::RESPONSE.bytes / 3 * 4 + 8);
    assert_eq!(
        ccm_auth::saml::verify_response(&huge, &expect),
        Err(ResponseError::Xml(XmlError::TooLarge { limit: Limits::RESPONSE.bytes }))
    );
}
