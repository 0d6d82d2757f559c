//! Contacts from a JSON file, for `ccm serve`: per customer, a contact list name and contacts with
//! topic preferences. A contact receives a topic when it opted in explicitly, or when it has no
//! preference for the topic and the topic's default (SESConfig.json) is OPT_IN — as SES decides.
//!
//! Opt-outs made through the outbox's unsubscribe links ([`JsonContacts::opt_out`]) are recorded on
//! top of the file, in `contact-preferences.json` in the data directory (the contacts file itself
//! may be the built-in demo or the operator's, and is never rewritten); they win over the file's
//! preferences and the topic defaults, as an SES unsubscribe does.
//!
//! A contact may carry `timezone`, the IANA zone its mails show times in first (as the SES
//! contact attribute does); files without it stay readable, and an unknown zone is refused at load.
//!
//! ```json
//! {"acme": {"list": "acme-contacts", "contacts": [
//!   {"email": "ops@acme.example.com", "topics": {"aws-approval": "OPT_IN", "aws-calendar": "OPT_OUT"},
//!    "timezone": "Europe/Berlin"},
//!   {"email": "left@acme.example.com", "unsubscribe_all": true}]}}
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use ccm_core::config::{SesConfig, SubscriptionStatus};
use ccm_core::ports::{ContactDirectory, ContactError, Subscriber, SubscriberPages};
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct CustomerContacts {
    pub list: String,
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Contact {
    pub email: EmailAddress,
    #[serde(default)]
    pub topics: BTreeMap<String, SubscriptionStatus>,
    #[serde(default)]
    pub unsubscribe_all: bool,
    /// The IANA zone this contact reads times in.
    #[serde(default)]
    pub timezone: Option<String>,
}

impl Contact {
    fn zone(&self) -> Option<chrono_tz::Tz> {
        self.timezone.as_deref().and_then(|z| ccm_core::schedule::parse_zone("timezone", z).ok())
    }
}

/// One recorded opt-out: this address no longer receives this topic from this customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptOut {
    pub customer: CustomerCode,
    pub email: EmailAddress,
    pub topic: TopicName,
    pub at: DateTime<Utc>,
}

impl OptOut {
    fn matches(&self, customer: &CustomerCode, email: &EmailAddress, topic: &TopicName) -> bool {
        &self.customer == customer && self.email.normalized() == email.normalized() && &self.topic == topic
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Preferences {
    #[serde(default)]
    opt_outs: Vec<OptOut>,
}

pub struct JsonContacts {
    customers: BTreeMap<CustomerCode, CustomerContacts>,
    defaults: HashMap<String, SubscriptionStatus>,
    preferences: Mutex<Preferences>,
    /// Where opt-outs are kept; `None` keeps them in memory only.
    preferences_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
#[error("contacts file: {0}")]
pub struct ContactsFileError(String);

/// The file of opt-outs under a data directory.
pub fn preferences_path(data_dir: &Path) -> PathBuf {
    data_dir.join("contact-preferences.json")
}

impl JsonContacts {
    pub fn from_json(text: &str, ses: &SesConfig) -> Result<Self, ContactsFileError> {
        let customers: BTreeMap<CustomerCode, CustomerContacts> =
            serde_json::from_str(text).map_err(|e| ContactsFileError(e.to_string()))?;
        for (code, c) in &customers {
            for (i, contact) in c.contacts.iter().enumerate() {
                if let Some(Err(e)) = contact.timezone.as_deref().map(|z| ccm_core::schedule::parse_zone("timezone", z))
                {
                    return Err(ContactsFileError(format!("{code}.contacts.{i}.timezone: {}", e.message)));
                }
            }
        }
        let defaults = ses.expand().into_iter().map(|t| (t.name.to_string(), t.default_status)).collect();
        Ok(Self { customers, defaults, preferences: Mutex::default(), preferences_file: None })
    }

    /// Keeps opt-outs in `path` (created at the first opt-out), loading those already there.
    pub fn with_preferences_file(mut self, path: PathBuf) -> Result<Self, ContactsFileError> {
        let loaded = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str::<Preferences>(&text)
                .map_err(|e| ContactsFileError(format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Preferences::default(),
            Err(e) => return Err(ContactsFileError(format!("{}: {e}", path.display()))),
        };
        self.preferences = Mutex::new(loaded);
        self.preferences_file = Some(path);
        Ok(self)
    }

    pub fn customers(&self) -> impl Iterator<Item = (&CustomerCode, &CustomerContacts)> {
        self.customers.iter()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Preferences> {
        self.preferences.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_opted_out(&self, customer: &CustomerCode, email: &EmailAddress, topic: &TopicName) -> bool {
        self.lock().opt_outs.iter().any(|o| o.matches(customer, email, topic))
    }

    /// Records that `email` no longer receives `topic` from `customer`, durably when a preferences
    /// file is set (written whole to a temporary file, then renamed). Returns false when it was
    /// already recorded. Blocking file I/O: call it from a blocking task.
    pub fn opt_out(
        &self,
        customer: &CustomerCode,
        email: &EmailAddress,
        topic: &TopicName,
        at: DateTime<Utc>,
    ) -> Result<bool, ContactsFileError> {
        let mut prefs = self.lock();
        if prefs.opt_outs.iter().any(|o| o.matches(customer, email, topic)) {
            return Ok(false);
        }
        prefs.opt_outs.push(OptOut { customer: customer.clone(), email: email.clone(), topic: topic.clone(), at });
        if let Some(path) = &self.preferences_file
            && let Err(e) = write_atomically(path, &prefs)
        {
            prefs.opt_outs.pop();
            return Err(ContactsFileError(format!("{}: {e}", path.display())));
        }
        Ok(true)
    }
}

fn write_atomically(path: &Path, prefs: &Preferences) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(prefs).map_err(std::io::Error::other)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[async_trait]
impl ContactDirectory for JsonContacts {
    async fn list_name(&self, customer: &CustomerCode) -> Result<String, ContactError> {
        self.customers.get(customer).map(|c| c.list.clone()).ok_or(ContactError::NoList)
    }

    async fn subscribers(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<EmailAddress>, ContactError> {
        Ok(self.receiving(customer, topic)?.into_iter().map(|s| s.address).collect())
    }

    fn subscriber_pages<'a>(&'a self, customer: &'a CustomerCode, topic: &'a TopicName) -> SubscriberPages<'a> {
        Box::pin(futures::stream::iter([self.receiving(customer, topic)]))
    }
}

impl JsonContacts {
    /// The contacts receiving `topic` from `customer`, with their zones.
    fn receiving(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<Subscriber>, ContactError> {
        let c = self.customers.get(customer).ok_or(ContactError::NoList)?;
        let default = self.defaults.get(topic.as_str()).copied().unwrap_or(SubscriptionStatus::OptOut);
        let prefs = self.lock();
        Ok(c.contacts
            .iter()
            .filter(|x| !x.unsubscribe_all)
            .filter(|x| x.topics.get(topic.as_str()).copied().unwrap_or(default) == SubscriptionStatus::OptIn)
            .filter(|x| !prefs.opt_outs.iter().any(|o| o.matches(customer, &x.email, topic)))
            .map(|x| Subscriber { address: x.email.clone(), timezone: x.zone() })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_are_explicit_opt_ins_plus_defaults_minus_unsubscribed() {
        let ses = SesConfig::from_json(include_str!("../../../SESConfig.json")).unwrap();
        let contacts = JsonContacts::from_json(
            r#"{"acme": {"list": "acme-contacts", "contacts": [
                {"email": "a@acme.example.com", "topics": {"aws-approval": "OPT_IN"}},
                {"email": "b@acme.example.com", "topics": {"aws-announce": "OPT_OUT"}},
                {"email": "c@acme.example.com"},
                {"email": "d@acme.example.com", "unsubscribe_all": true}]}}"#,
            &ses,
        )
        .unwrap();
        let acme = CustomerCode::parse("acme").unwrap();
        let names = |v: Vec<EmailAddress>| v.into_iter().map(|e| e.to_string()).collect::<Vec<_>>();
        let approval = contacts.subscribers(&acme, &TopicName::parse("aws-approval").unwrap()).await.unwrap();
        assert_eq!(names(approval), ["a@acme.example.com"], "aws-approval defaults to OPT_OUT");
        let announce = contacts.subscribers(&acme, &TopicName::parse("aws-announce").unwrap()).await.unwrap();
        assert_eq!(names(announce), ["a@acme.example.com", "c@acme.example.com"], "aws-announce defaults to OPT_IN");
        assert!(matches!(contacts.list_name(&CustomerCode::parse("globex").unwrap()).await, Err(ContactError::NoList)));
    }

    #[tokio::test]
    async fn a_contacts_time_zone_comes_with_its_pages_and_an_unknown_zone_is_refused() {
        use futures::TryStreamExt;
        let ses = SesConfig::from_json(include_str!("../../../SESConfig.json")).unwrap();
        let contacts = JsonContacts::from_json(
            r#"{"acme": {"list": "acme-contacts", "contacts": [
                {"email": "a@acme.example.com", "timezone": "Europe/Berlin"},
                {"email": "c@acme.example.com"}]}}"#,
            &ses,
        )
        .unwrap();
        let acme = CustomerCode::parse("acme").unwrap();
        let announce = TopicName::parse("aws-announce").unwrap();
        let pages: Vec<Vec<Subscriber>> = contacts.subscriber_pages(&acme, &announce).try_collect().await.unwrap();
        let zones: Vec<_> = pages.concat().into_iter().map(|s| (s.address.to_string(), s.timezone)).collect();
        assert_eq!(
            zones,
            [
                ("a@acme.example.com".to_owned(), Some(chrono_tz::Europe::Berlin)),
                ("c@acme.example.com".to_owned(), None)
            ]
        );
        let bad = JsonContacts::from_json(
            r#"{"acme": {"list": "l", "contacts": [{"email": "a@acme.example.com", "timezone": "Mars/Olympus"}]}}"#,
            &ses,
        );
        assert!(bad.is_err_and(|e| e.to_string().contains("acme.contacts.0.timezone")));
    }

    fn demo(ses: &SesConfig) -> JsonContacts {
        JsonContacts::from_json(
            r#"{"acme": {"list": "acme-contacts", "contacts": [
                {"email": "a@acme.example.com", "topics": {"aws-announce": "OPT_IN"}},
                {"email": "c@acme.example.com"}]}}"#,
            ses,
        )
        .unwrap()
    }

    #[tokio::test]
    async fn an_opt_out_stops_that_topic_for_that_contact_only_and_survives_a_restart() {
        let ses = SesConfig::from_json(include_str!("../../../SESConfig.json")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = preferences_path(dir.path());
        let acme = CustomerCode::parse("acme").unwrap();
        let announce = TopicName::parse("aws-announce").unwrap();
        let calendar = TopicName::parse("aws-calendar").unwrap();
        let a = EmailAddress::parse("A@acme.example.com").unwrap();
        let now: DateTime<Utc> = "2026-06-01T12:00:00Z".parse().unwrap();

        let contacts = demo(&ses).with_preferences_file(path.clone()).unwrap();
        assert!(contacts.opt_out(&acme, &a, &announce, now).unwrap(), "recorded, whatever the address's case");
        assert!(!contacts.opt_out(&acme, &a, &announce, now).unwrap(), "recorded once");
        let names = |v: Vec<EmailAddress>| v.into_iter().map(|e| e.to_string()).collect::<Vec<_>>();
        assert_eq!(names(contacts.subscribers(&acme, &announce).await.unwrap()), ["c@acme.example.com"]);

        let restarted = demo(&ses).with_preferences_file(path).unwrap();
        assert_eq!(names(restarted.subscribers(&acme, &announce).await.unwrap()), ["c@acme.example.com"]);
        assert!(restarted.is_opted_out(&acme, &EmailAddress::parse("a@acme.example.com").unwrap(), &announce));
        assert!(!restarted.is_opted_out(&acme, &a, &calendar), "other topics are untouched");
    }
}
