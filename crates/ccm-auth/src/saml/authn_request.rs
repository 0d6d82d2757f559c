//! The AuthnRequest and its HTTP-Redirect binding: raw DEFLATE, base64, URL-encoded into the query
//! of the IdP's single sign-on URL, with RelayState beside it. Requests are not signed
//! (Identity Center does not require it); the response is bound to the request by its ID.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore;
use chrono::{DateTime, SecondsFormat, Utc};
use flate2::Compression;
use flate2::write::DeflateEncoder;

use super::xml::{NS_ASSERTION, NS_PROTOCOL};

const EMAIL_FORMAT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const POST_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// A fresh request id: `_` and 32 hex digits (an XML NCName, unguessable).
pub fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("_{hex}")
}

/// The AuthnRequest XML.
pub fn authn_request_xml(id: &str, sp_entity_id: &str, acs_url: &str, sso_url: &str, now: DateTime<Utc>) -> String {
    format!(
        "<samlp:AuthnRequest xmlns:samlp=\"{NS_PROTOCOL}\" xmlns:saml=\"{NS_ASSERTION}\" ID=\"{id}\" Version=\"2.0\" \
         IssueInstant=\"{instant}\" Destination=\"{sso}\" AssertionConsumerServiceURL=\"{acs}\" \
         ProtocolBinding=\"{POST_BINDING}\"><saml:Issuer>{issuer}</saml:Issuer>\
         <samlp:NameIDPolicy Format=\"{EMAIL_FORMAT}\" AllowCreate=\"true\"/></samlp:AuthnRequest>",
        id = escape(id),
        instant = now.to_rfc3339_opts(SecondsFormat::Secs, true),
        sso = escape(sso_url),
        acs = escape(acs_url),
        issuer = escape(sp_entity_id),
    )
}

/// The IdP URL that carries `request_xml` and `relay_state` (HTTP-Redirect binding).
pub fn redirect_url(sso_url: &str, request_xml: &str, relay_state: &str) -> String {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail.
    let deflated = encoder.write_all(request_xml.as_bytes()).and_then(|()| encoder.finish()).unwrap_or_default();
    let query =
        serde_urlencoded::to_string([("SAMLRequest", STANDARD.encode(deflated).as_str()), ("RelayState", relay_state)])
            .unwrap_or_default();
    let separator = if sso_url.contains('?') { '&' } else { '?' };
    format!("{sso_url}{separator}{query}")
}

/// The most an inflated `SAMLRequest` may hold (an AuthnRequest is a few hundred bytes).
const MAX_INFLATED_BYTES: u64 = 64 * 1024;

/// Inflates a `SAMLRequest` query value (the IdP side; used by the test IdP and tests). Bounded
/// before decoding and while inflating: `None` for anything larger than `MAX_INFLATED_BYTES` (64 KiB).
pub fn inflate_request(b64: &str) -> Option<String> {
    use std::io::Read;
    if b64.len() as u64 > MAX_INFLATED_BYTES {
        return None;
    }
    let deflated = STANDARD.decode(b64).ok()?;
    let mut xml = String::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_string(&mut xml)
        .ok()?;
    (xml.len() as u64 <= MAX_INFLATED_BYTES).then_some(xml)
}

pub(crate) use ccm_core::render::escape_html as escape;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_and_a_deflate_bomb_is_not_inflated() {
        let url = redirect_url("https://idp.example/sso", "<r/>", "_x");
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        assert_eq!(inflate_request(&params[0].1).as_deref(), Some("<r/>"));

        // One MiB of zeros deflates to about a kilobyte: the inflated size is bounded, not the input.
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&vec![b'a'; 1 << 20]).unwrap();
        let bomb = STANDARD.encode(encoder.finish().unwrap());
        assert!(bomb.len() < 4096);
        assert_eq!(inflate_request(&bomb), None);
        assert_eq!(inflate_request(&"A".repeat(100_000)), None);
    }
}
