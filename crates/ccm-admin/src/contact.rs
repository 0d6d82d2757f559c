//! A contact of an SES contact list as ccm handles it, and the marker that says ccm manages it.
//!
//! SES keeps a free-form JSON string per contact (`AttributesData`). ccm writes
//! `{"managed_by":"ccm","topics_set":[…]}` into it for the contacts its Identity Center sync created,
//! and the topics whose OPT_IN it set; a contact it adopted (one that was on the list before, taken
//! over with `--adopt` or named in `additional_contacts`) also carries `"adopted":true`. Other keys in
//! that JSON are kept as they are. A contact without the marker was added by hand: the sync never
//! changes or deletes it; an adopted one is handed back (marker and ccm's opt-ins withdrawn), never
//! deleted.
//!
//! The same JSON carries the contact's time zone, `"timezone":"Europe/Berlin"` (an IANA name): the
//! processor shows times in it first (ADR 0015). It is set by `ccm ses contacts add|update
//! --timezone` and by the Identity Center sync from the user's `Timezone`.
//!
//! ListContacts does not return `AttributesData`, so reading the marker costs one GetContact per
//! contact ([`super::SesAdmin::contacts_in_detail`]).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sesv2::types::{Contact, SubscriptionStatus as SdkStatus, TopicPreference};
use ccm_core::config::SubscriptionStatus;
use serde::{Deserialize, Serialize};

use super::error::AdminError;

pub const MANAGED_BY: &str = "ccm";

/// The attribute holding the contact's IANA time zone (the processor reads the same key).
pub const TIMEZONE_ATTRIBUTE: &str = "timezone";

/// One contact: address, explicit topic preferences, unsubscribe-all and the attributes JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub email: String,
    /// Explicit preferences only; a topic without one follows the topic's default.
    pub topic_preferences: BTreeMap<String, SubscriptionStatus>,
    pub unsubscribe_all: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes_data: Option<String>,
}

/// What ccm records on a contact it manages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManagedMarker {
    /// The topics whose OPT_IN ccm set (and may withdraw when the roles behind it go away).
    pub topics_set: BTreeSet<String>,
    /// The contact was on the list before ccm took it over: it is handed back, never deleted.
    pub adopted: bool,
}

impl ContactRecord {
    pub fn new(email: impl Into<String>) -> Self {
        Self { email: email.into(), topic_preferences: BTreeMap::new(), unsubscribe_all: false, attributes_data: None }
    }

    /// Whether the contact receives mail on `topic` whose list default is `default`.
    pub fn is_subscribed(&self, topic: &str, default: SubscriptionStatus) -> bool {
        !self.unsubscribe_all
            && self.topic_preferences.get(topic).copied().unwrap_or(default) == SubscriptionStatus::OptIn
    }

    /// The marker, when `AttributesData` holds `"managed_by": "ccm"`.
    pub fn marker(&self) -> Option<ManagedMarker> {
        let value: serde_json::Value = serde_json::from_str(self.attributes_data.as_deref()?).ok()?;
        if value.get("managed_by")?.as_str()? != MANAGED_BY {
            return None;
        }
        let topics_set = value
            .get("topics_set")
            .and_then(|t| t.as_array())
            .map(|list| list.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let adopted = value.get("adopted").and_then(serde_json::Value::as_bool).unwrap_or(false);
        Some(ManagedMarker { topics_set, adopted })
    }

    pub fn is_managed(&self) -> bool {
        self.marker().is_some()
    }

    /// Writes `marker` into `AttributesData`, keeping any other keys already there.
    pub fn set_marker(&mut self, marker: &ManagedMarker) {
        let mut map = self.attribute_map();
        map.insert("managed_by".into(), MANAGED_BY.into());
        map.insert("topics_set".into(), marker.topics_set.iter().cloned().collect::<Vec<_>>().into());
        if marker.adopted {
            map.insert("adopted".into(), true.into());
        } else {
            map.remove("adopted");
        }
        self.attributes_data = Some(serde_json::Value::Object(map).to_string());
    }

    /// The contact's time zone, when its attributes name a valid IANA zone.
    pub fn timezone(&self) -> Option<chrono_tz::Tz> {
        let map = self.attribute_map();
        ccm_core::schedule::parse_zone(TIMEZONE_ATTRIBUTE, map.get(TIMEZONE_ATTRIBUTE)?.as_str()?).ok()
    }

    /// Sets (or with `None` removes) the contact's time zone, keeping any other keys.
    pub fn set_timezone(&mut self, zone: Option<chrono_tz::Tz>) {
        let mut map = self.attribute_map();
        match zone {
            Some(z) => map.insert(TIMEZONE_ATTRIBUTE.into(), z.name().into()),
            None => map.remove(TIMEZONE_ATTRIBUTE),
        };
        // `{}` rather than nothing: UpdateContact without AttributesData would keep the old value.
        self.attributes_data = Some(serde_json::Value::Object(map).to_string());
    }

    /// Removes the marker (the contact is handed back), keeping any other keys.
    pub fn clear_marker(&mut self) {
        let mut map = self.attribute_map();
        for key in ["managed_by", "topics_set", "adopted"] {
            map.remove(key);
        }
        // `{}` rather than nothing: UpdateContact without AttributesData would keep the old value.
        self.attributes_data = Some(serde_json::Value::Object(map).to_string());
    }

    fn attribute_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.attributes_data
            .as_deref()
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    }

    pub(super) fn from_sdk(contact: &Contact) -> Self {
        Self {
            email: contact.email_address().unwrap_or_default().to_owned(),
            topic_preferences: preferences_from_sdk(contact.topic_preferences()),
            unsubscribe_all: contact.unsubscribe_all(),
            // ListContacts does not return AttributesData; GetContact does.
            attributes_data: None,
        }
    }

    pub(super) fn sdk_preferences(&self) -> Result<Vec<TopicPreference>, AdminError> {
        self.topic_preferences
            .iter()
            .map(|(topic, status)| {
                TopicPreference::builder()
                    .topic_name(topic)
                    .subscription_status(to_sdk(*status))
                    .build()
                    .map_err(|e| AdminError::new("building a topic preference", e.to_string()))
            })
            .collect()
    }
}

pub(super) fn preferences_from_sdk(prefs: &[TopicPreference]) -> BTreeMap<String, SubscriptionStatus> {
    prefs.iter().filter_map(|p| Some((p.topic_name().to_owned(), from_sdk(p.subscription_status())?))).collect()
}

pub fn to_sdk(status: SubscriptionStatus) -> SdkStatus {
    match status {
        SubscriptionStatus::OptIn => SdkStatus::OptIn,
        SubscriptionStatus::OptOut => SdkStatus::OptOut,
    }
}

pub fn from_sdk(status: &SdkStatus) -> Option<SubscriptionStatus> {
    match status {
        SdkStatus::OptIn => Some(SubscriptionStatus::OptIn),
        SdkStatus::OptOut => Some(SubscriptionStatus::OptOut),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_without_attributes_is_not_managed() {
        assert!(!ContactRecord::new("a@example.com").is_managed());
        let mut c = ContactRecord::new("a@example.com");
        c.attributes_data = Some("not json".into());
        assert!(!c.is_managed());
        c.attributes_data = Some(r#"{"managed_by":"someone-else"}"#.into());
        assert!(!c.is_managed());
    }

    #[test]
    fn setting_the_marker_keeps_other_attributes_and_round_trips() {
        let mut c = ContactRecord::new("a@example.com");
        c.attributes_data = Some(r#"{"team":"platform"}"#.into());
        let marker =
            ManagedMarker { topics_set: ["aws-announce".to_owned(), "aws-calendar".to_owned()].into(), adopted: true };
        c.set_marker(&marker);
        assert_eq!(c.marker(), Some(marker));
        let attrs: serde_json::Value = serde_json::from_str(c.attributes_data.as_deref().unwrap()).unwrap();
        assert_eq!(attrs["team"], "platform");
        assert_eq!(attrs["managed_by"], "ccm");
        assert_eq!(attrs["adopted"], true);
    }

    #[test]
    fn clearing_the_marker_keeps_other_attributes() {
        let mut c = ContactRecord::new("a@example.com");
        c.attributes_data = Some(r#"{"team":"platform"}"#.into());
        c.set_marker(&ManagedMarker::default());
        c.clear_marker();
        assert!(!c.is_managed());
        assert_eq!(c.attributes_data.as_deref(), Some(r#"{"team":"platform"}"#));
    }

    #[test]
    fn the_time_zone_is_set_and_removed_beside_the_marker_and_other_keys() {
        let mut c = ContactRecord::new("a@example.com");
        c.attributes_data = Some(r#"{"team":"platform"}"#.into());
        c.set_marker(&ManagedMarker::default());
        c.set_timezone(Some(chrono_tz::Europe::Berlin));
        assert_eq!(c.timezone(), Some(chrono_tz::Europe::Berlin));
        assert!(c.is_managed());
        let attrs: serde_json::Value = serde_json::from_str(c.attributes_data.as_deref().unwrap()).unwrap();
        assert_eq!((attrs["timezone"].as_str(), attrs["team"].as_str()), (Some("Europe/Berlin"), Some("platform")));
        c.set_timezone(None);
        assert_eq!(c.timezone(), None);
        assert!(c.is_managed());
        c.attributes_data = Some(r#"{"timezone":"Mars/Olympus"}"#.into());
        assert_eq!(c.timezone(), None, "an invalid zone reads as none");
    }

    #[test]
    fn subscription_follows_the_explicit_preference_then_the_default() {
        let mut c = ContactRecord::new("a@example.com");
        c.topic_preferences.insert("x".into(), SubscriptionStatus::OptOut);
        assert!(!c.is_subscribed("x", SubscriptionStatus::OptIn));
        assert!(c.is_subscribed("y", SubscriptionStatus::OptIn));
        c.unsubscribe_all = true;
        assert!(!c.is_subscribed("y", SubscriptionStatus::OptIn));
    }
}
