//! Who is subscribed to a topic, decided again on our side after SES's own topic filter (emulators
//! ignore it), and which contact list is the customer's.

use aws_sdk_sesv2::types::{Contact, SubscriptionStatus};
use ccm_core::ports::ContactError;

/// Whether `contact` receives mail on `topic`: not unsubscribed from everything, and opted in to the
/// topic explicitly, or without an explicit preference while the topic's default is OPT_IN (the
/// contact's `TopicDefaultPreferences`, else `list_default`, the list's default for the topic).
pub(super) fn is_subscribed(contact: &Contact, topic: &str, list_default: Option<&SubscriptionStatus>) -> bool {
    if contact.unsubscribe_all() {
        return false;
    }
    let status_in = |prefs: &[aws_sdk_sesv2::types::TopicPreference]| {
        prefs.iter().find(|p| p.topic_name() == topic).map(|p| p.subscription_status().clone())
    };
    let status = status_in(contact.topic_preferences())
        .or_else(|| status_in(contact.topic_default_preferences()))
        .or_else(|| list_default.cloned());
    status == Some(SubscriptionStatus::OptIn)
}

/// The customer's list: the configured name, else the account's only list.
pub(super) fn choose_list(configured: Option<&str>, existing: Vec<String>) -> Result<String, ContactError> {
    if let Some(name) = configured {
        return Ok(name.to_owned());
    }
    let mut existing = existing;
    match existing.len() {
        0 => Err(ContactError::NoList),
        1 => Ok(existing.remove(0)),
        _ => {
            existing.sort();
            Err(ContactError::Other(format!(
                "the account has {} contact lists ({}); set contact_list_name for this customer",
                existing.len(),
                existing.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sesv2::types::TopicPreference;

    use super::*;

    fn pref(topic: &str, status: SubscriptionStatus) -> TopicPreference {
        TopicPreference::builder().topic_name(topic).subscription_status(status).build().unwrap()
    }

    fn contact(explicit: &[(&str, SubscriptionStatus)], defaults: &[(&str, SubscriptionStatus)]) -> Contact {
        let mut b = Contact::builder().email_address("jane@example.com");
        for (t, s) in explicit {
            b = b.topic_preferences(pref(t, s.clone()));
        }
        for (t, s) in defaults {
            b = b.topic_default_preferences(pref(t, s.clone()));
        }
        b.build()
    }

    use SubscriptionStatus::{OptIn, OptOut};

    #[test]
    fn an_explicit_opt_in_counts_whatever_the_default() {
        let c = contact(&[("aws-announce", OptIn)], &[("aws-announce", OptOut)]);
        assert!(is_subscribed(&c, "aws-announce", Some(&OptOut)));
    }

    #[test]
    fn an_explicit_opt_out_wins_over_an_opt_in_default() {
        let c = contact(&[("aws-announce", OptOut)], &[("aws-announce", OptIn)]);
        assert!(!is_subscribed(&c, "aws-announce", Some(&OptIn)));
    }

    #[test]
    fn without_a_preference_the_contacts_default_then_the_lists_default_decides() {
        let c = contact(&[("aws-approval", OptIn)], &[]);
        assert!(is_subscribed(&c, "aws-announce", Some(&OptIn)));
        assert!(!is_subscribed(&c, "aws-announce", Some(&OptOut)));
        assert!(!is_subscribed(&c, "aws-announce", None));
        let c = contact(&[], &[("aws-announce", OptIn)]);
        assert!(is_subscribed(&c, "aws-announce", Some(&OptOut)));
    }

    #[test]
    fn unsubscribing_from_everything_overrides_any_opt_in() {
        let c = Contact::builder()
            .email_address("jane@example.com")
            .topic_preferences(pref("aws-announce", OptIn))
            .unsubscribe_all(true)
            .build();
        assert!(!is_subscribed(&c, "aws-announce", Some(&OptIn)));
    }

    #[test]
    fn a_preference_for_another_topic_does_not_count() {
        let c = contact(&[("cic-announce", OptIn)], &[]);
        assert!(!is_subscribed(&c, "aws-announce", Some(&OptOut)));
    }

    #[test]
    fn a_configured_list_name_is_used_as_is() {
        assert_eq!(choose_list(Some("mine"), vec!["other".into()]).unwrap(), "mine");
    }

    #[test]
    fn the_accounts_single_list_is_found_and_none_is_no_list() {
        assert_eq!(choose_list(None, vec!["ccoe-customer-contacts".into()]).unwrap(), "ccoe-customer-contacts");
        assert!(matches!(choose_list(None, vec![]), Err(ContactError::NoList)));
    }

    #[test]
    fn several_lists_without_a_configured_name_are_an_error_naming_them() {
        match choose_list(None, vec!["b".into(), "a".into()]) {
            Err(ContactError::Other(message)) => {
                assert!(message.contains("a, b") && message.contains("contact_list_name"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
