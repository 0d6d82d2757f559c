//! Sessions: an encrypted and authenticated cookie (XChaCha20-Poly1305), so the browser can neither
//! read nor forge it. No server-side state: the cookie carries the user, roles, customer scope, its
//! creation time (for the absolute maximum) and last activity (for the sliding idle timeout).
//!
//! Cookie value: `v1.{key id}.{base64url(nonce ‖ ciphertext)}`. Two keys may be configured: new
//! cookies are sealed with the primary; cookies sealed with the previous key still open, so a key can
//! be rotated without signing everybody out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ccm_core::{CustomerCode, Role};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const COOKIE_NAME: &str = "ccm_session";
const VERSION: &str = "v1";
const AAD: &[u8] = b"ccm-session-v1";

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// Lower case: the SAML and development sign-ins store it so, and [`SessionKeys::open`]
    /// lower-cases cookies sealed before they did.
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// `None`: every customer. `Some(codes)`: only these customers' objects.
    pub customers: Option<Vec<CustomerCode>>,
    /// The user's identity-provider groups that `portal.role_mappings` names (approval policies
    /// and teams are groups). Cookies sealed before groups existed open with none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl SessionUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&Role::Admin) || self.roles.contains(&role)
    }
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }
    /// May this user see or act on an object of these customers?
    pub fn in_scope(&self, customers: &[CustomerCode]) -> bool {
        match &self.customers {
            None => true,
            Some(mine) => customers.iter().any(|c| mine.contains(c)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user: SessionUser,
    /// Unix seconds of sign-in; never changes when the cookie is re-issued.
    pub created: i64,
    /// Unix seconds of the last request that refreshed the cookie.
    pub last_seen: i64,
    /// The token state-changing requests must echo in `X-CSRF-Token`.
    pub csrf: String,
}

impl Session {
    pub fn new(user: SessionUser, now: DateTime<Utc>) -> Self {
        let mut token = [0u8; 16];
        token.copy_from_slice(&XChaCha20Poly1305::generate_nonce(&mut OsRng)[..16]);
        Self { user, created: now.timestamp(), last_seen: now.timestamp(), csrf: hex::encode(token) }
    }
    pub fn expires_at(&self, policy: &SessionPolicy) -> DateTime<Utc> {
        let idle = self.last_seen + policy.idle.num_seconds();
        let max = self.created + policy.max.num_seconds();
        DateTime::from_timestamp(idle.min(max), 0).unwrap_or_default()
    }
}

/// How long a session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Sliding idle timeout (default 1 h).
    pub idle: Duration,
    /// Absolute maximum from sign-in (default 8 h).
    pub max: Duration,
    /// Re-issue the cookie when it was last refreshed longer ago than this.
    pub refresh_after: Duration,
    /// Mark the cookie `Secure` (off only for plain-http development on loopback).
    pub secure_cookie: bool,
}

impl SessionPolicy {
    /// The lifetimes config.json's `portal` section asks for.
    pub fn from_portal(portal: &ccm_core::config::PortalConfig, secure_cookie: bool) -> Self {
        Self {
            idle: Duration::minutes(i64::from(portal.session_idle_minutes)),
            max: Duration::hours(i64::from(portal.session_max_hours)),
            secure_cookie,
            ..Self::default()
        }
    }
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::hours(1),
            max: Duration::hours(8),
            refresh_after: Duration::minutes(1),
            secure_cookie: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("malformed session cookie")]
    Malformed,
    #[error("session cookie sealed with an unknown key")]
    UnknownKey,
    #[error("session cookie failed authentication (tampered or wrong key)")]
    Forged,
    #[error("session expired: idle for longer than the idle timeout")]
    IdleTimeout,
    #[error("session expired: older than the absolute maximum")]
    MaxLifetime,
}

#[derive(Clone)]
struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
    /// For [`SessionKeys::sign`]: derived from the same secret, never the cipher key itself.
    mac: [u8; 32],
}

impl Key {
    fn from_secret(secret: &str) -> Result<Self, KeyError> {
        if secret.len() < 32 {
            return Err(KeyError::TooShort);
        }
        let material = Sha256::digest([b"ccm-session-key:".as_slice(), secret.as_bytes()].concat());
        let id = hex::encode(&Sha256::digest(material)[..4]);
        let mac = Sha256::digest([b"ccm-signed-link:".as_slice(), secret.as_bytes()].concat()).into();
        Ok(Self { id, cipher: XChaCha20Poly1305::new(&material), mac })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a session key must be at least 32 characters of random data")]
    TooShort,
}

/// The keys cookies are sealed and opened with.
#[derive(Clone)]
pub struct SessionKeys {
    primary: Key,
    previous: Option<Key>,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKeys").field("primary", &self.primary.id).finish_non_exhaustive()
    }
}

impl SessionKeys {
    pub fn new(primary: &str, previous: Option<&str>) -> Result<Self, KeyError> {
        Ok(Self { primary: Key::from_secret(primary)?, previous: previous.map(Key::from_secret).transpose()? })
    }

    /// A key made up at start-up: sessions do not survive a restart. For tests and `ccm serve` without a key.
    pub fn ephemeral() -> Self {
        let a = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let b = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let secret = hex::encode([a.as_slice(), b.as_slice()].concat());
        // 96 hex characters: always long enough.
        Self::new(&secret, None).unwrap_or_else(|_| unreachable_key())
    }

    pub fn seal(&self, session: &Session) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let plain = serde_json::to_vec(session).unwrap_or_default();
        let sealed = self.primary.cipher.encrypt(&nonce, Payload { msg: &plain, aad: AAD }).unwrap_or_default();
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        format!("{VERSION}.{}.{}", self.primary.id, B64.encode(blob))
    }

    /// An HMAC-SHA256 of `data` (base64url) for links that are their own authorisation, such as
    /// calendar feed URLs. `purpose` separates the uses: a MAC made for one never verifies for another.
    pub fn sign(&self, purpose: &str, data: &[u8]) -> String {
        B64.encode(mac(&self.primary.mac, purpose, data))
    }

    /// Whether `signature` is [`SessionKeys::sign`]'s for `data`, under the current or the previous
    /// key (so links survive a key rotation), compared in constant time.
    pub fn verify(&self, purpose: &str, data: &[u8], signature: &str) -> bool {
        let Ok(given) = B64.decode(signature) else { return false };
        [Some(&self.primary), self.previous.as_ref()].into_iter().flatten().any(|k| {
            let want = mac(&k.mac, purpose, data);
            given.len() == want.len() && given.iter().zip(want.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        })
    }

    /// Opens a cookie value; it does not check expiry (see [`check_expiry`]).
    pub fn open(&self, value: &str) -> Result<Session, SessionError> {
        let mut parts = value.splitn(3, '.');
        let (Some(VERSION), Some(kid), Some(blob)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SessionError::Malformed);
        };
        let key = [Some(&self.primary), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == kid)
            .ok_or(SessionError::UnknownKey)?;
        let blob = B64.decode(blob).map_err(|_| SessionError::Malformed)?;
        if blob.len() < 24 + 16 {
            return Err(SessionError::Malformed);
        }
        let (nonce, sealed) = blob.split_at(24);
        let plain = key
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: AAD })
            .map_err(|_| SessionError::Forged)?;
        let mut session: Session = serde_json::from_slice(&plain).map_err(|_| SessionError::Malformed)?;
        session.user.email = session.user.email.to_lowercase();
        Ok(session)
    }
}

fn mac(key: &[u8; 32], purpose: &str, data: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key) else { return [0u8; 32] };
    m.update(purpose.as_bytes());
    m.update(b"\n");
    m.update(data);
    m.finalize().into_bytes().into()
}

fn unreachable_key() -> SessionKeys {
    // `ephemeral` always passes a long secret; keep a total function without panicking.
    let k = Key { id: "00000000".into(), cipher: XChaCha20Poly1305::new(&[7u8; 32].into()), mac: [7u8; 32] };
    SessionKeys { primary: k, previous: None }
}

/// Is the session still alive at `now`?
pub fn check_expiry(session: &Session, policy: &SessionPolicy, now: DateTime<Utc>) -> Result<(), SessionError> {
    let now = now.timestamp();
    if now - session.created > policy.max.num_seconds() {
        return Err(SessionError::MaxLifetime);
    }
    if now - session.last_seen > policy.idle.num_seconds() {
        return Err(SessionError::IdleTimeout);
    }
    Ok(())
}

/// The `Set-Cookie` value carrying a sealed session.
pub fn set_cookie(value: &str, policy: &SessionPolicy) -> String {
    let secure = if policy.secure_cookie { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", policy.max.num_seconds())
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(policy: &SessionPolicy) -> String {
    let secure = if policy.secure_cookie { "; Secure" } else { "" };
    format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// Finds the session cookie's value in a `Cookie` header.
pub fn cookie_value(header: &str) -> Option<&str> {
    header.split(';').map(str::trim).find_map(|kv| kv.strip_prefix(COOKIE_NAME)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> SessionUser {
        SessionUser {
            email: "alice@example.com".into(),
            name: "Alice".into(),
            roles: vec![Role::Author],
            customers: None,
            groups: vec!["ccm-authors".into()],
        }
    }

    #[test]
    fn a_signature_verifies_for_its_purpose_and_data_under_the_current_or_previous_key_only() {
        let old = SessionKeys::new(&"o".repeat(40), None).unwrap();
        let sig = old.sign("calendar-feed", b"v1.u.abc.0");
        assert!(old.verify("calendar-feed", b"v1.u.abc.0", &sig));
        assert!(!old.verify("calendar-feed", b"v1.u.abc.1", &sig), "other data");
        assert!(!old.verify("unsubscribe", b"v1.u.abc.0", &sig), "other purpose");
        assert!(!old.verify("calendar-feed", b"v1.u.abc.0", "not base64!"));
        let rotated = SessionKeys::new(&"n".repeat(40), Some(&"o".repeat(40))).unwrap();
        assert!(rotated.verify("calendar-feed", b"v1.u.abc.0", &sig), "the previous key still verifies");
        let unrelated = SessionKeys::new(&"x".repeat(40), None).unwrap();
        assert!(!unrelated.verify("calendar-feed", b"v1.u.abc.0", &sig));
    }

    #[test]
    fn a_cookie_sealed_before_groups_existed_opens_with_none() {
        let json = r#"{"email":"a@example.com","name":"A","roles":["author"],"customers":null}"#;
        let user: SessionUser = serde_json::from_str(json).unwrap();
        assert!(user.groups.is_empty());
    }

    #[test]
    fn a_sealed_session_opens_with_the_same_key_and_hides_its_content() {
        let keys = SessionKeys::ephemeral();
        let s = Session::new(user(), Utc::now());
        let cookie = keys.seal(&s);
        assert!(!cookie.contains("alice"), "the cookie is encrypted");
        assert_eq!(keys.open(&cookie).unwrap(), s);
    }

    #[test]
    fn a_tampered_cookie_is_refused() {
        let keys = SessionKeys::ephemeral();
        let cookie = keys.seal(&Session::new(user(), Utc::now()));
        let mut bytes = cookie.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.open(&String::from_utf8(bytes).unwrap()), Err(SessionError::Forged));
    }

    #[test]
    fn a_cookie_from_a_foreign_key_is_refused_and_a_rotated_key_still_opens() {
        let old = SessionKeys::new(&"o".repeat(40), None).unwrap();
        let foreign = SessionKeys::new(&"f".repeat(40), None).unwrap();
        let cookie = old.seal(&Session::new(user(), Utc::now()));
        assert_eq!(foreign.open(&cookie), Err(SessionError::UnknownKey));
        let rotated = SessionKeys::new(&"n".repeat(40), Some(&"o".repeat(40))).unwrap();
        assert!(rotated.open(&cookie).is_ok());
        assert!(rotated.seal(&Session::new(user(), Utc::now())).starts_with(&format!("v1.{}", rotated.primary.id)));
    }

    #[test]
    fn sessions_expire_when_idle_or_too_old() {
        let policy = SessionPolicy::default();
        let start = Utc::now();
        let mut s = Session::new(user(), start);
        assert!(check_expiry(&s, &policy, start + Duration::minutes(59)).is_ok());
        assert_eq!(check_expiry(&s, &policy, start + Duration::minutes(61)), Err(SessionError::IdleTimeout));
        s.last_seen = (start + Duration::hours(8)).timestamp();
        assert_eq!(
            check_expiry(&s, &policy, start + Duration::hours(8) + Duration::minutes(1)),
            Err(SessionError::MaxLifetime)
        );
    }

    #[test]
    fn short_keys_and_garbage_are_refused() {
        assert!(SessionKeys::new("short", None).is_err());
        let keys = SessionKeys::ephemeral();
        for bad in ["", "v1", "v1.x.y", "v2.a.b", "v1..", "v1.00000000.!!!"] {
            assert!(keys.open(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_cookie_header_parser_finds_the_session() {
        assert_eq!(cookie_value("a=1; ccm_session=v1.x.y; b=2"), Some("v1.x.y"));
        assert_eq!(cookie_value("ccm_sessionx=1"), None);
    }
}
