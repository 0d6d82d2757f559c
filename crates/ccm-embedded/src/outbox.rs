//! The outbox mailer of `ccm serve`: every message is written as a real MIME `.eml` file under
//! `{data}/outbox/{customer}/`, instead of going to SES. `/dev/outbox` lists and shows them.
//!
//! Like SES with list management, it honours the topic through the contacts it was given (opt-outs
//! included), and a message sent for a contact list and topic carries that recipient's one-click
//! unsubscribe link ([`crate::unsubscribe`]): in place of `{{amazonSESUnsubscribeUrl}}` in the body
//! and in `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
//! Like SES's mailbox simulator, it answers a delivery's sends with delivery, bounce and complaint
//! events ([`crate::simulator`], [`OutboxMailer::with_feedback`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use ccm_core::ports::{MailError, Mailer, OutgoingEmail, SendReceipt};
use ccm_core::render::SES_UNSUBSCRIBE_PLACEHOLDER;
use ccm_core::{CustomerCode, mime};
use chrono::Utc;
use serde::Serialize;

use crate::simulator::{self, FeedbackSink, Senders};
use crate::unsubscribe::{LinkKeys, Unsubscribe};

pub struct OutboxMailer {
    root: PathBuf,
    /// The portal's URL as recipients reach it, without a trailing `/`.
    base_url: String,
    keys: LinkKeys,
    seq: AtomicU64,
    /// SES's events for the sends, as the mailbox simulator makes them ([`crate::simulator`]).
    feedback: Option<Feedback>,
}

/// Where the simulator's events go, and each customer's account id and configuration set.
struct Feedback {
    sink: FeedbackSink,
    customers: Senders,
}

/// One message in the outbox, as listed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OutboxEntry {
    pub customer: String,
    pub file: String,
    pub to: String,
    pub subject: String,
    pub date: String,
    pub topic: Option<String>,
}

impl OutboxMailer {
    /// Unsubscribe links point at `base_url` (the portal, e.g. `http://127.0.0.1:8080`) and are
    /// signed with `keys`.
    pub fn new(data_dir: &Path, base_url: impl Into<String>, keys: LinkKeys) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self { root: data_dir.join("outbox"), base_url, keys, seq: AtomicU64::new(0), feedback: None }
    }

    /// Answers every send of a delivery with SES's events for it, into `sink` (the mailbox
    /// simulator). `customers` gives each customer's (account id, configuration set).
    pub fn with_feedback(mut self, sink: FeedbackSink, customers: Senders) -> Self {
        self.feedback = Some(Feedback { sink, customers });
        self
    }

    /// Hands SES's events for one written message to the feedback sink (like SES, only for mail
    /// sent with a configuration set: a delivery's).
    fn publish(&self, customer: &CustomerCode, email: &OutgoingEmail, message_id: &str) {
        let (Some(feedback), Some(tags)) = (&self.feedback, &email.feedback) else { return };
        let (account, set) = match feedback.customers.get(customer) {
            Some((account, set)) => (account.as_deref(), set.as_str()),
            None => (None, ""),
        };
        let sent = simulator::Sent {
            customer,
            account,
            configuration_set: set,
            message_id,
            from: &email.from,
            to: &email.to,
            tags,
            at: Utc::now(),
        };
        for kind in simulator::outcomes(&email.to) {
            if feedback.sink.send(simulator::sns_notification(&sent, kind)).is_err() {
                tracing::warn!("the feedback queue is closed; the simulator's event is dropped");
            }
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, customer: &CustomerCode, email: &OutgoingEmail) -> Result<SendReceipt, MailError> {
        let now = Utc::now();
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}-{:06}", now.format("%Y%m%dT%H%M%S%3f"), n);
        let message_id = format!("{id}.{customer}@outbox.ccm.local");
        let mut email = email.clone();
        let mut headers = vec![("X-CCM-Customer", customer.to_string())];
        let unsubscribe = match &email.list_management {
            Some((list, topic)) => {
                let link = self.keys.link(
                    &self.base_url,
                    &Unsubscribe { customer: customer.clone(), email: email.to.clone(), topic: topic.clone() },
                );
                headers.push(("X-CCM-Contact-List", list.clone()));
                headers.push(("X-CCM-Topic", topic.to_string()));
                headers.push(("List-Unsubscribe", format!("<{link}>")));
                headers.push(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()));
                link
            }
            // Not sent for a list: nothing to unsubscribe from; the footer links to the portal.
            None => format!("{}/", self.base_url),
        };
        email.html = email.html.replace(SES_UNSUBSCRIBE_PLACEHOLDER, &attribute(&unsubscribe));
        email.text = email.text.replace(SES_UNSUBSCRIBE_PLACEHOLDER, &unsubscribe);
        let bytes = mime::build(&email, now, &message_id, &headers);
        let dir = self.root.join(customer.as_str());
        let path = dir.join(format!("{id}.eml"));
        let tmp = dir.join(format!(".{id}.tmp"));
        let write = async {
            tokio::fs::create_dir_all(&dir).await?;
            tokio::fs::write(&tmp, &bytes).await?;
            tokio::fs::rename(&tmp, &path).await
        };
        write.await.map_err(|e| MailError::Unavailable(format!("writing the outbox: {e}")))?;
        tracing::info!(customer = %customer, to = %email.to.masked(), file = %path.display(), "message written to the outbox");
        self.publish(customer, &email, &message_id);
        Ok(SendReceipt { message_id })
    }
}

/// A URL for an HTML attribute (the placeholder sits in `href="…"`).
fn attribute(url: &str) -> String {
    ccm_core::render::escape_html(url)
}

/// Every message of the outbox, newest first (per customer directory).
pub fn list(root: &Path) -> std::io::Result<Vec<OutboxEntry>> {
    let mut out = Vec::new();
    let Ok(customers) = std::fs::read_dir(root) else { return Ok(out) };
    for c in customers {
        let c = c?;
        if !c.file_type()?.is_dir() {
            continue;
        }
        let customer = c.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(c.path())? {
            let f = f?;
            let file = f.file_name().to_string_lossy().into_owned();
            if !file.ends_with(".eml") {
                continue;
            }
            let bytes = std::fs::read(f.path())?;
            if let Some(msg) = mail_parser::MessageParser::default().parse(&bytes) {
                out.push(OutboxEntry {
                    customer: customer.clone(),
                    to: msg.to().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_owned(),
                    subject: msg.subject().unwrap_or_default().to_owned(),
                    date: msg.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
                    topic: msg.header_raw("X-CCM-Topic").map(|t| t.trim().to_owned()),
                    file,
                });
            }
        }
    }
    out.sort_by(|a, b| b.file.cmp(&a.file));
    Ok(out)
}

/// The HTML part of one outbox message (`customer`/`file` already validated by the caller).
pub fn html_of(root: &Path, customer: &str, file: &str) -> Option<String> {
    let bytes = std::fs::read(root.join(customer).join(file)).ok()?;
    let msg = mail_parser::MessageParser::default().parse(&bytes)?;
    msg.body_html(0).map(|h| h.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccm_core::EmailAddress;

    fn keys() -> LinkKeys {
        LinkKeys::from_secrets(&"k".repeat(48), None)
    }

    fn email(list: bool) -> OutgoingEmail {
        OutgoingEmail {
            from: EmailAddress::parse("notifications@ccm.example.com").unwrap(),
            from_name: Some("CCOE Notifications".into()),
            to: EmailAddress::parse("ops@acme.example.com").unwrap(),
            subject: "🟢 Patch".into(),
            html: format!("<a href=\"{SES_UNSUBSCRIBE_PLACEHOLDER}\">unsubscribe</a>"),
            text: format!("unsubscribe: {SES_UNSUBSCRIBE_PLACEHOLDER}"),
            list_management: list
                .then(|| ("acme-contacts".into(), ccm_core::TopicName::parse("aws-announce").unwrap())),
            ics: None,
            feedback: None,
        }
    }

    #[tokio::test]
    async fn a_sent_message_lands_as_a_parseable_eml_under_its_customer() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxMailer::new(dir.path(), "http://127.0.0.1:9000", keys());
        outbox.send(&CustomerCode::parse("acme").unwrap(), &email(true)).await.unwrap();
        let entries = list(outbox.root()).unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!(
            (e.customer.as_str(), e.to.as_str(), e.subject.as_str()),
            ("acme", "ops@acme.example.com", "🟢 Patch")
        );
        assert_eq!(e.topic.as_deref(), Some("aws-announce"));
        let html = html_of(outbox.root(), "acme", &e.file).unwrap();
        assert!(html.contains("http://127.0.0.1:9000/unsubscribe/") && !html.contains("amazonSES"), "{html}");
    }

    #[tokio::test]
    async fn a_list_message_carries_a_signed_one_click_unsubscribe_link_for_its_recipient_and_topic() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxMailer::new(dir.path(), "http://127.0.0.1:9000/", keys());
        outbox.send(&CustomerCode::parse("acme").unwrap(), &email(true)).await.unwrap();
        let file = &list(outbox.root()).unwrap()[0].file;
        let raw = std::fs::read(outbox.root().join("acme").join(file)).unwrap();
        let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let header = msg.header_raw("List-Unsubscribe").unwrap().trim();
        let link = header.strip_prefix('<').and_then(|h| h.strip_suffix('>')).unwrap();
        assert_eq!(msg.header_raw("List-Unsubscribe-Post").map(str::trim), Some("List-Unsubscribe=One-Click"));
        assert_eq!(msg.header_raw("Auto-Submitted").map(str::trim), Some("auto-generated"));
        assert!(msg.body_text(0).unwrap().contains(link), "the footer has the same link");
        let token = link.strip_prefix("http://127.0.0.1:9000/unsubscribe/").unwrap();
        let u = keys().verify(token).unwrap();
        assert_eq!(
            (u.customer.as_str(), u.email.as_str(), u.topic.as_str()),
            ("acme", "ops@acme.example.com", "aws-announce")
        );
        let from = msg.from().and_then(|a| a.first()).unwrap();
        assert_eq!(from.name(), Some("CCOE Notifications"));
    }

    #[tokio::test]
    async fn a_message_sent_for_no_list_has_no_unsubscribe_header() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = OutboxMailer::new(dir.path(), "http://127.0.0.1:9000", keys());
        outbox.send(&CustomerCode::parse("acme").unwrap(), &email(false)).await.unwrap();
        let file = &list(outbox.root()).unwrap()[0].file;
        let raw = std::fs::read(outbox.root().join("acme").join(file)).unwrap();
        let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert!(msg.header_raw("List-Unsubscribe").is_none());
        assert!(msg.body_text(0).unwrap().contains("unsubscribe: http://127.0.0.1:9000/"));
    }
}
