//! XML signatures: what is accepted, and every forgery and wrapping variant we know of refused.

use crate::common::*;
use ccm_auth::saml::ResponseError;
use ccm_auth::saml::SignatureError;
use ccm_auth::saml::test_idp::Signing;
use chrono::{TimeZone, Utc};

fn signature_error(result: Result<ccm_auth::saml::VerifiedAssertion, ResponseError>) -> SignatureError {
    match result {
        Err(ResponseError::Signature { error, .. }) => error,
        other => panic!("expected a signature refusal, got {other:?}"),
    }
}

#[test]
fn a_response_with_a_signed_assertion_is_accepted_and_identity_comes_from_it() {
    let verified = verify(&signed_response()).unwrap();
    assert_eq!(verified.name_id, "dana@example.com");
    assert_eq!(verified.attributes["groups"], ["ccm-approvers", "not-mapped"]);
    assert_eq!(verified.attributes["customerCode"], ["acme"]);
    assert_eq!(verified.attributes["name"], ["Dana Approver"]);
}

#[test]
fn a_signed_response_around_an_unsigned_assertion_is_accepted() {
    let idp = idp();
    let spec = ccm_auth::saml::test_idp::ResponseSpec { signing: Signing::Response, ..idp.spec(REQUEST_ID) };
    assert_eq!(verify(&idp.response_xml(&spec).unwrap()).unwrap().name_id, "dana@example.com");
    let both = ccm_auth::saml::test_idp::ResponseSpec { signing: Signing::Both, ..idp.spec(REQUEST_ID) };
    assert!(verify(&idp.response_xml(&both).unwrap()).is_ok());
}

/// Signed by xmlsec1 (libxml2's canonicalizer), so our c14n is checked against another
/// implementation: default namespaces, InclusiveNamespaces, comments, CDATA and escapes.
#[test]
fn responses_signed_by_xmlsec1_are_accepted() {
    let at = Utc.with_ymd_and_hms(2030, 1, 1, 0, 1, 0).unwrap();
    for fixture in [
        include_str!("../fixtures/xmlsec1-signed-assertion.xml"),
        include_str!("../fixtures/xmlsec1-signed-response-and-assertion.xml"),
    ] {
        let verified = verify_at(fixture, REQUEST_ID, at).unwrap();
        assert_eq!(verified.name_id, "dana@example.com");
        assert_eq!(verified.attributes["name"], ["Dana <Approver> & co"]);
        assert_eq!(verified.attributes["customerCode"], ["acme, globex"]);
    }
}

#[test]
fn an_xmlsec1_signed_response_changed_after_signing_is_refused() {
    let at = Utc.with_ymd_and_hms(2030, 1, 1, 0, 1, 0).unwrap();
    let fixture = include_str!("../fixtures/xmlsec1-signed-assertion.xml");
    let changed = fixture.replacen("dana@example.com", "mallory@example.com", 1);
    assert_eq!(signature_error(verify_at(&changed, REQUEST_ID, at)), SignatureError::DigestMismatch);
    let regrouped = fixture.replacen(">ccm-approvers<", ">ccm-admins<", 1);
    assert_eq!(signature_error(verify_at(&regrouped, REQUEST_ID, at)), SignatureError::DigestMismatch);
}

#[test]
fn an_unsigned_response_is_refused() {
    let idp = idp();
    let spec = ccm_auth::saml::test_idp::ResponseSpec { signing: Signing::Nothing, ..idp.spec(REQUEST_ID) };
    assert_eq!(verify(&idp.response_xml(&spec).unwrap()), Err(ResponseError::Unsigned));
}

#[test]
fn a_response_signed_by_another_key_is_refused() {
    let impostor = impostor();
    let forged = impostor.response_xml(&impostor.spec(REQUEST_ID)).unwrap();
    assert_eq!(signature_error(verify(&forged)), SignatureError::BadSignature);
}

#[test]
fn changing_the_name_id_after_signing_is_refused() {
    let forged = signed_response().replacen("dana@example.com", "mallory@example.com", 1);
    assert_eq!(signature_error(verify(&forged)), SignatureError::DigestMismatch);
}

#[test]
fn a_changed_signature_value_is_refused() {
    let xml = signed_response();
    let start = xml.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let mut bytes = xml.into_bytes();
    bytes[start + 10] = if bytes[start + 10] == b'A' { b'B' } else { b'A' };
    assert_eq!(signature_error(verify(&String::from_utf8(bytes).unwrap())), SignatureError::BadSignature);
}

fn forged_assertion(xml: &str) -> String {
    // An unsigned assertion for someone else, with its own id.
    let original = assertion_of(xml);
    let without_signature = {
        let s = original.find("<ds:Signature").unwrap();
        let e = original.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        format!("{}{}", &original[..s], &original[e..])
    };
    without_signature.replace("dana@example.com", "mallory@example.com").replace("ccm-approvers", "ccm-admins")
}

#[test]
fn a_second_unsigned_assertion_before_the_signed_one_is_refused() {
    let xml = signed_response();
    let forged = forged_assertion(&xml).replace("ID=\"_", "ID=\"_f");
    let wrapped = xml.replacen("<saml:Assertion ", &format!("{forged}<saml:Assertion "), 1);
    assert_eq!(verify(&wrapped), Err(ResponseError::AssertionCount(2)));
}

#[test]
fn a_second_unsigned_assertion_after_the_signed_one_is_refused() {
    let xml = signed_response();
    let forged = forged_assertion(&xml).replace("ID=\"_", "ID=\"_f");
    let wrapped = xml.replacen("</saml:Assertion>", &format!("</saml:Assertion>{forged}"), 1);
    assert_eq!(verify(&wrapped), Err(ResponseError::AssertionCount(2)));
}

#[test]
fn the_signed_assertion_moved_into_extensions_with_a_forged_one_in_its_place_is_refused() {
    let xml = signed_response();
    let signed = assertion_of(&xml).to_owned();
    let forged = forged_assertion(&xml).replace("ID=\"_", "ID=\"_f");
    let moved = after_response_issuer(
        &replace_assertion(&xml, &forged),
        &format!("<samlp:Extensions>{signed}</samlp:Extensions>"),
    );
    assert_eq!(verify(&moved), Err(ResponseError::AssertionCount(2)));
}

#[test]
fn a_forged_assertion_carrying_the_original_signature_is_refused() {
    // Classic XSW: the forged assertion (new id) keeps the signature, whose Reference still points at
    // the original assertion's id; the original survives elsewhere so that the digest would match.
    let xml = signed_response();
    let signed = assertion_of(&xml).to_owned();
    let forged = signed.replace("dana@example.com", "mallory@example.com").replacen("ID=\"_", "ID=\"_f", 1);
    let original_elsewhere =
        signed.replacen("<saml:Assertion ", "<saml:Evidence><saml:Assertion ", 1) + "</saml:Evidence>";
    let moved = after_response_issuer(
        &replace_assertion(&xml, &forged),
        &format!("<samlp:Extensions>{original_elsewhere}</samlp:Extensions>"),
    );
    assert_eq!(verify(&moved), Err(ResponseError::AssertionCount(2)));
    // Even with only one assertion element in the document, the reference does not name it.
    let alone = replace_assertion(&xml, &forged);
    assert_eq!(signature_error(verify(&alone)), SignatureError::WrongReference);
}

#[test]
fn a_forged_assertion_with_the_signed_ones_id_is_refused_as_a_duplicate_id() {
    let xml = signed_response();
    let signed = assertion_of(&xml).to_owned();
    let forged = forged_assertion(&xml);
    let moved = after_response_issuer(
        &replace_assertion(&xml, &forged),
        &format!("<samlp:Extensions><x>{signed}</x></samlp:Extensions>"),
    );
    assert_eq!(verify(&moved), Err(ResponseError::DuplicateId));
    let elsewhere = after_response_issuer(
        &xml,
        &format!("<samlp:Extensions><x ID=\"{}\"/></samlp:Extensions>", idp_assertion_id(&xml)),
    );
    assert_eq!(verify(&elsewhere), Err(ResponseError::DuplicateId));
}

fn idp_assertion_id(xml: &str) -> String {
    let a = assertion_of(xml);
    let start = a.find("ID=\"").unwrap() + 4;
    a[start..start + a[start..].find('"').unwrap()].to_owned()
}

#[test]
fn the_signed_assertion_hidden_in_a_signature_object_is_refused() {
    let xml = signed_response();
    let signed = assertion_of(&xml).to_owned();
    let forged = forged_assertion(&xml).replace("ID=\"_", "ID=\"_f");
    let hidden = replace_assertion(&xml, &forged).replacen(
        "</samlp:Status>",
        &format!("</samlp:Status><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:Object>{signed}</ds:Object></ds:Signature>"),
        1,
    );
    assert_eq!(verify(&hidden), Err(ResponseError::AssertionCount(2)));
}

#[test]
fn a_response_signature_that_references_the_assertion_is_refused() {
    let idp = idp();
    let spec = ccm_auth::saml::test_idp::ResponseSpec { signing: Signing::Response, ..idp.spec(REQUEST_ID) };
    let xml = idp.response_xml(&spec).unwrap();
    let retargeted =
        xml.replacen(&format!("URI=\"#{}\"", spec.response_id), &format!("URI=\"#{}\"", spec.assertion_id), 1);
    assert_eq!(signature_error(verify(&retargeted)), SignatureError::WrongReference);
}

#[test]
fn a_comment_cannot_truncate_a_signed_name_id() {
    // The IdP signs "dana@example.com.evil.test"; a comment inserted after signing keeps the
    // signature valid (comments are not signed), and the whole value must still be what is read.
    let idp = idp();
    let mut spec = idp.spec(REQUEST_ID);
    spec.user.email = "dana@example.com.evil.test".into();
    let xml =
        idp.response_xml(&spec).unwrap().replacen("dana@example.com.evil.test", "dana@example.com<!---->.evil.test", 1);
    assert_eq!(verify(&xml).unwrap().name_id, "dana@example.com.evil.test");
}

#[test]
fn a_document_with_a_dtd_is_refused() {
    let xml = format!("<!DOCTYPE r [<!ENTITY e \"dana@example.com\">]>{}", signed_response());
    assert_eq!(verify(&xml), Err(ResponseError::Xml(ccm_auth::saml::XmlError::Dtd)));
}

#[test]
fn a_weaker_signature_algorithm_is_refused() {
    let xml = signed_response().replacen("xmldsig-more#rsa-sha256", "xmldsig-more#rsa-sha1", 1);
    assert!(matches!(signature_error(verify(&xml)), SignatureError::Unsupported(_)));
}
