//! The built-in survey link: `{portal}/survey.html?t={token}`. Nobody signs in to answer, so the link
//! is the authorisation: a capability to answer for one object, one customer and one recipient,
//! until it expires. The token is that claim signed with HMAC-SHA256 under a key derived from the
//! session key (`CCM_SESSION_KEY`, domain-separated so the key is never the session key itself):
//! every process that has the session key (`ccm serve`, the API and processor Lambdas) can make
//! and check links, and nothing else can. Links made under `CCM_SESSION_KEY_PREVIOUS` keep working
//! while keys rotate.
//!
//! Token: `base64url(payload) "." base64url(mac)`, payload `s1 \n object \n customer \n respondent
//! \n expires (unix seconds)`. The respondent is a hash of the recipient's address ([`respondent`]),
//! so the link carries no address.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::ids::{CustomerCode, EmailAddress, ObjectId};
use crate::storage_key::Token;

const VERSION: &str = "s1";
/// Longer tokens are refused before any decoding.
const MAX_TOKEN: usize = 1024;

/// What one survey link allows: this recipient answers for this customer about this object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyClaims {
    pub object: ObjectId,
    pub customer: CustomerCode,
    /// [`respondent`] of the recipient's address.
    pub respondent: Token,
    pub expires: DateTime<Utc>,
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not made by this deployment, altered, or not a survey link at all.
    #[error("this survey link is not valid")]
    Invalid,
    /// Genuine, but past its time.
    #[error("this survey link expired on {}", .0.format("%Y-%m-%d"))]
    Expired(DateTime<Utc>),
}

/// The pseudonym of a recipient in survey records: 32 hex digits of SHA-256 over their normalized
/// address (domain-separated). The same person always gets the same one; it reveals no address.
pub fn respondent(email: &EmailAddress) -> Token {
    let digest = hex::encode(Sha256::digest(format!("ccm-survey-respondent\n{}", email.normalized()).as_bytes()));
    Token::from_trusted(digest.get(..32).unwrap_or(&digest).to_owned())
}

/// The signing keys of survey links.
#[derive(Clone)]
pub struct SurveyKeys {
    primary: [u8; 32],
    previous: Option<[u8; 32]>,
}

impl std::fmt::Debug for SurveyKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurveyKeys(***)")
    }
}

fn derive(secret: &str) -> [u8; 32] {
    Sha256::digest([b"ccm-survey-link:".as_slice(), secret.as_bytes()].concat()).into()
}

fn mac(key: &[u8; 32], data: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length: this never fails, and a fixed-size key is always given.
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key) else { unreachable!("HMAC accepts any key length") };
    m.update(data);
    m
}

impl SurveyKeys {
    /// From the session secrets (`CCM_SESSION_KEY`, `CCM_SESSION_KEY_PREVIOUS`).
    pub fn from_secrets(primary: &str, previous: Option<&str>) -> Self {
        Self { primary: derive(primary), previous: previous.map(derive) }
    }

    pub fn sign(&self, claims: &SurveyClaims) -> String {
        let payload = format!(
            "{VERSION}\n{}\n{}\n{}\n{}",
            claims.object,
            claims.customer,
            claims.respondent,
            claims.expires.timestamp()
        );
        let tag = mac(&self.primary, payload.as_bytes()).finalize().into_bytes();
        format!("{}.{}", B64.encode(payload), B64.encode(tag))
    }

    /// The claims of a token this deployment made (under the current or the previous key), if it
    /// has not expired at `now`. The signature is checked (in constant time) before anything else
    /// is read from the token.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<SurveyClaims, LinkError> {
        if token.len() > MAX_TOKEN {
            return Err(LinkError::Invalid);
        }
        let (payload, tag) = token.split_once('.').ok_or(LinkError::Invalid)?;
        let payload = B64.decode(payload).map_err(|_| LinkError::Invalid)?;
        let tag = B64.decode(tag).map_err(|_| LinkError::Invalid)?;
        let signed = std::iter::once(&self.primary)
            .chain(self.previous.as_ref())
            .any(|key| mac(key, &payload).verify_slice(&tag).is_ok());
        if !signed {
            return Err(LinkError::Invalid);
        }
        let payload = String::from_utf8(payload).map_err(|_| LinkError::Invalid)?;
        let mut parts = payload.split('\n');
        let (Some(VERSION), Some(object), Some(customer), Some(respondent), Some(expires), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(LinkError::Invalid);
        };
        let expires =
            expires.parse::<i64>().ok().and_then(|s| Utc.timestamp_opt(s, 0).single()).ok_or(LinkError::Invalid)?;
        let claims = SurveyClaims {
            object: ObjectId::parse(object).map_err(|_| LinkError::Invalid)?,
            customer: CustomerCode::parse(customer).map_err(|_| LinkError::Invalid)?,
            respondent: Token::parse(respondent).map_err(|_| LinkError::Invalid)?,
            expires,
        };
        if now >= claims.expires {
            return Err(LinkError::Expired(claims.expires));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: char) -> SurveyKeys {
        SurveyKeys::from_secrets(&secret.to_string().repeat(48), None)
    }

    fn now() -> DateTime<Utc> {
        "2026-06-10T12:00:00Z".parse().unwrap()
    }

    fn claims() -> SurveyClaims {
        SurveyClaims {
            object: ObjectId::parse("CHG-0f8fad5b-d9cb-469f-a165-70867728950e").unwrap(),
            customer: CustomerCode::parse("acme").unwrap(),
            respondent: respondent(&EmailAddress::parse("Ops@Acme.example.com").unwrap()),
            expires: "2026-09-08T12:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_token_verifies_to_its_claims_and_carries_no_address() {
        let k = keys('k');
        let token = k.sign(&claims());
        assert_eq!(k.verify(&token, now()), Ok(claims()));
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "URL-safe: {token}");
        let (payload, _) = token.split_once('.').unwrap();
        let text = String::from_utf8(B64.decode(payload).unwrap()).unwrap();
        assert!(!text.to_lowercase().contains("acme.example.com"), "{text}");
    }

    #[test]
    fn the_respondent_is_the_same_for_any_spelling_of_an_address() {
        let a = respondent(&EmailAddress::parse("ops@acme.example.com").unwrap());
        assert_eq!(a, respondent(&EmailAddress::parse("OPS@ACME.example.com").unwrap()));
        assert_ne!(a, respondent(&EmailAddress::parse("dev@acme.example.com").unwrap()));
        assert_eq!(a.as_str().len(), 32);
    }

    #[test]
    fn an_expired_token_is_refused_with_its_date() {
        let k = keys('k');
        let token = k.sign(&claims());
        assert_eq!(k.verify(&token, claims().expires), Err(LinkError::Expired(claims().expires)));
        assert_eq!(LinkError::Expired(claims().expires).to_string(), "this survey link expired on 2026-09-08");
    }

    #[test]
    fn a_forged_altered_or_foreign_token_is_refused() {
        let k = keys('k');
        let token = k.sign(&claims());
        let (_, tag) = token.split_once('.').unwrap();
        let forged = [
            "s1\nCHG-0f8fad5b-d9cb-469f-a165-70867728950e\nglobex\nabc\n1788868800".to_owned(),
            format!("s1\nCHG-0f8fad5b-d9cb-469f-a165-70867728950e\nacme\n{}\n4102444800", claims().respondent),
        ];
        for payload in forged {
            assert_eq!(
                k.verify(&format!("{}.{tag}", B64.encode(&payload)), now()),
                Err(LinkError::Invalid),
                "{payload}"
            );
        }
        assert_eq!(k.verify(&keys('x').sign(&claims()), now()), Err(LinkError::Invalid), "another deployment's key");
        let unsubscribe_like = format!("{}.{tag}", B64.encode("v1\nacme\nops@acme.example.com\naws-announce"));
        assert_eq!(k.verify(&unsubscribe_like, now()), Err(LinkError::Invalid));
        for junk in ["", ".", "a.b", "%%.%%", &"a".repeat(5000), &token[..token.len() - 2]] {
            assert_eq!(k.verify(junk, now()), Err(LinkError::Invalid), "{junk:?}");
        }
    }

    #[test]
    fn tokens_made_under_the_previous_key_verify_while_keys_rotate() {
        let old = keys('o');
        let rotated = SurveyKeys::from_secrets(&"n".repeat(48), Some(&"o".repeat(48)));
        assert_eq!(rotated.verify(&old.sign(&claims()), now()), Ok(claims()));
        assert_eq!(keys('n').verify(&old.sign(&claims()), now()), Err(LinkError::Invalid));
    }

    #[test]
    fn the_link_key_is_neither_the_session_key_nor_the_unsubscribe_key() {
        let secret = "k".repeat(48);
        let k = SurveyKeys::from_secrets(&secret, None);
        assert_ne!(k.primary.as_slice(), Sha256::digest(secret.as_bytes()).as_slice());
        let unsubscribe: [u8; 32] =
            Sha256::digest([b"ccm-unsubscribe-link:".as_slice(), secret.as_bytes()].concat()).into();
        assert_ne!(k.primary, unsubscribe);
    }
}
