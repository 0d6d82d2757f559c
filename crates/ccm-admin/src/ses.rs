//! [`SesAdmin`]: a customer's SES v2 contact list, topics, contacts and suppression list.
//!
//! Every listing follows `NextToken` to the end (the original read only the first page, §12 item 17),
//! contacts are changed with UpdateContact and the whole merged preference list (never delete and
//! re-create, item 18), and topics with UpdateContactList (never re-create the list).

use std::collections::BTreeSet;

use aws_sdk_sesv2::types::{ListContactsFilter, Topic, TopicFilter};
use ccm_core::config::{ExpandedTopic, SubscriptionStatus};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

use super::contact::{ContactRecord, from_sdk, to_sdk};
use super::error::{AdminError, optional};
use super::limiter::Pacer;

/// The SES v2 client type, re-exported for callers that build one.
pub use aws_sdk_sesv2::Client as SesClient;

/// The list name used when creating a list for a customer without `contact_list_name`.
pub const DEFAULT_LIST_NAME: &str = "ccoe-customer-contacts";

/// One topic of a contact list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicInfo {
    #[serde(rename = "TopicName")]
    pub name: String,
    #[serde(rename = "DisplayName", default)]
    pub display_name: String,
    #[serde(rename = "Description", default)]
    pub description: String,
    #[serde(rename = "DefaultSubscriptionStatus")]
    pub default_status: SubscriptionStatus,
}

impl From<&ExpandedTopic> for TopicInfo {
    fn from(t: &ExpandedTopic) -> Self {
        Self {
            name: t.name.as_str().to_owned(),
            display_name: t.display_name.clone(),
            description: t.description.clone(),
            default_status: t.default_status,
        }
    }
}

impl TopicInfo {
    fn to_sdk(&self) -> Result<Topic, AdminError> {
        Topic::builder()
            .topic_name(&self.name)
            // SES requires a display name.
            .display_name(if self.display_name.is_empty() { &self.name } else { &self.display_name })
            .set_description((!self.description.is_empty()).then(|| self.description.clone()))
            .default_subscription_status(to_sdk(self.default_status))
            .build()
            .map_err(|e| AdminError::new(format!("topic {}", self.name), e.to_string()))
    }

    fn from_sdk(t: &Topic) -> Self {
        Self {
            name: t.topic_name().to_owned(),
            display_name: t.display_name().to_owned(),
            description: t.description().unwrap_or_default().to_owned(),
            default_status: from_sdk(t.default_subscription_status()).unwrap_or(SubscriptionStatus::OptOut),
        }
    }
}

/// A contact list as SES describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListInfo {
    pub name: String,
    pub description: Option<String>,
    pub topics: Vec<TopicInfo>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl ListInfo {
    pub fn topic_names(&self) -> BTreeSet<String> {
        self.topics.iter().map(|t| t.name.clone()).collect()
    }

    pub fn default_of(&self, topic: &str) -> Option<SubscriptionStatus> {
        self.topics.iter().find(|t| t.name == topic).map(|t| t.default_status)
    }
}

/// A filter on contacts: subscribed or not to a topic (list default applied), or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFilter {
    pub topic: String,
    pub status: SubscriptionStatus,
}

/// SES v2 administration in one customer account.
#[derive(Debug, Clone)]
pub struct SesAdmin {
    client: aws_sdk_sesv2::Client,
    configured_list: Option<String>,
    page_size: i32,
}

fn ts(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

impl SesAdmin {
    pub fn new(client: aws_sdk_sesv2::Client, configured_list: Option<String>) -> Self {
        Self { client, configured_list, page_size: 1000 }
    }

    /// The ListContacts / ListSuppressedDestinations page size (SES allows up to 1000).
    pub fn with_page_size(mut self, page_size: i32) -> Self {
        self.page_size = page_size.clamp(1, 1000);
        self
    }

    pub fn client(&self) -> &aws_sdk_sesv2::Client {
        &self.client
    }

    pub(super) fn page_size(&self) -> i32 {
        self.page_size
    }

    /// Every contact list of the account, by name.
    pub async fn list_names(&self) -> Result<Vec<String>, AdminError> {
        let pages = self
            .client
            .list_contact_lists()
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| AdminError::from_sdk("SES ListContactLists", e))?;
        let names: Vec<String> = pages
            .iter()
            .flat_map(|page| page.contact_lists())
            .filter_map(|l| l.contact_list_name().map(str::to_owned))
            .collect();
        Ok(names)
    }

    /// The customer's list name: `contact_list_name` from config, else the account's only list
    /// (SES allows one per account). `None` when the account has none.
    pub async fn resolve_list(&self) -> Result<Option<String>, AdminError> {
        if let Some(name) = &self.configured_list {
            return Ok(Some(name.clone()));
        }
        let mut names = self.list_names().await?;
        match names.len() {
            0 => Ok(None),
            1 => Ok(names.pop()),
            n => Err(AdminError::new(
                "choosing the contact list",
                format!("the account has {n} lists ({}); set contact_list_name for this customer", names.join(", ")),
            )),
        }
    }

    /// The name to create a list under: the configured one, else [`DEFAULT_LIST_NAME`].
    pub fn name_for_new_list(&self) -> String {
        self.configured_list.clone().unwrap_or_else(|| DEFAULT_LIST_NAME.to_owned())
    }

    /// The resolved list, described; an error naming the customer's situation when there is none.
    pub async fn require_list(&self) -> Result<ListInfo, AdminError> {
        let name = self.resolve_list().await?.ok_or_else(|| {
            AdminError::new("finding the contact list", "the account has no contact list; run `ccm ses list create`")
        })?;
        self.get_list(&name).await?.ok_or_else(|| {
            AdminError::new(
                "finding the contact list",
                format!("contact list {name} does not exist; run `ccm ses list create`"),
            )
        })
    }

    pub async fn get_list(&self, name: &str) -> Result<Option<ListInfo>, AdminError> {
        let out = optional(
            self.client
                .get_contact_list()
                .contact_list_name(name)
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("SES GetContactList", e)),
        )?;
        Ok(out.map(|out| ListInfo {
            name: out.contact_list_name().unwrap_or(name).to_owned(),
            description: out.description().map(str::to_owned),
            topics: out.topics().iter().map(TopicInfo::from_sdk).collect(),
            created_at: ts(out.created_timestamp()),
            updated_at: ts(out.last_updated_timestamp()),
        }))
    }

    pub async fn create_list(
        &self,
        name: &str,
        description: Option<&str>,
        topics: &[TopicInfo],
    ) -> Result<(), AdminError> {
        let topics = topics.iter().map(TopicInfo::to_sdk).collect::<Result<Vec<_>, _>>()?;
        self.client
            .create_contact_list()
            .contact_list_name(name)
            .set_description(description.map(str::to_owned))
            .set_topics(Some(topics))
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES CreateContactList", e))?;
        Ok(())
    }

    /// Replaces the list's topics (and keeps its description). Contacts and their preferences stay.
    pub async fn update_list(
        &self,
        name: &str,
        description: Option<&str>,
        topics: &[TopicInfo],
    ) -> Result<(), AdminError> {
        let topics = topics.iter().map(TopicInfo::to_sdk).collect::<Result<Vec<_>, _>>()?;
        self.client
            .update_contact_list()
            .contact_list_name(name)
            .set_description(description.map(str::to_owned))
            .set_topics(Some(topics))
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES UpdateContactList", e))?;
        Ok(())
    }

    /// One page of contacts.
    pub async fn contacts_page(
        &self,
        list: &str,
        filter: Option<&ContactFilter>,
        token: Option<String>,
    ) -> Result<(Vec<ContactRecord>, Option<String>), AdminError> {
        let sdk_filter = filter.map(|f| {
            ListContactsFilter::builder()
                .filtered_status(to_sdk(f.status))
                .topic_filter(
                    TopicFilter::builder().topic_name(&f.topic).use_default_if_preference_unavailable(true).build(),
                )
                .build()
        });
        let out = self
            .client
            .list_contacts()
            .contact_list_name(list)
            .set_filter(sdk_filter)
            .page_size(self.page_size)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES ListContacts", e))?;
        let contacts = out.contacts().iter().map(ContactRecord::from_sdk).collect();
        let next = out.next_token().filter(|t| !t.is_empty()).map(str::to_owned);
        Ok((contacts, next))
    }

    /// Every contact of the list (all pages), optionally filtered; `on_page` gets each page's size.
    pub async fn contacts(
        &self,
        list: &str,
        filter: Option<&ContactFilter>,
        mut on_page: impl FnMut(usize),
    ) -> Result<Vec<ContactRecord>, AdminError> {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = self.contacts_page(list, filter, token).await?;
            on_page(page.len());
            all.extend(page);
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        // Emulators ignore the filter; SES applies it. Apply it again, the same way.
        if let Some(f) = filter {
            let default = self.get_list(list).await?.and_then(|l| l.default_of(&f.topic));
            all.retain(|c| {
                let status = if c.unsubscribe_all {
                    Some(SubscriptionStatus::OptOut)
                } else {
                    c.topic_preferences.get(&f.topic).copied().or(default)
                };
                status == Some(f.status)
            });
        }
        Ok(all)
    }

    /// Every contact with its `AttributesData`: the listing, then [`details`](Self::details).
    pub async fn contacts_in_detail(
        &self,
        list: &str,
        pacer: &Pacer,
        concurrency: usize,
        on_contact: impl Fn() + Sync,
    ) -> Result<Vec<ContactRecord>, AdminError> {
        let listed = self.contacts(list, None, |_| {}).await?;
        self.details(list, listed, pacer, concurrency, on_contact).await
    }

    /// The listed contacts read again with GetContact (ListContacts has no `AttributesData`):
    /// `concurrency` at a time, all of them together within `pacer`'s rate; `on_contact` after each.
    /// The result is in address order; a contact deleted meanwhile is left out.
    pub async fn details(
        &self,
        list: &str,
        listed: Vec<ContactRecord>,
        pacer: &Pacer,
        concurrency: usize,
        on_contact: impl Fn() + Sync,
    ) -> Result<Vec<ContactRecord>, AdminError> {
        let mut detailed: Vec<ContactRecord> = futures::stream::iter(listed)
            .map(|c| {
                let on_contact = &on_contact;
                async move {
                    let found = pacer.run(|| self.get_contact(list, &c.email)).await?;
                    on_contact();
                    Ok::<_, AdminError>(found)
                }
            })
            .buffer_unordered(concurrency.max(1))
            .try_filter_map(|c| async move { Ok(c) })
            .try_collect()
            .await?;
        detailed.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(detailed)
    }

    pub async fn get_contact(&self, list: &str, email: &str) -> Result<Option<ContactRecord>, AdminError> {
        let out = optional(
            self.client
                .get_contact()
                .contact_list_name(list)
                .email_address(email)
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("SES GetContact", e)),
        )?;
        Ok(out.map(|c| ContactRecord {
            email: c.email_address().unwrap_or(email).to_owned(),
            topic_preferences: super::contact::preferences_from_sdk(c.topic_preferences()),
            unsubscribe_all: c.unsubscribe_all(),
            attributes_data: c.attributes_data().map(str::to_owned),
        }))
    }

    pub async fn create_contact(&self, list: &str, contact: &ContactRecord) -> Result<(), AdminError> {
        self.client
            .create_contact()
            .contact_list_name(list)
            .email_address(&contact.email)
            .set_topic_preferences(Some(contact.sdk_preferences()?))
            .unsubscribe_all(contact.unsubscribe_all)
            .set_attributes_data(contact.attributes_data.clone())
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES CreateContact", e))?;
        Ok(())
    }

    /// Writes the contact's whole state: SES replaces the preference list with the one given, so
    /// callers pass the merged preferences (see [`ContactRecord`]).
    pub async fn update_contact(&self, list: &str, contact: &ContactRecord) -> Result<(), AdminError> {
        self.client
            .update_contact()
            .contact_list_name(list)
            .email_address(&contact.email)
            .set_topic_preferences(Some(contact.sdk_preferences()?))
            .unsubscribe_all(contact.unsubscribe_all)
            .set_attributes_data(contact.attributes_data.clone())
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES UpdateContact", e))?;
        Ok(())
    }

    pub async fn delete_contact(&self, list: &str, email: &str) -> Result<(), AdminError> {
        self.client
            .delete_contact()
            .contact_list_name(list)
            .email_address(email)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES DeleteContact", e))?;
        Ok(())
    }
}
