//! [`SesGateway`]: sends and contact look-ups in each customer's own SES account.
//!
//! Customers are isolated: each has its own assumed-role client, rate limiter, concurrency bound and
//! cached list name, so one customer's throttling, outage, refused role or missing list only fails
//! that customer's calls.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_sesv2::config::retry::RetryConfig;
use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{
    Body, Content, Destination, EmailContent, ListContactsFilter, ListManagementOptions, Message, MessageHeader,
    MessageTag, RawMessage, SubscriptionStatus,
};
use ccm_core::feedback::SendTags;
use ccm_core::ports::{
    ContactDirectory, ContactError, MailError, Mailer, OutgoingEmail, SendReceipt, Subscriber, SubscriberPages,
};
use ccm_core::retry::backoff;
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use governor::DefaultDirectRateLimiter;
use tokio::sync::{OnceCell, Semaphore};

use super::errors::{Class, classify};
use super::rate::limiter_for;
use super::subscribers::{Tally, choose_list, list_contacts_page, opted_in, subscribed_addresses, topic_default};
use crate::customer_clients::{CustomerClient, CustomerClients};

const UTF_8: &str = "UTF-8";

/// Tuning of [`SesGateway`]; the defaults suit production.
#[derive(Debug, Clone)]
pub struct SesOptions {
    /// Messages per second for a customer whose account's quota cannot be read (GetAccount refused
    /// or unimplemented) and whose config sets no `max_send_rate`.
    pub fallback_send_rate: f64,
    /// Sends in flight at once per customer.
    pub max_in_flight: usize,
    /// ListContacts page size (SES allows up to 1000).
    pub contacts_page_size: i32,
    /// The first ListContacts page of a streamed listing ([`ContactDirectory::subscriber_pages`]):
    /// small, so the fan-out's first mail waits for a short page, not a full one.
    pub first_contacts_page_size: i32,
    /// How often a throttled send is tried again before `Throttled` is returned.
    pub throttle_retries: u32,
    /// The first wait after throttling; doubled on each further attempt.
    pub throttle_backoff: Duration,
    /// How long a topic's default subscription status (GetContactList) is reused: a fan-out's
    /// first page then waits for ListContacts alone. A default changed in SES applies within it.
    pub topic_default_ttl: Duration,
}

impl Default for SesOptions {
    fn default() -> Self {
        Self {
            fallback_send_rate: 1.0,
            max_in_flight: 8,
            contacts_page_size: 1000,
            first_contacts_page_size: 16,
            throttle_retries: 3,
            throttle_backoff: Duration::from_millis(250),
            topic_default_ttl: Duration::from_secs(60),
        }
    }
}

/// How long after a transient GetAccount failure the quota is asked for again.
const QUOTA_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How long sends go without a configuration set SES said it does not know, before it is tried
/// again (so `ccm ses configure-events` takes effect on running instances too).
const CONFIGURATION_SET_RETRY_AFTER: Duration = Duration::from_secs(300);

/// A topic's default subscription status as read (`None`: the list has no such topic), and when.
type TopicDefault = (Instant, Option<SubscriptionStatus>);

/// What the gateway keeps per customer for the process lifetime.
struct CustomerState {
    /// Sized from the account's quota (or config) once known.
    limiter: OnceCell<Arc<DefaultDirectRateLimiter>>,
    /// At the fallback rate, while the quota cannot be read for a transient reason.
    provisional: Arc<DefaultDirectRateLimiter>,
    quota_retry_at: std::sync::Mutex<Option<Instant>>,
    list_name: OnceCell<String>,
    in_flight: Semaphore,
    /// When SES last said the customer's configuration set does not exist: sends go without it
    /// (and so without delivery feedback) for [`CONFIGURATION_SET_RETRY_AFTER`], then try it again.
    no_configuration_set: std::sync::Mutex<Option<Instant>>,
    /// Topic defaults read recently, by topic ([`SesOptions::topic_default_ttl`]).
    topic_defaults: std::sync::Mutex<std::collections::HashMap<String, TopicDefault>>,
}

/// Why a customer's limiter could not be sized for good.
enum Sizing {
    /// SES is throttling or failing GetAccount: send at the fallback rate for now, ask later.
    Transient,
    Failed(MailError),
}

/// The [`Mailer`] and [`ContactDirectory`] on SES v2, one account per customer.
pub struct SesGateway {
    clients: Arc<CustomerClients>,
    options: SesOptions,
    state: BTreeMap<CustomerCode, CustomerState>,
}

impl std::fmt::Debug for SesGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SesGateway").field("customers", &self.state.keys()).field("options", &self.options).finish()
    }
}

impl SesGateway {
    pub fn new(clients: Arc<CustomerClients>, options: SesOptions) -> Self {
        let state = clients
            .codes()
            .map(|code| {
                let state = CustomerState {
                    limiter: OnceCell::new(),
                    provisional: Arc::new(limiter_for(options.fallback_send_rate)),
                    quota_retry_at: std::sync::Mutex::new(None),
                    list_name: OnceCell::new(),
                    in_flight: Semaphore::new(options.max_in_flight.max(1)),
                    no_configuration_set: std::sync::Mutex::new(None),
                    topic_defaults: std::sync::Mutex::new(std::collections::HashMap::new()),
                };
                (code.clone(), state)
            })
            .collect();
        Self { clients, options, state }
    }

    fn customer(&self, code: &CustomerCode) -> Option<(&CustomerClient, &CustomerState)> {
        Some((self.clients.get(code)?, self.state.get(code)?))
    }

    /// The topic's default subscription status, read again when older than
    /// [`SesOptions::topic_default_ttl`].
    async fn topic_default(
        &self,
        client: &CustomerClient,
        state: &CustomerState,
        list: &str,
        topic: &TopicName,
    ) -> Result<Option<SubscriptionStatus>, ContactError> {
        let ttl = self.options.topic_default_ttl;
        if let Some((at, default)) = lock(&state.topic_defaults).get(topic.as_str())
            && at.elapsed() < ttl
        {
            return Ok(default.clone());
        }
        let default = topic_default(client, list, topic).await?;
        lock(&state.topic_defaults).insert(topic.as_str().to_owned(), (Instant::now(), default.clone()));
        Ok(default)
    }

    /// The customer's limiter, sized on first use: `max_send_rate` from config, else the account's
    /// `SendQuota.MaxSendRate`. When SES answers GetAccount with a refusal (unsupported operation, access
    /// denied) the fallback rate is used for good, with a warning logged once; while GetAccount is
    /// throttled or failing, sends go through a limiter at the fallback rate and the quota is asked
    /// for again a minute later. When SES cannot be reached at all (the role is refused), the send fails.
    async fn limiter(
        &self,
        client: &CustomerClient,
        state: &CustomerState,
    ) -> Result<Arc<DefaultDirectRateLimiter>, MailError> {
        let sized = state
            .limiter
            .get_or_try_init(|| async {
                let rate = match client.config.max_send_rate {
                    Some(rate) => rate,
                    None => self.account_send_rate(client, state).await?,
                };
                tracing::info!(rate, "SES send rate");
                Ok::<_, Sizing>(Arc::new(limiter_for(rate)))
            })
            .await;
        match sized {
            Ok(limiter) => Ok(Arc::clone(limiter)),
            Err(Sizing::Transient) => Ok(Arc::clone(&state.provisional)),
            Err(Sizing::Failed(err)) => Err(err),
        }
    }

    async fn account_send_rate(&self, client: &CustomerClient, state: &CustomerState) -> Result<f64, Sizing> {
        let fallback = self.options.fallback_send_rate;
        let retry_at = *state.quota_retry_at.lock().unwrap_or_else(|e| e.into_inner());
        if retry_at.is_some_and(|at| Instant::now() < at) {
            return Err(Sizing::Transient);
        }
        let op = "GetAccount (send quota)";
        match client.ses.get_account().send().await {
            Ok(account) => match account.send_quota().map(|q| q.max_send_rate()) {
                Some(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
                _ => {
                    tracing::warn!(fallback, "GetAccount has no send quota; using the fallback rate");
                    Ok(fallback)
                }
            },
            Err(err @ (SdkError::ServiceError(_) | SdkError::ResponseError(_))) => {
                let failure = classify(op, &err);
                if failure.class == Class::Rejected {
                    tracing::warn!(fallback, error = %failure.message, "cannot read the account's send quota; using the fallback rate");
                    return Ok(fallback);
                }
                tracing::warn!(fallback, error = %failure.message, "the account's send quota is unavailable; sending at the fallback rate for now");
                *state.quota_retry_at.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(Instant::now() + QUOTA_RETRY_AFTER);
                Err(Sizing::Transient)
            }
            // SES was not reached (the role was refused, a timeout): fail this send, ask again next time.
            Err(err) => Err(Sizing::Failed(classify(op, &err).into_mail_error())),
        }
    }

    /// One SendEmail; a message of a delivery goes with the customer's configuration set and its
    /// delivery's tags. Should SES not know the configuration set (an account not yet set up with
    /// `ccm ses configure-events` or `ccm domain onboard`), the mail still goes, without them.
    async fn send_once(
        &self,
        client: &CustomerClient,
        state: &CustomerState,
        email: &OutgoingEmail,
    ) -> Result<SendReceipt, MailError> {
        let set = client.config.configuration_set();
        let missing = lock(&state.no_configuration_set).is_some_and(|at| at.elapsed() < CONFIGURATION_SET_RETRY_AFTER);
        let feedback = email.feedback.as_ref().filter(|_| !missing);
        match self.send_email(client, email, feedback.map(|tags| (set.as_str(), tags))).await {
            Err(Sent::NoConfigurationSet(why)) => {
                *lock(&state.no_configuration_set) = Some(Instant::now());
                tracing::warn!(configuration_set = %set, error = %why, "SES does not know the customer's configuration set: sending without it, so without delivery feedback (run `ccm ses configure-events`)");
                self.send_email(client, email, None).await.map_err(Sent::into_mail_error)
            }
            other => other.map_err(Sent::into_mail_error),
        }
    }

    async fn send_email(
        &self,
        client: &CustomerClient,
        email: &OutgoingEmail,
        feedback: Option<(&str, &SendTags)>,
    ) -> Result<SendReceipt, Sent> {
        let rejected =
            |what: &str, err: &dyn std::fmt::Display| Sent::Failed(MailError::Rejected(format!("{what}: {err}")));
        let content = build_content(email).map_err(|err| rejected("building the message", &err))?;
        let list_management = match &email.list_management {
            Some((list, topic)) => Some(
                ListManagementOptions::builder()
                    .contact_list_name(list)
                    .topic_name(topic.as_str())
                    .build()
                    .map_err(|err| rejected("list management options", &err))?,
            ),
            None => None,
        };
        let tags = match feedback {
            Some((_, tags)) => Some(message_tags(tags).map_err(|err| rejected("message tags", &err))?),
            None => None,
        };
        let out = client
            .ses
            .send_email()
            .from_email_address(ccm_core::mime::from_value(email))
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .content(content)
            .set_list_management_options(list_management)
            .set_configuration_set_name(feedback.map(|(set, _)| set.to_owned()))
            .set_email_tags(tags)
            .customize()
            // A retried SendEmail after a timeout could deliver twice: the caller and its delivery
            // ledger decide about retries, and throttling (never delivered) is retried in `send`.
            .config_override(aws_sdk_sesv2::config::Builder::default().retry_config(RetryConfig::disabled()))
            .send()
            .await
            .map_err(|err| {
                let failure = classify("SendEmail", &err);
                if feedback.is_some()
                    && failure.is_not_found()
                    && failure.message.to_lowercase().contains("configuration set")
                {
                    Sent::NoConfigurationSet(failure.message)
                } else {
                    Sent::Failed(failure.into_mail_error())
                }
            })?;
        Ok(SendReceipt { message_id: out.message_id().unwrap_or_default().to_owned() })
    }

    async fn resolve_list_name(&self, client: &CustomerClient, state: &CustomerState) -> Result<String, ContactError> {
        if let Some(name) = &client.config.contact_list_name {
            return Ok(name.clone());
        }
        let name = state
            .list_name
            .get_or_try_init(|| async {
                let pages = client
                    .ses
                    .list_contact_lists()
                    .into_paginator()
                    .send()
                    .try_collect()
                    .await
                    .map_err(|err| classify("ListContactLists", &err).into_contact_error())?;
                let names: Vec<String> = pages
                    .iter()
                    .flat_map(|page| page.contact_lists())
                    .filter_map(|l| l.contact_list_name().map(str::to_owned))
                    .collect();
                choose_list(None, names)
            })
            .await?;
        Ok(name.clone())
    }
}

/// Why one SendEmail failed.
enum Sent {
    /// SES does not know the configuration set the message named.
    NoConfigurationSet(String),
    Failed(MailError),
}

impl Sent {
    fn into_mail_error(self) -> MailError {
        match self {
            Self::NoConfigurationSet(why) => MailError::Rejected(why),
            Self::Failed(err) => err,
        }
    }
}

/// The delivery's tags as SES message tags (every value is one SES accepts: [`SendTags::to_pairs`]).
pub(crate) fn message_tags(tags: &SendTags) -> Result<Vec<MessageTag>, aws_sdk_sesv2::error::BuildError> {
    tags.to_pairs().into_iter().map(|(name, value)| MessageTag::builder().name(name).value(value).build()).collect()
}

/// Simple content (subject, HTML and text in UTF-8), or, with a calendar invitation, the raw MIME
/// message built by the core (the same builder as the local outbox's `.eml` files).
fn build_content(email: &OutgoingEmail) -> Result<EmailContent, Box<dyn std::error::Error + Send + Sync>> {
    if email.ics.is_some() {
        let now = chrono::Utc::now();
        // SES replaces the Message-ID of a raw message with its own; this one only has to be valid.
        let message_id = format!("{}@ccm.invalid", now.timestamp_nanos_opt().unwrap_or_default());
        let mime = ccm_core::mime::build(email, now, &message_id, &[]);
        let raw = RawMessage::builder().data(Blob::new(mime)).build()?;
        return Ok(EmailContent::builder().raw(raw).build());
    }
    let utf8 = |data: &str| Content::builder().data(data).charset(UTF_8).build();
    let mut message = Message::builder()
        .subject(utf8(&email.subject)?)
        .body(Body::builder().html(utf8(&email.html)?).text(utf8(&email.text)?).build());
    for (name, value) in ccm_core::mime::NOTIFICATION_HEADERS {
        message = message.headers(MessageHeader::builder().name(name).value(value).build()?);
    }
    let message = message.build();
    Ok(EmailContent::builder().simple(message).build())
}

#[async_trait]
impl Mailer for SesGateway {
    #[tracing::instrument(skip_all, fields(customer = %customer, to = %email.to.masked()))]
    async fn send(&self, customer: &CustomerCode, email: &OutgoingEmail) -> Result<SendReceipt, MailError> {
        let (client, state) = self
            .customer(customer)
            .ok_or_else(|| MailError::Rejected(format!("customer {customer} is not configured for SES")))?;
        // Last line of defence for non-production accounts: callers filter first and log counts.
        if !client.config.is_recipient_allowed(email.to.as_str()) {
            tracing::warn!("not on restricted_recipients; not sent");
            return Err(MailError::Rejected(format!("{} is not on restricted_recipients", email.to.masked())));
        }
        let _permit = state.in_flight.acquire().await.map_err(|_| MailError::Unavailable("shutting down".into()))?;
        let limiter = self.limiter(client, state).await?;
        let mut attempt = 0;
        loop {
            limiter.until_ready().await;
            match self.send_once(client, state, email).await {
                Ok(receipt) => {
                    tracing::debug!(message_id = %receipt.message_id, "sent");
                    return Ok(receipt);
                }
                Err(MailError::Throttled(why)) if attempt < self.options.throttle_retries => {
                    let wait = backoff(self.options.throttle_backoff, attempt);
                    tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, error = %why, "throttled by SES; backing off");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(err) => {
                    tracing::warn!(error = %err, retryable = err.is_retryable(), "send failed");
                    return Err(err);
                }
            }
        }
    }
}

#[async_trait]
impl ContactDirectory for SesGateway {
    #[tracing::instrument(skip_all, fields(customer = %customer))]
    async fn list_name(&self, customer: &CustomerCode) -> Result<String, ContactError> {
        let (client, state) = self.customer(customer).ok_or_else(|| not_configured(customer))?;
        self.resolve_list_name(client, state).await
    }

    /// The customer's list name and send quota, fetched now and kept: on a first use, the role is
    /// assumed by the first of them. Both are cached on success only, so a failure here is met again
    /// (and reported) by the listing or the send that needs them. A customer with both in config
    /// (`contact_list_name`, `max_send_rate`) needs no call here; its role is assumed by the first page.
    async fn prepare(&self, customer: &CustomerCode) {
        let Some((client, state)) = self.customer(customer) else { return };
        let (list, limiter) = tokio::join!(self.resolve_list_name(client, state), self.limiter(client, state));
        if let Err(e) = list {
            tracing::debug!(customer = %customer, error = %e, "contact list not found ahead of the listing");
        }
        if let Err(e) = limiter {
            tracing::debug!(customer = %customer, error = %e, "send quota not read ahead of the first send");
        }
    }

    #[tracing::instrument(skip_all, fields(customer = %customer, topic = %topic))]
    async fn subscribers(&self, customer: &CustomerCode, topic: &TopicName) -> Result<Vec<EmailAddress>, ContactError> {
        let (client, state) = self.customer(customer).ok_or_else(|| not_configured(customer))?;
        let list = self.resolve_list_name(client, state).await?;
        let Some(topic_default) = self.topic_default(client, state, &list, topic).await? else {
            return Ok(Vec::new());
        };
        let filter = opted_in(topic);
        let (mut out, mut skipped, mut pages) = (Vec::new(), 0usize, 0usize);
        let mut token: Option<String> = None;
        loop {
            let page =
                list_contacts_page(client, &list, &filter, self.options.contacts_page_size, token.take()).await?;
            pages += 1;
            let (addresses, page_skipped) = subscribed_addresses(page.contacts(), topic, &topic_default);
            out.extend(addresses);
            skipped += page_skipped;
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
        tracing::info!(list = %list, subscribers = out.len(), skipped, pages, "listed topic subscribers");
        Ok(out)
    }

    /// The first page is short ([`SesOptions::first_contacts_page_size`]) and read together with the
    /// topic's default (GetContactList) and the account's send quota (GetAccount, which sizes the
    /// send rate limiter), so the first send does not wait for them one after the other; later pages
    /// are full-size and read one at a time, when the caller asks for the next.
    fn subscriber_pages<'a>(&'a self, customer: &'a CustomerCode, topic: &'a TopicName) -> SubscriberPages<'a> {
        /// Where the listing stands between pages.
        enum Next {
            Start,
            Page { list: String, filter: ListContactsFilter, default: SubscriptionStatus, token: String, seen: Tally },
        }
        let pages = futures::stream::try_unfold(Some(Next::Start), move |next| async move {
            let Some(next) = next else { return Ok(None) };
            let (client, state) = self.customer(customer).ok_or_else(|| not_configured(customer))?;
            let (page, list, filter, default, mut seen) = match next {
                Next::Start => {
                    let list = self.resolve_list_name(client, state).await?;
                    let filter = opted_in(topic);
                    let size = self.options.first_contacts_page_size;
                    let (default, page, _) = tokio::join!(
                        self.topic_default(client, state, &list, topic),
                        list_contacts_page(client, &list, &filter, size, None),
                        // The send quota is only needed for the first send: ask for it now, not then.
                        self.limiter(client, state),
                    );
                    let Some(default) = default? else { return Ok(None) };
                    (page?, list, filter, default, Tally::default())
                }
                Next::Page { list, filter, default, token, seen } => {
                    let size = self.options.contacts_page_size;
                    let page = list_contacts_page(client, &list, &filter, size, Some(token)).await?;
                    (page, list, filter, default, seen)
                }
            };
            let (addresses, skipped) = subscribed_addresses(page.contacts(), topic, &default);
            seen.add(addresses.len(), skipped);
            // No zones here: ListContacts carries no attributes and GetContact is throttled at one
            // request per second; the processor reads the customer's zone book instead (ADR 0015).
            let subscribers: Vec<Subscriber> = addresses.into_iter().map(Subscriber::from).collect();
            let next = match page.next_token() {
                Some(token) if !token.is_empty() => {
                    Some(Next::Page { list, filter, default, token: token.to_owned(), seen })
                }
                _ => {
                    tracing::info!(customer = %customer, topic = %topic, list = %list, subscribers = seen.subscribers, skipped = seen.skipped, pages = seen.pages, "listed topic subscribers");
                    None
                }
            };
            Ok(Some((subscribers, next)))
        });
        Box::pin(pages)
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn not_configured(customer: &CustomerCode) -> ContactError {
    ContactError::Other(format!("customer {customer} is not configured for SES"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_stays_within_one_base_of_jitter() {
        let base = Duration::from_millis(100);
        for attempt in 0..4 {
            let wait = backoff(base, attempt);
            let floor = base * 2u32.pow(attempt);
            assert!(wait >= floor && wait < floor + base, "{attempt}: {wait:?}");
        }
    }

    #[test]
    fn simple_content_has_utf8_subject_html_and_text() {
        let email = OutgoingEmail {
            from: EmailAddress::parse("ccm@example.com").unwrap(),
            from_name: Some("CCOE".into()),
            to: EmailAddress::parse("jane@example.org").unwrap(),
            subject: "✅ Done".into(),
            html: "<p>Done</p>".into(),
            text: "Done".into(),
            list_management: None,
            ics: None,
            feedback: None,
        };
        let content = build_content(&email).unwrap();
        let simple = content.simple().unwrap();
        assert_eq!(simple.subject().unwrap().charset(), Some(UTF_8));
        assert_eq!(simple.body().unwrap().html().unwrap().data(), "<p>Done</p>");
        assert_eq!(simple.body().unwrap().text().unwrap().data(), "Done");
        let headers: Vec<(&str, &str)> = simple.headers().iter().map(|h| (h.name(), h.value())).collect();
        assert!(headers.contains(&("Auto-Submitted", "auto-generated")), "{headers:?}");
        assert_eq!(ccm_core::mime::from_value(&email), "\"CCOE\" <ccm@example.com>");
        assert!(content.raw().is_none());
    }
}
