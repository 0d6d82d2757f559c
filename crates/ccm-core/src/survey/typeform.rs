//! Typeform webhook deliveries: the signature and the payload.
//!
//! Typeform signs each delivery with the webhook's secret: `Typeform-Signature: sha256=` followed by
//! the **base64** of HMAC-SHA256(secret, raw body) (typeform.com/developers/webhooks/secure-your-
//! webhooks). It is checked over the raw bytes, in constant time, before the body is parsed. (The
//! original system compared hex and then checked again with a second secret, so nothing verified.)

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

use super::{REF_EXCELLENT, REF_IMPROVE, REF_RECOMMEND};

/// The header Typeform signs with (HTTP header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "typeform-signature";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Typeform-Signature header is missing")]
    Missing,
    #[error("the Typeform-Signature header is not sha256=<base64>")]
    Malformed,
    #[error("the Typeform-Signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8], body: &[u8]) -> Hmac<Sha256> {
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else { unreachable!("HMAC accepts any key length") };
    m.update(body);
    m
}

/// The header value Typeform would send for `body` (tests and tools sign with it).
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", STANDARD.encode(mac(secret, body).finalize().into_bytes()))
}

/// Checks `header` against the body: a `sha256=` prefix, standard base64 of exactly 32 bytes, and an
/// HMAC that matches in constant time.
pub fn verify_signature(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let encoded = header.trim().strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    let tag = STANDARD.decode(encoded).map_err(|_| SignatureError::Malformed)?;
    if tag.len() != 32 {
        return Err(SignatureError::Malformed);
    }
    mac(secret, body).verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

/// One delivery: `{event_id, event_type, form_response}`.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookEvent {
    pub event_id: String,
    pub event_type: String,
    #[serde(default)]
    pub form_response: Option<FormResponse>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FormResponse {
    pub form_id: String,
    /// Unique per response: deliveries of the same response carry the same token.
    pub token: String,
    pub submitted_at: DateTime<Utc>,
    #[serde(default)]
    pub hidden: BTreeMap<String, Value>,
    #[serde(default)]
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Answer {
    #[serde(rename = "type", default)]
    pub kind: String,
    pub field: AnswerField,
    #[serde(default)]
    pub boolean: Option<bool>,
    #[serde(default)]
    pub number: Option<f64>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnswerField {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// Reads a delivery's JSON (after its signature was checked).
pub fn parse_event(body: &[u8]) -> Result<WebhookEvent, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| format!("{} at {}", e.inner(), e.path()))
}

impl FormResponse {
    fn answer(&self, reference: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.field.reference.as_deref() == Some(reference))
    }

    /// "Was it excellent?" (the `yes_no` field).
    pub fn excellent(&self) -> Option<bool> {
        self.answer(REF_EXCELLENT).and_then(|a| a.boolean)
    }

    /// "How likely are you to recommend…?" (the 0–10 `opinion_scale`); out-of-range values are dropped.
    pub fn recommend(&self) -> Option<u8> {
        let n = self.answer(REF_RECOMMEND)?.number?;
        // Range-checked first, so the conversion is exact.
        (n.fract() == 0.0 && (0.0..=10.0).contains(&n)).then_some(n as u8)
    }

    /// "What could we improve?" (the `long_text`).
    pub fn comment(&self) -> Option<String> {
        self.answer(REF_IMPROVE).and_then(|a| a.text.clone()).filter(|t| !t.trim().is_empty())
    }

    /// A hidden field as text (Typeform sends them as strings).
    pub fn hidden(&self, name: &str) -> Option<&str> {
        self.hidden.get(name).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef01234567";

    /// The example payload of Typeform's documentation, shaped like our form.
    pub(crate) fn payload() -> String {
        serde_json::json!({
            "event_id": "01HXYZ",
            "event_type": "form_response",
            "form_response": {
                "form_id": "lT4Z3j",
                "token": "a3a12ec67a1365927098a606107fac15",
                "landed_at": "2026-06-11T08:00:00Z",
                "submitted_at": "2026-06-11T08:01:00Z",
                "hidden": {"object_id": "CHG-1", "customer_code": "acme", "year": "2026", "quarter": "2"},
                "definition": {"id": "lT4Z3j", "title": "t", "fields": []},
                "answers": [
                    {"type": "boolean", "boolean": true, "field": {"id": "a", "type": "yes_no", "ref": "excellent"}},
                    {"type": "number", "number": 9, "field": {"id": "b", "type": "opinion_scale", "ref": "recommend"}},
                    {"type": "text", "text": "Faster please", "field": {"id": "c", "type": "long_text", "ref": "improve"}}
                ]
            }
        })
        .to_string()
    }

    #[test]
    fn a_body_signed_as_typeform_documents_verifies() {
        let body = payload();
        let header = signature(SECRET, body.as_bytes());
        assert!(header.starts_with("sha256=") && header.ends_with('='), "base64 of 32 bytes: {header}");
        assert_eq!(verify_signature(SECRET, body.as_bytes(), Some(&header)), Ok(()));
    }

    #[test]
    fn wrong_secrets_hex_digests_missing_headers_and_altered_bodies_are_refused() {
        let body = payload();
        let good = signature(SECRET, body.as_bytes());
        let hex_digest = format!("sha256={}", hex::encode(mac(SECRET, body.as_bytes()).finalize().into_bytes()));
        assert_eq!(verify_signature(SECRET, body.as_bytes(), None), Err(SignatureError::Missing));
        assert_eq!(verify_signature(SECRET, body.as_bytes(), Some(&hex_digest)), Err(SignatureError::Malformed));
        assert_eq!(verify_signature(b"another secret", body.as_bytes(), Some(&good)), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature(SECRET, format!("{body} ").as_bytes(), Some(&good)), Err(SignatureError::Mismatch));
        for bad in ["", "sha256=", "sha1=abc", good.trim_start_matches("sha256="), "sha256=!!!!"] {
            assert!(verify_signature(SECRET, body.as_bytes(), Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_answers_are_read_by_their_field_refs() {
        let event = parse_event(payload().as_bytes()).unwrap();
        let r = event.form_response.unwrap();
        assert_eq!(
            (r.excellent(), r.recommend(), r.comment().as_deref()),
            (Some(true), Some(9), Some("Faster please"))
        );
        assert_eq!(
            (r.hidden("object_id"), r.hidden("customer_code"), r.hidden("nope")),
            (Some("CHG-1"), Some("acme"), None)
        );
        assert!(parse_event(b"{\"event_id\": 1}").is_err());
    }
}
