//! Contacts from a JSON file, for `ccm serve`: per customer, a contact list name and contacts with
//! topic preferences. A contact receives a topic when it opted in explicitly, or when it has no
//! preference for the topic and the topic's default (SESConfig.json) is OPT_IN — as SES decides.
//!
//! ```json
//! {"acme": {"list": "acme-contacts", "contacts": [
//!   {"email": "ops@acme.example.com", "topics": {"aws-approval": "OPT_IN", "aws-calendar": "OPT_OUT"}},
//!   {"email": "left@acme.example.com", "unsubscribe_all": true}]}}
//! ```

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use ccm_core::config::{SesConfig, SubscriptionStatus};
use ccm_core::ports::{ContactDirectory, ContactError};
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use serde::Deserialize;

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
}

pub struct JsonContacts {
    customers: BTreeMap<CustomerCode, CustomerContacts>,
    defaults: HashMap<String, SubscriptionStatus>,
}

#[derive(Debug, thiserror::Error)]
#[error("contacts file: {0}")]
pub struct ContactsFileError(String);

impl JsonContacts {
    pub fn from_json(text: &str, ses: &SesConfig) -> Result<Self, ContactsFileError> {
        let customers: BTreeMap<CustomerCode, CustomerContacts> =
            serde_json::from_str(text).map_err(|e| ContactsFileError(e.to_string()))?;
        let defaults = ses.expand().into_iter().map(|t| (t.name.to_string(), t.default_status)).collect();
        Ok(Self { customers, defaults })
    }

    pub fn customers(&self) -> impl Iterator<Item = (&CustomerCode, &CustomerContacts)> {
        self.customers.iter()
    }
}

#[async_trait]
impl ContactDirectory for JsonContacts {
    async fn list_name(&self, customer: &CustomerCode) -> Result<String, ContactError> {
        self.customers.get(customer).map(|c| c.list.clone()).ok_or(ContactError::NoList)
    }

    async fn subscribers(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<EmailAddress>, ContactError> {
        let c = self.customers.get(customer).ok_or(ContactError::NoList)?;
        let default = self.defaults.get(topic.as_str()).copied().unwrap_or(SubscriptionStatus::OptOut);
        Ok(c.contacts
            .iter()
            .filter(|x| !x.unsubscribe_all)
            .filter(|x| x.topics.get(topic.as_str()).copied().unwrap_or(default) == SubscriptionStatus::OptIn)
            .map(|x| x.email.clone())
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
}
