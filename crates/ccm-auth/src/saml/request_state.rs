//! The state of a sign-in in flight, kept by the browser: a cookie named after the AuthnRequest id
//! (`ccm_saml_{id}`), HMAC-signed, holding that id, the local return path and the start time. The
//! RelayState sent through the IdP is the same id, an opaque reference: the ACS finds the cookie by
//! it, checks the signature and age, and requires the response's InResponseTo to equal it. One
//! cookie per request lets several tabs sign in at once; binding to the browser stops login CSRF.
//!
//! The IdP posts the response cross-site, and SameSite=Lax cookies are not sent on a cross-site
//! POST, so this cookie is `SameSite=None; Secure` (scoped to `Path=/saml/acs`, 10 minutes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const COOKIE_PREFIX: &str = "ccm_saml_";
/// How long a user may spend at the IdP (MFA included) before the sign-in must start again.
pub const MAX_AGE: Duration = Duration::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestState {
    /// The AuthnRequest id, also the RelayState.
    pub id: String,
    /// Where to go after sign-in (already checked to be a local path).
    pub return_to: String,
    /// Unix seconds when the sign-in started.
    pub started: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestStateError {
    #[error("RelayState is missing or not one of ours")]
    BadRelayState,
    #[error("no sign-in in progress in this browser for this RelayState (cookie missing)")]
    NoCookie,
    #[error("the sign-in state cookie is forged or malformed")]
    Forged,
    #[error("the sign-in took too long (state older than 10 minutes)")]
    TooOld,
}

/// HMAC keys for request-state cookies, derived from the session secrets (domain-separated).
#[derive(Clone)]
pub struct RequestStateKeys {
    primary: [u8; 32],
    previous: Option<[u8; 32]>,
}

impl std::fmt::Debug for RequestStateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestStateKeys(***)")
    }
}

impl RequestStateKeys {
    /// From the same secrets as the session keys (`CCM_SESSION_KEY`, `CCM_SESSION_KEY_PREVIOUS`).
    pub fn from_secrets(primary: &str, previous: Option<&str>) -> Self {
        Self { primary: derive(primary), previous: previous.map(derive) }
    }

    /// A random key: state does not survive a restart. For tests.
    pub fn ephemeral() -> Self {
        Self::from_secrets(&super::authn_request::new_request_id(), None)
    }

    pub fn cookie_name(id: &str) -> String {
        format!("{COOKIE_PREFIX}{id}")
    }

    pub fn seal(&self, state: &RequestState) -> String {
        let body = B64.encode(serde_json::to_vec(state).unwrap_or_default());
        let tag = B64.encode(mac(&self.primary, body.as_bytes()));
        format!("{body}.{tag}")
    }

    /// Opens the state for `relay_state` from a `Cookie` header.
    pub fn open(
        &self,
        relay_state: &str,
        cookie_header: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RequestState, RequestStateError> {
        if !is_request_id(relay_state) {
            return Err(RequestStateError::BadRelayState);
        }
        let name = Self::cookie_name(relay_state);
        let value = cookie_header
            .and_then(|h| h.split(';').map(str::trim).find_map(|kv| kv.strip_prefix(name.as_str())?.strip_prefix('=')))
            .ok_or(RequestStateError::NoCookie)?;
        let (body, tag) = value.split_once('.').ok_or(RequestStateError::Forged)?;
        let tag = B64.decode(tag).map_err(|_| RequestStateError::Forged)?;
        let authentic = [Some(&self.primary), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .any(|key| verify_mac(key, body.as_bytes(), &tag));
        if !authentic {
            return Err(RequestStateError::Forged);
        }
        let state: RequestState = B64
            .decode(body)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(RequestStateError::Forged)?;
        if state.id != relay_state {
            return Err(RequestStateError::Forged);
        }
        let age = now.timestamp() - state.started;
        if !(-60..=MAX_AGE.num_seconds()).contains(&age) {
            return Err(RequestStateError::TooOld);
        }
        Ok(state)
    }
}

/// The `Set-Cookie` value for a request state. Without `secure` (plain-http development) the
/// cookie falls back to SameSite=Lax, which works when the IdP is on the same site (a test IdP).
pub fn set_cookie(id: &str, value: &str, secure: bool) -> String {
    let attrs = if secure { "SameSite=None; Secure" } else { "SameSite=Lax" };
    format!(
        "{}={value}; Path=/saml/acs; HttpOnly; {attrs}; Max-Age={}",
        RequestStateKeys::cookie_name(id),
        MAX_AGE.num_seconds()
    )
}

pub fn clear_cookie(id: &str, secure: bool) -> String {
    let attrs = if secure { "SameSite=None; Secure" } else { "SameSite=Lax" };
    format!("{}=; Path=/saml/acs; HttpOnly; {attrs}; Max-Age=0", RequestStateKeys::cookie_name(id))
}

/// `_` and 32 lower-case hex digits: what [`super::authn_request::new_request_id`] makes. Checked
/// before the RelayState becomes part of a cookie name.
pub(crate) fn is_request_id(s: &str) -> bool {
    s.len() == 33 && s.starts_with('_') && s[1..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn derive(secret: &str) -> [u8; 32] {
    Sha256::digest([b"ccm-saml-request-state:".as_slice(), secret.as_bytes()].concat()).into()
}

fn hmac(key: &[u8; 32], data: &[u8]) -> Hmac<Sha256> {
    #[allow(clippy::expect_used)]
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    m.update(data);
    m
}

fn mac(key: &[u8; 32], data: &[u8]) -> Vec<u8> {
    hmac(key, data).finalize().into_bytes().to_vec()
}

fn verify_mac(key: &[u8; 32], data: &[u8], tag: &[u8]) -> bool {
    hmac(key, data).verify_slice(tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(now: DateTime<Utc>) -> RequestState {
        RequestState {
            id: super::super::authn_request::new_request_id(),
            return_to: "/x".into(),
            started: now.timestamp(),
        }
    }

    #[test]
    fn a_sealed_state_opens_for_its_relay_state_only() {
        let keys = RequestStateKeys::from_secrets("s".repeat(40).as_str(), None);
        let now = Utc::now();
        let s = state(now);
        let header = format!("a=b; {}={}", RequestStateKeys::cookie_name(&s.id), keys.seal(&s));
        assert_eq!(keys.open(&s.id, Some(&header), now), Ok(s.clone()));
        let other = state(now).id;
        assert_eq!(keys.open(&other, Some(&header), now), Err(RequestStateError::NoCookie));
        assert_eq!(keys.open("../x", Some(&header), now), Err(RequestStateError::BadRelayState));
        assert_eq!(keys.open(&s.id, Some(&header), now + Duration::minutes(11)), Err(RequestStateError::TooOld));
    }

    #[test]
    fn a_state_from_another_key_or_tampered_is_forged_and_rotation_keeps_it() {
        let old = RequestStateKeys::from_secrets("o", None);
        let now = Utc::now();
        let s = state(now);
        let header = format!("{}={}", RequestStateKeys::cookie_name(&s.id), old.seal(&s));
        let foreign = RequestStateKeys::from_secrets("f", None);
        assert_eq!(foreign.open(&s.id, Some(&header), now), Err(RequestStateError::Forged));
        let rotated = RequestStateKeys::from_secrets("n", Some("o"));
        assert!(rotated.open(&s.id, Some(&header), now).is_ok());
        let tampered = header.replacen("=ey", "=fy", 1);
        assert_eq!(old.open(&s.id, Some(&tampered), now), Err(RequestStateError::Forged));
    }
}
