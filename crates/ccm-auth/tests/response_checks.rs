//! The checks after the signature: time window, audience, destination, issuer, InResponseTo.

mod common;

use ccm_auth::saml::ResponseError;
use ccm_auth::saml::test_idp::ResponseSpec;
use chrono::{Duration, Utc};
use common::*;

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
    };
    assert_eq!(ccm_auth::saml::verify_response("%%%", &expect), Err(ResponseError::Encoding));
}
