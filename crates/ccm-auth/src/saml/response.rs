//! Verifying a `SAMLResponse` (HTTP-POST binding) as the Web Browser SSO profile requires, as a pure
//! function of the message, the IdP metadata, what we expect and the time.
//!
//! Signature-wrapping defence: the document must hold exactly one `saml:Assertion`, as a direct
//! child of the `samlp:Response` root; ids are unique in the whole document; a signature counts
//! only as a direct child of the element it references by that element's own id; identity is read
//! only from that assertion, which the verified signature covers (its own, or the Response's).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use roxmltree::Node;

use super::budget::{Deadline, OverBudget};
use super::c14n::C14nError;
use super::limits::Limits;
use super::metadata::IdpMetadata;
use super::signature::{self, SignatureError};
use super::xml::{self, NS_ASSERTION, NS_PROTOCOL, XmlError};

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// What the response must match.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    pub idp: &'a IdpMetadata,
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    /// The id of the AuthnRequest this browser sent (unsolicited responses are refused).
    pub in_response_to: &'a str,
    pub now: DateTime<Utc>,
    /// Tolerated clock difference with the IdP.
    pub skew: Duration,
    /// When to give up (the ACS gives every verification a time budget).
    pub deadline: Deadline,
}

/// An assertion that passed every check. Its content comes only from the signed element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    pub assertion_id: String,
    pub name_id: String,
    /// Attribute name → its values, in document order.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// After this instant the assertion is refused anyway; its replay-cache entry may go.
    pub valid_until: DateTime<Utc>,
}

/// Why a response was refused. The messages name the check, never the assertion's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("SAMLResponse is not base64-encoded UTF-8 XML")]
    Encoding,
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("the document is not a SAML 2.0 samlp:Response")]
    NotAResponse,
    #[error("an ID occurs more than once in the document")]
    DuplicateId,
    #[error("the response must hold exactly one assertion, as a child of the Response ({0} found)")]
    AssertionCount(usize),
    #[error("encrypted assertions are not supported")]
    Encrypted,
    #[error("neither the Response nor the Assertion is signed")]
    Unsigned,
    #[error("{which} signature refused: {error}")]
    Signature { which: &'static str, error: SignatureError },
    #[error("the IdP answered with status {0}")]
    Status(String),
    #[error("issuer is not the IdP of the metadata ({expected})")]
    WrongIssuer { expected: String },
    #[error("Destination is not this ACS URL ({expected})")]
    WrongDestination { expected: String },
    #[error("audience restriction does not name this service provider ({expected})")]
    WrongAudience { expected: String },
    #[error("InResponseTo does not match the request this browser started")]
    WrongInResponseTo,
    #[error("the assertion is not yet valid (NotBefore is in the future)")]
    NotYetValid,
    #[error("the assertion has expired (NotOnOrAfter has passed)")]
    Expired,
    #[error("no usable bearer SubjectConfirmation: {0}")]
    Confirmation(&'static str),
    #[error("malformed assertion: {0}")]
    Malformed(&'static str),
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
}

/// Verifies a base64 `SAMLResponse` form value (HTTP-POST binding: base64 only, never DEFLATE, so
/// nothing is decompressed). The encoded size is checked before decoding.
pub fn verify_response(saml_response: &str, expect: &Expectations<'_>) -> Result<VerifiedAssertion, ResponseError> {
    let limit = Limits::RESPONSE.bytes;
    // Base64 carries 3 bytes in 4 characters; line breaks (some IdPs wrap lines) add a few more.
    let max_encoded = limit.div_ceil(3) * 4;
    if saml_response.len() > max_encoded * 2 {
        return Err(XmlError::TooLarge { limit }.into());
    }
    let compact: String = saml_response.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() > max_encoded {
        return Err(XmlError::TooLarge { limit }.into());
    }
    let bytes = STANDARD.decode(compact).map_err(|_| ResponseError::Encoding)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| ResponseError::Encoding)?;
    verify_response_xml(text, expect)
}

/// Verifies the XML of a response (already base64-decoded).
pub fn verify_response_xml(text: &str, expect: &Expectations<'_>) -> Result<VerifiedAssertion, ResponseError> {
    let doc = xml::parse(text, &Limits::RESPONSE)?;
    expect.deadline.check()?;
    let response = doc.root_element();
    if !xml::is(response, NS_PROTOCOL, "Response") || response.attribute("Version") != Some("2.0") {
        return Err(ResponseError::NotAResponse);
    }
    let ids = xml::id_index(&doc).map_err(|_| ResponseError::DuplicateId)?;
    if doc.descendants().any(|n| xml::is(n, NS_ASSERTION, "EncryptedAssertion")) {
        return Err(ResponseError::Encrypted);
    }
    let assertions: Vec<Node<'_, '_>> = doc.descendants().filter(|n| xml::is(*n, NS_ASSERTION, "Assertion")).collect();
    let assertion = match assertions.as_slice() {
        [only] if only.parent() == Some(response) => *only,
        other => return Err(ResponseError::AssertionCount(other.len())),
    };

    let resolve = |id: &str| ids.get(id).copied();
    let signature_error = |which| {
        move |error| match error {
            SignatureError::C14n(C14nError::OverBudget(over)) => ResponseError::OverBudget(over),
            error => ResponseError::Signature { which, error },
        }
    };
    let response_signed = signature::signature_of(response).map_err(signature_error("Response"))?.is_some();
    let assertion_signed = signature::signature_of(assertion).map_err(signature_error("Assertion"))?.is_some();
    if !response_signed && !assertion_signed {
        return Err(ResponseError::Unsigned);
    }
    // Every signature present must verify; either one covers the assertion.
    if response_signed {
        signature::verify_enveloped(response, resolve, &expect.idp.signing_keys, expect.deadline)
            .map_err(signature_error("Response"))?;
    }
    if assertion_signed {
        signature::verify_enveloped(assertion, resolve, &expect.idp.signing_keys, expect.deadline)
            .map_err(signature_error("Assertion"))?;
    }

    expect.deadline.check()?;
    check_response(response, response_signed, expect)?;
    check_assertion(assertion, expect)
}

fn check_response(response: Node<'_, '_>, signed: bool, expect: &Expectations<'_>) -> Result<(), ResponseError> {
    match response.attribute("Destination") {
        Some(d) if d == expect.acs_url => {}
        // A signed response must say where it is going (SAML core 3.4.5.2).
        None if !signed => {}
        _ => return Err(ResponseError::WrongDestination { expected: expect.acs_url.to_owned() }),
    }
    if response.attribute("InResponseTo").is_some_and(|v| v != expect.in_response_to) {
        return Err(ResponseError::WrongInResponseTo);
    }
    if let Some(issuer) =
        xml::only_child(response, NS_ASSERTION, "Issuer").map_err(|()| ResponseError::Malformed("Issuer"))?
    {
        check_issuer(issuer, expect)?;
    }
    let code = xml::children(response, NS_PROTOCOL, "Status")
        .next()
        .and_then(|s| xml::children(s, NS_PROTOCOL, "StatusCode").next())
        .and_then(|c| c.attribute("Value"))
        .ok_or(ResponseError::Malformed("Status"))?;
    if code != SUCCESS {
        return Err(ResponseError::Status(code.rsplit(':').next().unwrap_or_default().chars().take(64).collect()));
    }
    Ok(())
}

fn check_issuer(issuer: Node<'_, '_>, expect: &Expectations<'_>) -> Result<(), ResponseError> {
    if xml::simple_text(issuer).as_deref().map(str::trim) == Some(expect.idp.entity_id.as_str()) {
        Ok(())
    } else {
        Err(ResponseError::WrongIssuer { expected: expect.idp.entity_id.clone() })
    }
}

fn check_assertion(assertion: Node<'_, '_>, expect: &Expectations<'_>) -> Result<VerifiedAssertion, ResponseError> {
    let malformed = ResponseError::Malformed;
    if assertion.attribute("Version") != Some("2.0") {
        return Err(malformed("Version"));
    }
    let assertion_id = assertion.attribute("ID").ok_or(malformed("ID"))?.to_owned();
    let issuer = xml::only_child(assertion, NS_ASSERTION, "Issuer").map_err(|()| malformed("Issuer"))?;
    check_issuer(issuer.ok_or(malformed("Issuer"))?, expect)?;

    let subject = only(assertion, "Subject")?.ok_or(malformed("Subject"))?;
    let name_id = only(subject, "NameID")?.and_then(xml::simple_text).ok_or(malformed("NameID"))?;
    let confirmed_until = bearer_confirmation(subject, expect)?;

    let conditions = only(assertion, "Conditions")?.ok_or(malformed("Conditions"))?;
    let (lo, hi) = (expect.now + expect.skew, expect.now - expect.skew);
    if time_attr(conditions, "NotBefore")?.is_some_and(|t| t > lo) {
        return Err(ResponseError::NotYetValid);
    }
    let not_on_or_after = time_attr(conditions, "NotOnOrAfter")?;
    if not_on_or_after.is_some_and(|t| t <= hi) {
        return Err(ResponseError::Expired);
    }
    let restrictions: Vec<Node<'_, '_>> = xml::children(conditions, NS_ASSERTION, "AudienceRestriction").collect();
    let audience_ok = !restrictions.is_empty()
        && restrictions.iter().all(|r| {
            xml::children(*r, NS_ASSERTION, "Audience")
                .any(|a| xml::simple_text(a).as_deref().map(str::trim) == Some(expect.sp_entity_id))
        });
    if !audience_ok {
        return Err(ResponseError::WrongAudience { expected: expect.sp_entity_id.to_owned() });
    }

    let authn = xml::children(assertion, NS_ASSERTION, "AuthnStatement").next().ok_or(malformed("AuthnStatement"))?;
    if time_attr(authn, "SessionNotOnOrAfter")?.is_some_and(|t| t <= hi) {
        return Err(ResponseError::Expired);
    }

    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in xml::children(assertion, NS_ASSERTION, "AttributeStatement") {
        for attribute in xml::children(statement, NS_ASSERTION, "Attribute") {
            let name = attribute.attribute("Name").ok_or(malformed("Attribute Name"))?;
            let values = attributes.entry(name.to_owned()).or_default();
            values.extend(xml::children(attribute, NS_ASSERTION, "AttributeValue").filter_map(xml::simple_text));
        }
    }
    let valid_until = not_on_or_after.map_or(confirmed_until, |t| t.max(confirmed_until)) + expect.skew;
    Ok(VerifiedAssertion { assertion_id, name_id: name_id.trim().to_owned(), attributes, valid_until })
}

/// At least one bearer confirmation for this ACS, this request and now; returns its NotOnOrAfter.
fn bearer_confirmation(subject: Node<'_, '_>, expect: &Expectations<'_>) -> Result<DateTime<Utc>, ResponseError> {
    let mut why = ResponseError::Confirmation("none with Method bearer");
    for confirmation in xml::children(subject, NS_ASSERTION, "SubjectConfirmation") {
        if confirmation.attribute("Method") != Some(BEARER) {
            continue;
        }
        let Some(data) = only(confirmation, "SubjectConfirmationData")? else {
            why = ResponseError::Confirmation("no SubjectConfirmationData");
            continue;
        };
        match data.attribute("Recipient") {
            Some(r) if r == expect.acs_url => {}
            _ => {
                why = ResponseError::WrongDestination { expected: expect.acs_url.to_owned() };
                continue;
            }
        }
        if data.attribute("InResponseTo") != Some(expect.in_response_to) {
            why = ResponseError::WrongInResponseTo;
            continue;
        }
        if time_attr(data, "NotBefore")?.is_some_and(|t| t > expect.now + expect.skew) {
            why = ResponseError::NotYetValid;
            continue;
        }
        match time_attr(data, "NotOnOrAfter")? {
            Some(t) if t > expect.now - expect.skew => return Ok(t),
            Some(_) => why = ResponseError::Expired,
            None => why = ResponseError::Confirmation("no NotOnOrAfter"),
        }
    }
    Err(why)
}

fn only<'a, 'i>(node: Node<'a, 'i>, local: &'static str) -> Result<Option<Node<'a, 'i>>, ResponseError> {
    xml::only_child(node, NS_ASSERTION, local).map_err(|()| ResponseError::Malformed(local))
}

fn time_attr(node: Node<'_, '_>, name: &'static str) -> Result<Option<DateTime<Utc>>, ResponseError> {
    node.attribute(name)
        .map(|v| DateTime::parse_from_rfc3339(v.trim()).map(|t| t.with_timezone(&Utc)))
        .transpose()
        .map_err(|_| ResponseError::Malformed(name))
}
