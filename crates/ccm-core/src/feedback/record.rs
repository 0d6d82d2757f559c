//! One recorded SES event of one send.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::tags::SendTags;
use crate::ids::{CustomerCode, EmailAddress, ObjectId};
use crate::storage_key::{StorageKey, Token};

/// The SES events ccm records (`eventType` of SES event publishing). Others (Send, Open, Click,
/// DeliveryDelay, …) are acknowledged and not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedbackKind {
    Delivery,
    Bounce,
    Complaint,
    Reject,
}

impl FeedbackKind {
    pub const ALL: [Self; 4] = [Self::Delivery, Self::Bounce, Self::Complaint, Self::Reject];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivery => "delivery",
            Self::Bounce => "bounce",
            Self::Complaint => "complaint",
            Self::Reject => "reject",
        }
    }

    /// From SES's `eventType` (or the legacy `notificationType`): `Delivery`, `Bounce`, …
    pub fn from_ses(event_type: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(event_type))
    }
}

/// One event of one send, as kept under `results/`. The addresses are those the event names (the
/// bounced or complaining recipients, else the message's destination); the API masks them for
/// customer-scoped users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    pub object: ObjectId,
    pub version: u32,
    pub customer: CustomerCode,
    pub event: String,
    pub kind: FeedbackKind,
    /// SES's message id of the send (as the delivery ledger recorded it).
    pub message_id: String,
    pub recipients: Vec<EmailAddress>,
    /// `Permanent/General` for a bounce, the feedback type of a complaint, the reason of a reject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When SES says it happened.
    pub at: DateTime<Utc>,
}

impl FeedbackRecord {
    pub fn tags(&self) -> Option<SendTags> {
        Some(SendTags {
            object: self.object.clone(),
            version: self.version,
            event: Token::parse(&self.event).ok()?,
            customer: self.customer.clone(),
        })
    }

    /// `feedback/{id}/v{n}/{customer}/{event}/{kind}-{sha256(message id)}.json`: one record per
    /// message and kind, so a redelivered event finds its record and writes nothing.
    pub fn key(&self) -> Option<StorageKey> {
        let tags = self.tags()?;
        Some(Self::key_for(&tags, self.kind, &self.message_id))
    }

    /// The kind a record's key name says (`{kind}-{hash}`): lists count events from keys alone.
    pub fn kind_of_name(name: &str) -> Option<FeedbackKind> {
        let (kind, _) = name.split_once('-')?;
        FeedbackKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    pub fn key_for(tags: &SendTags, kind: FeedbackKind, message_id: &str) -> StorageKey {
        use sha2::Digest;
        let hash = hex::encode(sha2::Sha256::digest(message_id.as_bytes()));
        let name = Token::parse(&format!("{}-{hash}", kind.as_str()))
            .unwrap_or_else(|_| unreachable!("a kind and a hex hash form a key token"));
        StorageKey::Feedback {
            object: tags.object.clone(),
            version: tags.version,
            customer: tags.customer.clone(),
            event: tags.event.clone(),
            name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_of_a_record_is_under_its_delivery_and_names_no_address() {
        let record = FeedbackRecord {
            object: ObjectId::parse("CHG-1").unwrap(),
            version: 2,
            customer: CustomerCode::parse("acme").unwrap(),
            event: "approved".into(),
            kind: FeedbackKind::Bounce,
            message_id: "0100018f-abc".into(),
            recipients: vec![EmailAddress::parse("jane@example.com").unwrap()],
            detail: Some("Permanent/General".into()),
            at: "2026-01-01T00:00:00Z".parse().unwrap(),
        };
        let key = record.key().unwrap().to_string();
        assert!(key.starts_with("feedback/CHG-1/v2/acme/approved/bounce-"), "{key}");
        assert!(!key.contains("jane") && !key.contains("0100018f"), "{key}");
        assert_eq!(StorageKey::parse(&key).unwrap(), record.key().unwrap());
        let StorageKey::Feedback { name, .. } = record.key().unwrap() else { unreachable!() };
        assert_eq!(FeedbackRecord::kind_of_name(name.as_str()), Some(FeedbackKind::Bounce), "the key says its kind");
    }

    #[test]
    fn ses_event_types_map_to_kinds() {
        assert_eq!(FeedbackKind::from_ses("Bounce"), Some(FeedbackKind::Bounce));
        assert_eq!(FeedbackKind::from_ses("Complaint"), Some(FeedbackKind::Complaint));
        assert_eq!(FeedbackKind::from_ses("Open"), None);
    }
}
