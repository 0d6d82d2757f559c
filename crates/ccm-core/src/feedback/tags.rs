//! The SES message tags of one send, and their way back from an SES event's `mail.tags`.

use crate::ids::{CustomerCode, EmailAddress, ObjectId};
use crate::ports::DeliveryKey;
use crate::storage_key::Token;

pub const TAG_OBJECT: &str = "ccm-object";
pub const TAG_VERSION: &str = "ccm-version";
pub const TAG_EVENT: &str = "ccm-event";
pub const TAG_CUSTOMER: &str = "ccm-customer";

/// Whether SES accepts `value` as a message tag name or value: 1–256 ASCII letters, digits, `_`
/// and `-` (SES refuses the send otherwise). Every part of [`SendTags`] is one by construction.
pub fn is_tag_value(value: &str) -> bool {
    (1..=256).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The delivery a send belongs to: (object, version, event, customer). The recipient is the
/// message's destination, so it needs no tag (and no address goes into a tag).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SendTags {
    pub object: ObjectId,
    pub version: u32,
    pub event: Token,
    pub customer: CustomerCode,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("the event has no {0} tag")]
    Missing(&'static str),
    #[error("tag {tag}: {value:?} is not valid: {why}")]
    Invalid { tag: &'static str, value: String, why: String },
}

impl SendTags {
    /// The tags of the send, as (name, value) pairs; each value passes [`is_tag_value`].
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            (TAG_OBJECT, self.object.to_string()),
            (TAG_VERSION, self.version.to_string()),
            (TAG_EVENT, self.event.to_string()),
            (TAG_CUSTOMER, self.customer.to_string()),
        ]
    }

    /// The tags back from an event: `tag(name)` gives the first value of a tag (SES events list
    /// each tag's values). Every part is validated as it would be before becoming a key.
    pub fn from_lookup<'a>(tag: impl Fn(&str) -> Option<&'a str>) -> Result<Self, TagError> {
        let get = |name: &'static str| tag(name).ok_or(TagError::Missing(name));
        let invalid = |tag: &'static str, value: &str, why: String| TagError::Invalid { tag, value: value.into(), why };
        let object = get(TAG_OBJECT)?;
        let version = get(TAG_VERSION)?;
        let event = get(TAG_EVENT)?;
        let customer = get(TAG_CUSTOMER)?;
        Ok(Self {
            object: ObjectId::parse(object).map_err(|e| invalid(TAG_OBJECT, object, e.to_string()))?,
            version: version
                .parse::<u32>()
                .ok()
                .filter(|v| v.to_string() == version)
                .ok_or_else(|| invalid(TAG_VERSION, version, "not a version number".into()))?,
            event: Token::parse(event).map_err(|e| invalid(TAG_EVENT, event, e.to_string()))?,
            customer: CustomerCode::parse(customer).map_err(|e| invalid(TAG_CUSTOMER, customer, e.to_string()))?,
        })
    }

    /// The tags of the send a ledger key stands for; `None` when its event is not a key token.
    pub fn for_key(key: &DeliveryKey) -> Option<Self> {
        Some(Self {
            object: key.object.clone(),
            version: key.version,
            event: Token::parse(&key.event).ok()?,
            customer: key.customer.clone(),
        })
    }

    /// The ledger key of this delivery's send to `recipient`.
    pub fn delivery_key(&self, recipient: &EmailAddress) -> DeliveryKey {
        DeliveryKey {
            object: self.object.clone(),
            version: self.version,
            event: self.event.to_string(),
            customer: self.customer.clone(),
            recipient_hash: DeliveryKey::recipient_hash(recipient),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn tags() -> SendTags {
        SendTags {
            object: ObjectId::parse("CHG-0f8fad5b-d9cb-469f-a165-70867728950e").unwrap(),
            version: 12,
            event: Token::parse("approval_request").unwrap(),
            customer: CustomerCode::parse("acme-prod").unwrap(),
        }
    }

    #[test]
    fn every_tag_value_is_one_ses_accepts_and_reads_back_to_the_same_tags() {
        let pairs: HashMap<&str, String> = tags().to_pairs().into_iter().collect();
        assert!(pairs.iter().all(|(k, v)| is_tag_value(k) && is_tag_value(v)), "{pairs:?}");
        assert_eq!(SendTags::from_lookup(|n| pairs.get(n).map(String::as_str)).unwrap(), tags());
    }

    #[test]
    fn a_missing_or_forged_tag_is_refused() {
        let mut pairs: HashMap<&str, String> = tags().to_pairs().into_iter().collect();
        pairs.remove(TAG_EVENT);
        assert_eq!(SendTags::from_lookup(|n| pairs.get(n).map(String::as_str)), Err(TagError::Missing(TAG_EVENT)));
        for (tag, bad) in
            [(TAG_OBJECT, "../archive/CHG-1"), (TAG_VERSION, "012"), (TAG_VERSION, "-1"), (TAG_CUSTOMER, "ACME")]
        {
            let mut pairs: HashMap<&str, String> = tags().to_pairs().into_iter().collect();
            pairs.insert(tag, bad.into());
            let err = SendTags::from_lookup(|n| pairs.get(n).map(String::as_str)).unwrap_err();
            assert!(matches!(err, TagError::Invalid { .. }), "{tag}={bad}: {err}");
        }
    }

    #[test]
    fn ses_tag_characters_are_letters_digits_underscore_and_dash() {
        assert!(is_tag_value("CHG-1_a"));
        for bad in ["", "a b", "a/b", "a.b", "é", &"x".repeat(257)] {
            assert!(!is_tag_value(bad), "{bad:?}");
        }
    }
}
