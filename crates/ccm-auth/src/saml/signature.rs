//! XML-DSig verification of an enveloped signature, narrowed to the profile SAML IdPs use:
//! one `ds:Signature` as a direct child of the signed element, one `Reference` whose URI is
//! `#` + that element's own `ID`, transforms `enveloped-signature` then exclusive c14n, SHA-256
//! or SHA-512 digests, RSA PKCS#1 v1.5 signatures. Anything else is refused rather than guessed.
//!
//! The key is always the one from IdP metadata; a `KeyInfo` in the message is ignored.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use roxmltree::{Node, NodeId};
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha2::{Digest, Sha256, Sha512};

use super::budget::Deadline;
use super::c14n::{self, EXC_C14N};
use super::xml::{self, NS_DSIG};
use crate::log_value::truncated;

const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub(crate) const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
pub(crate) const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";

/// The most prefixes an InclusiveNamespaces PrefixList may name. Real IdPs name a handful
/// (`xs`, `#default saml ds xs xsi`); each listed prefix is looked up at every element.
pub const MAX_INCLUSIVE_PREFIXES: usize = 16;
/// Algorithm URIs and other quoted values are cut to this many characters in errors.
const QUOTE_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the element is not signed")]
    Missing,
    #[error("the element has more than one signature")]
    Several,
    #[error("the signature is malformed: {0}")]
    Malformed(&'static str),
    #[error("unsupported algorithm {0}")]
    Unsupported(String),
    #[error("the InclusiveNamespaces PrefixList names more than {MAX_INCLUSIVE_PREFIXES} prefixes")]
    PrefixList,
    #[error("the signature does not reference the element it is attached to")]
    WrongReference,
    #[error("the signed content was changed (digest mismatch)")]
    DigestMismatch,
    #[error("the signature does not verify with the IdP certificate")]
    BadSignature,
    #[error("canonicalization failed: {0}")]
    C14n(#[from] c14n::C14nError),
}

#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha512,
}

impl Hash {
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
    fn pkcs1(self) -> Pkcs1v15Sign {
        match self {
            Self::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            Self::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        }
    }
}

/// Does `element` carry a direct-child `ds:Signature`?
pub(crate) fn signature_of<'a, 'i>(element: Node<'a, 'i>) -> Result<Option<Node<'a, 'i>>, SignatureError> {
    xml::only_child(element, NS_DSIG, "Signature").map_err(|()| SignatureError::Several)
}

/// Verifies the enveloped signature of `element` with one of `keys`; `resolve` looks an id up in
/// the document's unique-id index.
/// On success the caller may trust `element` and its descendants, and nothing else.
pub(crate) fn verify_enveloped(
    element: Node<'_, '_>,
    resolve: impl Fn(&str) -> Option<NodeId>,
    keys: &[RsaPublicKey],
    deadline: Deadline,
) -> Result<(), SignatureError> {
    let signature = signature_of(element)?.ok_or(SignatureError::Missing)?;
    let mut parts = signature.children().filter(Node::is_element);
    let signed_info =
        parts.next().filter(|n| xml::is(*n, NS_DSIG, "SignedInfo")).ok_or(SignatureError::Malformed("SignedInfo"))?;
    let value = parts
        .next()
        .filter(|n| xml::is(*n, NS_DSIG, "SignatureValue"))
        .ok_or(SignatureError::Malformed("SignatureValue"))?;
    // Only KeyInfo may follow; an Object could smuggle a second signed element into the document.
    if parts.any(|n| !xml::is(n, NS_DSIG, "KeyInfo")) {
        return Err(SignatureError::Malformed("unexpected element in Signature"));
    }

    let mut info = signed_info.children().filter(Node::is_element);
    let c14n_method = info
        .next()
        .filter(|n| xml::is(*n, NS_DSIG, "CanonicalizationMethod"))
        .ok_or(SignatureError::Malformed("CanonicalizationMethod"))?;
    require_exc_c14n(c14n_method)?;
    let method = info
        .next()
        .filter(|n| xml::is(*n, NS_DSIG, "SignatureMethod"))
        .ok_or(SignatureError::Malformed("SignatureMethod"))?;
    let sig_hash = match method.attribute("Algorithm") {
        Some(RSA_SHA256) => Hash::Sha256,
        Some(RSA_SHA512) => Hash::Sha512,
        other => return Err(unsupported(other)),
    };
    let reference =
        info.next().filter(|n| xml::is(*n, NS_DSIG, "Reference")).ok_or(SignatureError::Malformed("Reference"))?;
    if info.next().is_some() {
        return Err(SignatureError::Malformed("exactly one Reference is accepted"));
    }

    // The reference must name this very element, by an id that occurs once in the document.
    let own_id = element.attribute("ID").ok_or(SignatureError::WrongReference)?;
    let uri = reference.attribute("URI").ok_or(SignatureError::WrongReference)?;
    let target = uri.strip_prefix('#').ok_or(SignatureError::WrongReference)?;
    if target != own_id || resolve(target) != Some(element.id()) {
        return Err(SignatureError::WrongReference);
    }

    let inclusive = check_transforms(reference)?;
    let mut ref_parts = reference.children().filter(|n| n.is_element() && !xml::is(*n, NS_DSIG, "Transforms"));
    let digest_method = ref_parts
        .next()
        .filter(|n| xml::is(*n, NS_DSIG, "DigestMethod"))
        .ok_or(SignatureError::Malformed("DigestMethod"))?;
    let digest_hash = match digest_method.attribute("Algorithm") {
        Some(SHA256) => Hash::Sha256,
        Some(SHA512) => Hash::Sha512,
        other => return Err(unsupported(other)),
    };
    let digest_value = ref_parts
        .next()
        .filter(|n| xml::is(*n, NS_DSIG, "DigestValue"))
        .and_then(xml::simple_text)
        .and_then(|t| decode_b64(&t))
        .ok_or(SignatureError::Malformed("DigestValue"))?;

    let info_inclusive = inclusive_prefixes(c14n_method)?;
    let canonical = c14n::canonicalize(element, Some(signature.id()), &inclusive, deadline)?;
    if digest_hash.digest(canonical.as_bytes()) != digest_value {
        return Err(SignatureError::DigestMismatch);
    }

    let canonical_info = c14n::canonicalize(signed_info, None, &info_inclusive, deadline)?;
    let hashed = sig_hash.digest(canonical_info.as_bytes());
    let signature_value =
        xml::simple_text(value).and_then(|t| decode_b64(&t)).ok_or(SignatureError::Malformed("SignatureValue"))?;
    if keys.iter().any(|key| key.verify(sig_hash.pkcs1(), &hashed, &signature_value).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::BadSignature)
    }
}

fn require_exc_c14n(method: Node<'_, '_>) -> Result<(), SignatureError> {
    match method.attribute("Algorithm") {
        Some(EXC_C14N) => Ok(()),
        other => Err(unsupported(other)),
    }
}

/// The error for an algorithm outside the profile, quoting (a bounded part of) its URI.
fn unsupported(algorithm: Option<&str>) -> SignatureError {
    SignatureError::Unsupported(truncated(algorithm.unwrap_or_default(), QUOTE_CHARS))
}

/// Exactly `enveloped-signature` then exclusive c14n; returns the c14n's inclusive prefixes.
fn check_transforms(reference: Node<'_, '_>) -> Result<Vec<String>, SignatureError> {
    let transforms = xml::only_child(reference, NS_DSIG, "Transforms")
        .map_err(|()| SignatureError::Malformed("Transforms"))?
        .ok_or(SignatureError::Malformed("Transforms"))?;
    let list: Vec<Node<'_, '_>> = transforms.children().filter(Node::is_element).collect();
    match list.as_slice() {
        [first, second]
            if xml::is(*first, NS_DSIG, "Transform")
                && first.attribute("Algorithm") == Some(ENVELOPED)
                && xml::is(*second, NS_DSIG, "Transform") =>
        {
            require_exc_c14n(*second)?;
            inclusive_prefixes(*second)
        }
        _ => Err(SignatureError::Unsupported("transforms other than enveloped-signature + exc-c14n".into())),
    }
}

/// The PrefixList of an exclusive c14n method (at most [`MAX_INCLUSIVE_PREFIXES`], checked before
/// anything is canonicalized).
fn inclusive_prefixes(method: Node<'_, '_>) -> Result<Vec<String>, SignatureError> {
    let list = method
        .children()
        .find(|n| xml::is(*n, EXC_C14N, "InclusiveNamespaces"))
        .and_then(|n| n.attribute("PrefixList"))
        .unwrap_or_default();
    let mut prefixes = Vec::new();
    for prefix in list.split_ascii_whitespace() {
        if prefixes.len() == MAX_INCLUSIVE_PREFIXES {
            return Err(SignatureError::PrefixList);
        }
        prefixes.push(prefix.to_owned());
    }
    Ok(prefixes)
}

fn decode_b64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).ok()
}
