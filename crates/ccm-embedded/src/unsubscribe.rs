//! One-click unsubscribe links for the outbox of `ccm serve`, as SES makes them for a send with
//! `ListManagementOptions`: one link per (customer, recipient, topic), carried in the message
//! (`{{amazonSESUnsubscribeUrl}}`) and in its `List-Unsubscribe` header (RFC 8058). The link is
//! its own authorisation, so it is unforgeable: the token is the triple signed with HMAC-SHA256
//! under a key derived from the serve session key (domain-separated, so it is never the session key
//! itself); tokens made under `CCM_SESSION_KEY_PREVIOUS` keep working while keys rotate.
//!
//! Token: `base64url(payload) "." base64url(mac)`, payload `v1 \n customer \n address \n topic`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Where `ccm serve` answers unsubscribe links: `{portal}/unsubscribe/{token}`.
pub const PATH: &str = "/unsubscribe";
/// Longer tokens are refused before any decoding.
const MAX_TOKEN: usize = 1024;
const VERSION: &str = "v1";

/// What one link unsubscribes: this address, from this topic, in this customer's contact list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub customer: CustomerCode,
    pub email: EmailAddress,
    pub topic: TopicName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("this unsubscribe link is not valid")]
pub struct BadToken;

/// The signing keys of unsubscribe links.
#[derive(Clone)]
pub struct LinkKeys {
    primary: [u8; 32],
    previous: Option<[u8; 32]>,
}

impl std::fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKeys(***)")
    }
}

fn derive(secret: &str) -> [u8; 32] {
    Sha256::digest([b"ccm-unsubscribe-link:".as_slice(), secret.as_bytes()].concat()).into()
}

fn hmac(key: &[u8; 32], data: &[u8]) -> Hmac<Sha256> {
    #[allow(clippy::expect_used)]
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    m.update(data);
    m
}

impl LinkKeys {
    /// From the serve session secrets (`CCM_SESSION_KEY`, `CCM_SESSION_KEY_PREVIOUS`, or the key
    /// file in the data directory).
    pub fn from_secrets(primary: &str, previous: Option<&str>) -> Self {
        Self { primary: derive(primary), previous: previous.map(derive) }
    }

    pub fn token(&self, u: &Unsubscribe) -> String {
        let payload = format!("{VERSION}\n{}\n{}\n{}", u.customer, u.email.as_str(), u.topic);
        let mac = hmac(&self.primary, payload.as_bytes()).finalize().into_bytes();
        format!("{}.{}", B64.encode(payload), B64.encode(mac))
    }

    /// `{base}/unsubscribe/{token}`.
    pub fn link(&self, base_url: &str, u: &Unsubscribe) -> String {
        format!("{}{PATH}/{}", base_url.trim_end_matches('/'), self.token(u))
    }

    /// The triple a token was made for, if this server made it (under the current or previous key).
    pub fn verify(&self, token: &str) -> Result<Unsubscribe, BadToken> {
        if token.len() > MAX_TOKEN {
            return Err(BadToken);
        }
        let (payload, mac) = token.split_once('.').ok_or(BadToken)?;
        let payload = B64.decode(payload).map_err(|_| BadToken)?;
        let mac = B64.decode(mac).map_err(|_| BadToken)?;
        let signed = std::iter::once(&self.primary)
            .chain(self.previous.as_ref())
            .any(|key| hmac(key, &payload).verify_slice(&mac).is_ok());
        if !signed {
            return Err(BadToken);
        }
        let payload = String::from_utf8(payload).map_err(|_| BadToken)?;
        let mut parts = payload.split('\n');
        let (Some(VERSION), Some(customer), Some(email), Some(topic), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(BadToken);
        };
        Ok(Unsubscribe {
            customer: CustomerCode::parse(customer).map_err(|_| BadToken)?,
            email: EmailAddress::parse(email).map_err(|_| BadToken)?,
            topic: TopicName::parse(topic).map_err(|_| BadToken)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops() -> Unsubscribe {
        Unsubscribe {
            customer: CustomerCode::parse("acme").unwrap(),
            email: EmailAddress::parse("ops@acme.example.com").unwrap(),
            topic: TopicName::parse("aws-announce").unwrap(),
        }
    }

    #[test]
    fn a_token_verifies_to_the_triple_it_was_made_for() {
        let keys = LinkKeys::from_secrets(&"k".repeat(48), None);
        assert_eq!(keys.verify(&keys.token(&ops())), Ok(ops()));
        let link = keys.link("http://127.0.0.1:9000/", &ops());
        assert!(link.starts_with("http://127.0.0.1:9000/unsubscribe/"), "{link}");
        assert!(link.bytes().all(|b| b.is_ascii_alphanumeric() || b"/:.-_".contains(&b)), "{link}");
    }

    #[test]
    fn a_forged_or_altered_token_is_refused() {
        let keys = LinkKeys::from_secrets(&"k".repeat(48), None);
        let token = keys.token(&ops());
        let (_, mac) = token.split_once('.').unwrap();
        // Another address, customer or topic under the same signature.
        for payload in [
            "v1\nacme\nboss@acme.example.com\naws-announce",
            "v1\nglobex\nops@acme.example.com\naws-announce",
            "v1\nacme\nops@acme.example.com\naws-approval",
        ] {
            assert_eq!(keys.verify(&format!("{}.{mac}", B64.encode(payload))), Err(BadToken), "{payload}");
        }
        let other = LinkKeys::from_secrets(&"x".repeat(48), None);
        assert_eq!(keys.verify(&other.token(&ops())), Err(BadToken), "another server's key");
        for junk in ["", ".", "a.b", "%%%.%%%", &"a".repeat(5000), &token[..token.len() - 2]] {
            assert_eq!(keys.verify(junk), Err(BadToken), "{junk:?}");
        }
    }

    #[test]
    fn tokens_made_under_the_previous_key_still_verify_while_keys_rotate() {
        let old = LinkKeys::from_secrets(&"o".repeat(48), None);
        let rotated = LinkKeys::from_secrets(&"n".repeat(48), Some(&"o".repeat(48)));
        assert_eq!(rotated.verify(&old.token(&ops())), Ok(ops()));
    }

    #[test]
    fn the_link_key_is_not_the_session_key() {
        let secret = "k".repeat(48);
        let keys = LinkKeys::from_secrets(&secret, None);
        assert_ne!(keys.primary.as_slice(), Sha256::digest(secret.as_bytes()).as_slice());
    }
}
