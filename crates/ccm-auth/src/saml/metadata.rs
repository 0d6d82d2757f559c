//! IdP metadata (the XML IAM Identity Center offers for download): entity id, the HTTP-Redirect
//! single sign-on URL and the signing certificates. The file is trusted configuration put in place
//! by an operator; its own signature, if any, is not checked.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

use super::limits::Limits;
use super::xml::{self, NS_DSIG, NS_METADATA};

const REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("IdP metadata: {0}")]
    Xml(#[from] xml::XmlError),
    #[error("IdP metadata: {0}")]
    Missing(&'static str),
    #[error("IdP metadata: a signing certificate is not a readable X.509 RSA certificate: {0}")]
    Certificate(String),
}

/// What the service provider needs to know about its identity provider.
#[derive(Debug, Clone)]
pub struct IdpMetadata {
    pub entity_id: String,
    /// Where AuthnRequests are sent (HTTP-Redirect binding).
    pub sso_url: String,
    /// Several during a certificate rotation; a signature by any of them is accepted.
    pub signing_keys: Vec<RsaPublicKey>,
}

impl IdpMetadata {
    pub fn parse(text: &str) -> Result<Self, MetadataError> {
        let doc = xml::parse(text.trim_start_matches('\u{feff}'), &Limits::METADATA)?;
        let entity = doc
            .descendants()
            .find(|n| {
                xml::is(*n, NS_METADATA, "EntityDescriptor")
                    && xml::children(*n, NS_METADATA, "IDPSSODescriptor").next().is_some()
            })
            .ok_or(MetadataError::Missing("no EntityDescriptor with an IDPSSODescriptor"))?;
        let entity_id =
            entity.attribute("entityID").filter(|s| !s.trim().is_empty()).ok_or(MetadataError::Missing("entityID"))?;
        let idp = xml::children(entity, NS_METADATA, "IDPSSODescriptor")
            .next()
            .ok_or(MetadataError::Missing("IDPSSODescriptor"))?;
        let sso_url = xml::children(idp, NS_METADATA, "SingleSignOnService")
            .find(|s| s.attribute("Binding") == Some(REDIRECT_BINDING))
            .and_then(|s| s.attribute("Location"))
            .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
            .ok_or(MetadataError::Missing("a SingleSignOnService with the HTTP-Redirect binding"))?;
        let mut signing_keys = Vec::new();
        for key in xml::children(idp, NS_METADATA, "KeyDescriptor")
            .filter(|k| k.attribute("use").is_none_or(|u| u == "signing"))
        {
            for cert in key.descendants().filter(|n| xml::is(*n, NS_DSIG, "X509Certificate")) {
                signing_keys.push(public_key(&xml::simple_text(cert).unwrap_or_default())?);
            }
        }
        if signing_keys.is_empty() {
            return Err(MetadataError::Missing("a signing certificate (KeyDescriptor/X509Certificate)"));
        }
        Ok(Self { entity_id: entity_id.trim().to_owned(), sso_url: sso_url.to_owned(), signing_keys })
    }
}

/// The RSA public key of a base64 DER certificate. Its validity dates are not checked: the
/// certificate is pinned by metadata, as SAML deployments (Identity Center included) expect.
pub(crate) fn public_key(b64: &str) -> Result<RsaPublicKey, MetadataError> {
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = STANDARD.decode(compact).map_err(|e| MetadataError::Certificate(e.to_string()))?;
    let cert = Certificate::from_der(&der).map_err(|e| MetadataError::Certificate(e.to_string()))?;
    let spki =
        cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| MetadataError::Certificate(e.to_string()))?;
    RsaPublicKey::from_public_key_der(&spki).map_err(|e| MetadataError::Certificate(e.to_string()))
}
