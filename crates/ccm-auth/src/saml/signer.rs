//! A minimal XML-DSig signer for tests and the test IdP (feature `test-idp`): an enveloped
//! signature with exclusive c14n and RSA-SHA256, inserted after the element's `Issuer`, the way
//! SAML IdPs place it. Production code never signs XML.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256};

use super::budget::Deadline;
use super::c14n::{self, EXC_C14N};
use super::limits::Limits;
use super::signature::{RSA_SHA256, SHA256};
use super::xml::{self, NS_ASSERTION, NS_DSIG};

const PLACEHOLDER: &str = "ccm-test-signature-value-placeholder";

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("no element with ID {0:?} and a saml:Issuer child")]
    NoElement(String),
    #[error(transparent)]
    Xml(#[from] xml::XmlError),
    #[error(transparent)]
    C14n(#[from] c14n::C14nError),
    #[error("RSA signing failed: {0}")]
    Rsa(#[from] rsa::Error),
}

/// Signs the element whose `ID` is `id` with `key`, embedding `cert_der` in `KeyInfo`.
pub fn sign_enveloped(xml_text: &str, id: &str, key: &RsaPrivateKey, cert_der: &[u8]) -> Result<String, SignError> {
    sign_enveloped_with_prefixes(xml_text, id, key, cert_der, &[])
}

/// As [`sign_enveloped`], with an InclusiveNamespaces `PrefixList` on both canonicalizations (as
/// some IdPs send, e.g. `xs`).
pub fn sign_enveloped_with_prefixes(
    xml_text: &str,
    id: &str,
    key: &RsaPrivateKey,
    cert_der: &[u8],
    prefixes: &[String],
) -> Result<String, SignError> {
    // Trusted input: the larger metadata limits let tests sign documents the verifier must refuse.
    let doc = xml::parse(xml_text, &Limits::METADATA)?;
    let element = doc
        .descendants()
        .find(|n| n.is_element() && n.attribute("ID") == Some(id))
        .ok_or_else(|| SignError::NoElement(id.to_owned()))?;
    let issuer =
        xml::children(element, NS_ASSERTION, "Issuer").next().ok_or_else(|| SignError::NoElement(id.to_owned()))?;
    let digest =
        STANDARD.encode(Sha256::digest(c14n::canonicalize(element, None, prefixes, Deadline::NONE)?.as_bytes()));
    let exc_c14n = if prefixes.is_empty() {
        format!("Algorithm=\"{EXC_C14N}\"/>")
    } else {
        format!(
            "Algorithm=\"{EXC_C14N}\"><ec:InclusiveNamespaces xmlns:ec=\"{EXC_C14N}\" PrefixList=\"{}\"/>",
            prefixes.join(" ")
        )
    };
    let close = |element: &str| if prefixes.is_empty() { String::new() } else { format!("</ds:{element}>") };
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{NS_DSIG}\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod {exc_c14n}{close_method}<ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"/>\
         <ds:Reference URI=\"#{id}\"><ds:Transforms>\
         <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
         <ds:Transform {exc_c14n}{close_transform}</ds:Transforms>\
         <ds:DigestMethod Algorithm=\"{SHA256}\"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>\
         </ds:SignedInfo><ds:SignatureValue>{PLACEHOLDER}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\
         </ds:Signature>",
        cert = STANDARD.encode(cert_der),
        close_method = close("CanonicalizationMethod"),
        close_transform = close("Transform"),
    );
    let at = issuer.range().end;
    let spliced = format!("{}{signature}{}", &xml_text[..at], &xml_text[at..]);

    let doc = xml::parse(&spliced, &Limits::METADATA)?;
    let signed_info = doc
        .descendants()
        .filter(|n| xml::is(*n, NS_DSIG, "SignedInfo"))
        .find(|n| n.parent().and_then(|p| p.parent()).and_then(|e| e.attribute("ID")) == Some(id))
        .ok_or_else(|| SignError::NoElement(id.to_owned()))?;
    let hashed = Sha256::digest(c14n::canonicalize(signed_info, None, prefixes, Deadline::NONE)?.as_bytes());
    let value = STANDARD.encode(key.sign(Pkcs1v15Sign::new::<Sha256>(), &hashed)?);
    Ok(spliced.replacen(PLACEHOLDER, &value, 1))
}
