//! Who is subscribed to a topic, decided again on our side after SES's own topic filter (emulators
//! ignore it), which contact list is the customer's, and the SES calls that list a topic's contacts.

use aws_sdk_sesv2::operation::list_contacts::ListContactsOutput;
use aws_sdk_sesv2::types::{Contact, ListContactsFilter, SubscriptionStatus, TopicFilter};
use ccm_core::ports::ContactError;
use ccm_core::{EmailAddress, TopicName};

use super::errors::classify;
use crate::customer_clients::CustomerClient;

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

/// Running totals of a streamed listing, for its closing log line.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) subscribers: usize,
    pub(super) skipped: usize,
    pub(super) pages: usize,
}

impl Tally {
    pub(super) fn add(&mut self, subscribers: usize, skipped: usize) {
        self.subscribers += subscribers;
        self.skipped += skipped;
        self.pages += 1;
    }
}

/// The contacts SES reports opted in to `topic`, counting those without a preference by the topic's default.
pub(super) fn opted_in(topic: &TopicName) -> ListContactsFilter {
    ListContactsFilter::builder()
        .filtered_status(SubscriptionStatus::OptIn)
        .topic_filter(
            TopicFilter::builder().topic_name(topic.as_str()).use_default_if_preference_unavailable(true).build(),
        )
        .build()
}

/// The topic's default subscription status in the list; `None` when the list has no such topic
/// (then nobody is subscribed).
pub(super) async fn topic_default(
    client: &CustomerClient,
    list: &str,
    topic: &TopicName,
) -> Result<Option<SubscriptionStatus>, ContactError> {
    let details = client
        .ses
        .get_contact_list()
        .contact_list_name(list)
        .send()
        .await
        .map_err(|err| classify("GetContactList", &err).into_contact_error())?;
    let default = details
        .topics()
        .iter()
        .find(|t| t.topic_name() == topic.as_str())
        .map(|t| t.default_subscription_status().clone());
    if default.is_none() {
        tracing::warn!(list = %list, "the topic is not in the customer's contact list; nobody is subscribed");
    }
    Ok(default)
}

pub(super) async fn list_contacts_page(
    client: &CustomerClient,
    list: &str,
    filter: &ListContactsFilter,
    page_size: i32,
    token: Option<String>,
) -> Result<ListContactsOutput, ContactError> {
    client
        .ses
        .list_contacts()
        .contact_list_name(list)
        .filter(filter.clone())
        .page_size(page_size)
        .set_next_token(token)
        .send()
        .await
        .map_err(|err| classify("ListContacts", &err).into_contact_error())
}

/// The page's contacts subscribed to `topic` with a valid address, and how many others it held.
pub(super) fn subscribed_addresses(
    contacts: &[Contact],
    topic: &TopicName,
    default: &SubscriptionStatus,
) -> (Vec<EmailAddress>, usize) {
    let (mut out, mut skipped) = (Vec::with_capacity(contacts.len()), 0usize);
    for contact in contacts {
        if !is_subscribed(contact, topic.as_str(), Some(default)) {
            skipped += 1;
            continue;
        }
        match contact.email_address().map(EmailAddress::parse) {
            Some(Ok(address)) => out.push(address),
            _ => {
                skipped += 1;
                tracing::warn!(address = %ccm_core::ids::mask_email(contact.email_address().unwrap_or_default()), "skipping a contact with an invalid address");
            }
        }
    }
    (out, skipped)
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
