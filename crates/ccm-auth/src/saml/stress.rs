//! Responses at the edge of [`Limits::RESPONSE`], signed by the test IdP (feature `test-idp`): the
//! worst input the verifier accepts, for the benchmark (`benches/acs.rs`) and the tests that prove
//! the limits leave room for it. Also the hostile shapes of issue #9 that must be refused.
//!
//! The worst accepted response maximises what canonicalization and roxmltree's namespace handling
//! pay for: every one of the 32 distinct prefixes in scope at almost every element, a PrefixList of
//! 16 prefixes on both signatures (Response and Assertion, so the assertion is canonicalized twice),
//! chains at the depth limit whose every level re-declares the 16 listed prefixes with another URI
//! (so each level renders 16 declarations) until the declaration limit is used up, and then as
//! many sibling elements as bytes and the element limit allow, each using prefixes declared on the
//! assertion with long URIs that no output ancestor rendered (so each renders them again).

use std::fmt::Write;

use super::budget::Deadline;
use super::c14n::{self, MAX_CANONICAL_BYTES};
use super::limits::Limits;
use super::signer::{self, SignError};
use super::test_idp::{ResponseSpec, Signing, TestIdp, unsigned_response_xml};
use super::xml;

/// Prefixes declared on the Response root, on the Assertion, and listed in the PrefixList.
const ROOT_PREFIXES: usize = 14;
const ASSERTION_PREFIXES: usize = 12;
const LISTED_PREFIXES: usize = 16;

/// The shape of a padded response.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Characters of each namespace URI declared on the assertion.
    pub uri_chars: usize,
    /// Elements in chains whose every level re-declares the listed prefixes.
    pub chain_elements: usize,
    /// Prefixed attributes on each sibling element (at most 9, one per unlisted prefix).
    pub sibling_attributes: usize,
    /// Sibling elements (`None`: as many as the byte and element limits allow).
    pub siblings: Option<usize>,
}

impl Shape {
    /// The worst accepted response (see the module documentation); the tests check that it is
    /// accepted and that one more sibling would be refused.
    pub const WORST: Self = Self { uri_chars: 64, chain_elements: 60, sibling_attributes: 3, siblings: None };

    /// The same with short URIs: bound by bytes and elements rather than by the canonical form.
    pub const WORST_SHORT_URIS: Self = Self { uri_chars: 8, ..Self::WORST };
}

/// A signed response (both Response and Assertion signatures, PrefixList of 16) padded to `shape`.
pub fn padded_response(idp: &TestIdp, spec: &ResponseSpec, shape: Shape) -> Result<String, SignError> {
    let limits = Limits::RESPONSE;
    let listed: Vec<String> = (0..LISTED_PREFIXES).map(|i| format!("p{i}")).collect();
    let root_decls: String = (0..ROOT_PREFIXES).map(|i| format!(" xmlns:p{i}=\"urn:p{i}\"")).collect();
    let uri = |i: usize| format!("urn:{i}:{}", "u".repeat(shape.uri_chars.saturating_sub(8)));
    let assertion_decls: String =
        (ROOT_PREFIXES..ROOT_PREFIXES + ASSERTION_PREFIXES).map(|i| format!(" xmlns:p{i}=\"{}\"", uri(i))).collect();

    let mut chains = String::new();
    let chain_depth = limits.depth - 6;
    let mut open = 0;
    for n in 0..shape.chain_elements {
        if n.is_multiple_of(chain_depth) {
            chains.push_str(&"</p0:d>".repeat(open));
            open = 0;
        }
        chains.push_str("<p0:d");
        for p in 0..LISTED_PREFIXES {
            let _ = write!(chains, " xmlns:p{p}=\"urn:{}\"", n % 2);
        }
        chains.push('>');
        open += 1;
    }
    chains.push_str(&"</p0:d>".repeat(open));

    // Siblings use the assertion's prefixes outside the PrefixList (p16…p25): nothing above them
    // rendered those, so every sibling renders its own declarations.
    let unlisted = ROOT_PREFIXES + ASSERTION_PREFIXES - LISTED_PREFIXES;
    let sibling = {
        let mut s = format!("<p{LISTED_PREFIXES}:e");
        for a in 0..shape.sibling_attributes.min(unlisted - 1) {
            let _ = write!(s, " p{}:a=\"\"", LISTED_PREFIXES + 1 + a);
        }
        s.push_str("/>");
        s
    };
    let build = |siblings: usize| -> String {
        let padding = format!(
            "<saml:Attribute Name=\"padding\"><saml:AttributeValue>{chains}{}</saml:AttributeValue></saml:Attribute>",
            sibling.repeat(siblings)
        );
        unsigned_response_xml(spec)
            .replacen("<samlp:Response ", &format!("<samlp:Response{root_decls} "), 1)
            .replacen("<saml:Assertion ", &format!("<saml:Assertion{assertion_decls} "), 1)
            .replacen("</saml:AttributeStatement>", &format!("{padding}</saml:AttributeStatement>"), 1)
    };
    // The two signatures add about 4 KiB and 30 elements, and 8 KiB to the canonical form.
    let siblings = shape.siblings.unwrap_or_else(|| {
        let base = build(0);
        let by_bytes = (limits.bytes.saturating_sub(base.len() + 4_400)) / sibling.len();
        let by_elements = limits.elements.saturating_sub(base.matches('<').count() + 40);
        let fits =
            |n: usize| canonical_len(&build(n), &listed).is_some_and(|len| len + 8 * 1024 <= MAX_CANONICAL_BYTES);
        // The most siblings whose canonical form stays within its bound (monotonic in n).
        let (mut low, mut high) = (0, by_bytes.min(by_elements));
        while low < high {
            let mid = (low + high).div_ceil(2);
            if fits(mid) { low = mid } else { high = mid - 1 }
        }
        low
    });
    let sign = |n: usize| -> Result<String, SignError> {
        let xml =
            signer::sign_enveloped_with_prefixes(&build(n), &spec.assertion_id, idp.key(), idp.cert_der(), &listed)?;
        signer::sign_enveloped_with_prefixes(&xml, &spec.response_id, idp.key(), idp.cert_der(), &listed)
    };
    let mut n = siblings;
    loop {
        let signed = sign(n)?;
        if shape.siblings.is_some() || n == 0 {
            return Ok(signed);
        }
        // The estimate of the signatures' size was short: fewer siblings, until within the limits.
        let over_bytes = signed.len().saturating_sub(limits.bytes);
        let elements = signed.matches('<').count() - signed.matches("</").count();
        let over_elements = elements.saturating_sub(limits.elements);
        if over_bytes == 0 && over_elements == 0 {
            return Ok(signed);
        }
        n = n.saturating_sub(over_bytes.div_ceil(sibling.len()).max(over_elements).max(1));
    }
}

/// The length of the Response's canonical form (the largest one the verifier computes).
fn canonical_len(xml: &str, listed: &[String]) -> Option<usize> {
    let doc = xml::parse(xml, &Limits::METADATA).ok()?;
    c14n::canonicalize(doc.root_element(), None, listed, Deadline::NONE).ok().map(|c| c.len())
}

/// The spec the padded responses answer: signed twice.
pub fn spec(idp: &TestIdp, in_response_to: &str) -> ResponseSpec {
    ResponseSpec { signing: Signing::Both, ..idp.spec(in_response_to) }
}

/// The attack of issue #9: namespace declarations on the root and an InclusiveNamespaces
/// PrefixList naming all of them, padded with elements to `bytes` (26 KiB cost 15 s in a debug
/// build before the limits). Unsigned: it used to cost its time before any signature check.
pub fn namespace_flood(spec: &ResponseSpec, bytes: usize) -> String {
    let count = bytes / 40;
    let decls: String = (0..count).map(|i| format!(" xmlns:n{i}=\"urn:n{i}\"")).collect();
    let list: Vec<String> = (0..count).map(|i| format!("n{i}")).collect();
    let transform = format!(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
         <ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
         <ds:Reference URI=\"#{id}\"><ds:Transforms>\
         <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
         <ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">\
         <ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"{list}\"/>\
         </ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
         <ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>\
         <ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>",
        id = spec.response_id,
        list = list.join(" "),
    );
    let xml = unsigned_response_xml(&ResponseSpec { signing: Signing::Nothing, ..spec.clone() });
    let xml = xml.replacen("<samlp:Response ", &format!("<samlp:Response{decls} "), 1).replacen(
        "</saml:Issuer>",
        &format!("</saml:Issuer>{transform}"),
        1,
    );
    let filler = bytes.saturating_sub(xml.len()) / 4;
    xml.replacen("</samlp:Status>", &format!("</samlp:Status>{}", "<x/>".repeat(filler)), 1)
}
