//! Processing one trigger for one customer: check it is still pending, load the archived object (the
//! source of truth, never the trigger body), bring the object's meeting in line with it (schedule,
//! reschedule, or cancel before anything is sent: [`crate::meeting`]), send the routed notification
//! to the customer's subscribers exactly once each (the delivery ledger) with the meeting's join link,
//! mail this customer's ICS invitations when there is no Graph ([`crate::invitations`]), record the
//! results create-only under `results/` (never in `archive/`: only people write the object, so their
//! `If-Match` means exactly what HTTP says), and delete the trigger.

use std::sync::Arc;

use bytes::Bytes;
use ccm_core::config::{AppConfig, CustomerConfig};
use ccm_core::model::{DeliveryResult, PROCESSOR_USER};
use ccm_core::ports::{
    Calendar, Clock, ContactDirectory, ContactError, DeliveryKey, DeliveryLedger, DocumentStore, ETag, MailError,
    Mailer, OutgoingEmail, PutOptions, Reservation, StoreError, Surveys,
};
use ccm_core::render::NotificationContext;
use ccm_core::routing::{self, Route};
use ccm_core::zone_book::ZoneBook;
use ccm_core::{CustomerCode, EmailAddress, Object, ObjectId, StorageKey, TopicName};
use futures::StreamExt;

use crate::error::ProcessError;
use crate::meeting::{Actor, Mode, with_current_meeting};
use crate::stream::Recipients;

/// The ports and settings the processor works with.
#[derive(Clone)]
pub struct Processor {
    pub store: Arc<dyn DocumentStore>,
    pub contacts: Arc<dyn ContactDirectory>,
    pub mailer: Arc<dyn Mailer>,
    pub ledger: Arc<dyn DeliveryLedger>,
    /// Meetings; `None` until a calendar is configured (then meetings are neither made nor cancelled).
    pub calendar: Option<Arc<dyn Calendar>>,
    /// Satisfaction surveys of completed objects; `None`: completion notices carry no survey.
    pub surveys: Option<Arc<dyn Surveys>>,
    pub config: Arc<AppConfig>,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Sends in flight at once for one trigger, after its first, which goes alone (the mailer also
    /// rate-limits per customer).
    pub send_concurrency: usize,
    /// Principals whose writes are the processor's own (event-loop prevention): substrings of the
    /// S3 event's `userIdentity.principalId`.
    pub own_principals: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self { send_concurrency: 8, own_principals: Vec::new() }
    }
}

/// What processing one trigger did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The trigger was already gone: an earlier delivery finished it.
    AlreadyProcessed,
    /// The event was written by the processor itself.
    OwnWrite,
    /// Nothing to send (a draft, the object no longer lists this customer, the object was deleted).
    NothingToSend(String),
    Sent(Summary),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub event: String,
    pub topic: String,
    pub subscribers: usize,
    pub restricted: usize,
    pub sent: usize,
    pub already_sent: usize,
    pub rejected: usize,
}

impl Processor {
    pub fn is_own_write(&self, principal: Option<&str>) -> bool {
        principal
            .is_some_and(|p| self.settings.own_principals.iter().any(|own| !own.is_empty() && p.contains(own.as_str())))
    }

    /// Processes `customers/{customer}/{id}.json`.
    #[tracing::instrument(skip_all, fields(customer = %customer, object = %id, request = tracing::field::Empty))]
    pub async fn process(&self, customer: &CustomerCode, id: &ObjectId) -> Result<Outcome, ProcessError> {
        let customer_config = self
            .config
            .customer(customer)
            .ok_or_else(|| ProcessError::permanent(format!("unknown customer {customer}")))?;
        let trigger = StorageKey::Trigger(customer.clone(), id.clone());
        // The trigger and the archived object are read together, while the customer's directory
        // gets ready (on AWS: its role assumed, its list found): no round trip waits for another.
        let archive = StorageKey::Archive(id.clone());
        let (meta, doc, ()) =
            futures::join!(self.store.head(&trigger), self.store.get(&archive), self.contacts.prepare(customer));
        let Some(meta) = meta.map_err(store_err)? else {
            tracing::info!("trigger already processed");
            return Ok(Outcome::AlreadyProcessed);
        };
        // The API request that wrote the trigger: every line of this span names it.
        if let Some(request) = meta.metadata.get("request-id") {
            tracing::Span::current().record("request", request.as_str());
        }
        let seen = meta.etag;
        let Some(doc) = doc.map_err(store_err)? else {
            self.meeting_of_deleted(customer, id).await?;
            self.finish(&trigger, &seen).await?;
            return Ok(Outcome::NothingToSend("the object is no longer archived".into()));
        };
        let object = Object::from_json(&doc.body)
            .map_err(|e| ProcessError::permanent(format!("archived object does not parse: {e}")))?;
        if !object.customers().contains(customer) {
            self.finish(&trigger, &seen).await?;
            return Ok(Outcome::NothingToSend("the object no longer lists this customer".into()));
        }
        let Some(route) = routing::route(&object) else {
            self.finish(&trigger, &seen).await?;
            return Ok(Outcome::NothingToSend(format!("nothing is sent for status {}", object.life().status)));
        };
        // Three things before the first mail, read side by side (on AWS each is a round trip or
        // more): what this customer was last told of the object's times (an approval again after a
        // move is a reschedule notice, an approval request says the window moved: crate::announced),
        // the meeting (a cancellation is made before any mail, a new meeting's join link goes into
        // it; one that could not be made yet does not hold the mail back), and the first page of
        // the audience (a reschedule goes to the same topic: ccm_core::reschedule). Nothing is sent
        // before all three are done.
        let topic = TopicName::parse(route.topic).map_err(|e| ProcessError::permanent(e.to_string()))?;
        let (announced, meeting, mailing) = futures::join!(
            self.last_announced(customer, &object, route.event),
            self.meeting_step(&object, Actor::Trigger(customer), Mode::Follow),
            self.mailing(customer, customer_config, &topic),
        );
        let (announced, meeting, mailing) = (announced?, meeting?, mailing?);
        let route = ccm_core::reschedule::decide(route, &object, announced.as_ref());
        let shown = with_current_meeting(&object, &meeting.history);
        let (summary, book) = self.deliver(mailing, customer_config, &shown, &route, announced.as_ref()).await?;
        self.record(customer, &object, &summary).await?;
        if let Some(step) = self.step_to_mail(&object, &meeting.history) {
            // The notice's zone book serves the invitations too: not read twice.
            self.invite(customer, &object, step, Some(book)).await?;
        }
        if let Some(e) = meeting.deferred {
            return Err(e);
        }
        self.finish(&trigger, &seen).await?;
        tracing::info!(
            event = %summary.event, topic = %summary.topic, sent = summary.sent, already_sent = summary.already_sent,
            restricted = summary.restricted, rejected = summary.rejected, "trigger processed"
        );
        Ok(Outcome::Sent(summary))
    }

    /// Deletes the trigger this delivery processed, unless it was written again meanwhile: the object
    /// moved on (submitted, then quickly approved), and that write's own event processes it. Deleting
    /// it here would lose the newer notification.
    ///
    /// One conditional delete (S3's `If-Match` on DeleteObject, atomic in the embedded store): a
    /// look then a delete would let a write land in between and be deleted unseen.
    pub(crate) async fn finish(&self, trigger: &StorageKey, seen: &ETag) -> Result<(), ProcessError> {
        match self.store.delete_if_match(trigger, seen).await {
            Ok(()) => Ok(()),
            Err(StoreError::PreconditionFailed { .. }) => {
                tracing::info!("the trigger was written again meanwhile (or is gone); it is left for its own event");
                Ok(())
            }
            Err(e) => Err(store_err(e)),
        }
    }

    /// A trigger for an object that was deleted meanwhile: its meeting, if one still stands, goes.
    async fn meeting_of_deleted(&self, customer: &CustomerCode, id: &ObjectId) -> Result<(), ProcessError> {
        let Some(doc) = self.store.get(&StorageKey::DeletedArchive(id.clone())).await.map_err(store_err)? else {
            return Ok(());
        };
        let Ok(object) = Object::from_json(&doc.body) else { return Ok(()) };
        let meeting = self.meeting_step(&object, Actor::Trigger(customer), Mode::Deleted).await?;
        if object.customers().contains(customer)
            && let Some(step) = self.step_to_mail(&object, &meeting.history)
        {
            self.mail_invitations(customer, &object, step).await?;
        }
        match meeting.deferred {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Sends `route`'s notice of `object` to `customer`'s subscribers of its topic, once each.
    pub(crate) async fn notify(
        &self,
        customer: &CustomerCode,
        customer_config: &CustomerConfig,
        object: &Object,
        route: &Route,
        previous: Option<&Object>,
    ) -> Result<Summary, ProcessError> {
        let topic = TopicName::parse(route.topic).map_err(|e| ProcessError::permanent(e.to_string()))?;
        let mailing = self.mailing(customer, customer_config, &topic).await?;
        Ok(self.deliver(mailing, customer_config, object, route, previous).await?.0)
    }

    /// What a notice needs before its first send: the audience's first page (streamed page by page
    /// after it: crate::stream), and meanwhile the readers' zone book (crate::zone_book).
    pub(crate) async fn mailing<'a>(
        &'a self,
        customer: &'a CustomerCode,
        customer_config: &CustomerConfig,
        topic: &'a TopicName,
    ) -> Result<Mailing<'a>, ProcessError> {
        let (recipients, book) = futures::join!(
            self.recipients(customer, topic, &customer_config.restricted_recipients),
            self.zone_book(customer)
        );
        Ok(Mailing { customer, topic, recipients: recipients?, book })
    }

    /// Sends the notice to every recipient of `mailing`, once each: the first message alone, the
    /// rest `send_concurrency` at a time after it ([`send_all`](Self::send_all)). The zone book comes
    /// back for the meeting invitations that may follow.
    pub(crate) async fn deliver(
        &self,
        mailing: Mailing<'_>,
        customer_config: &CustomerConfig,
        object: &Object,
        route: &Route,
        previous: Option<&Object>,
    ) -> Result<(Summary, ZoneBook), ProcessError> {
        let Mailing { customer, topic, mut recipients, book } = mailing;
        let mut summary =
            Summary { event: route.event.as_str().into(), topic: route.topic.into(), ..Summary::default() };
        if recipients.is_empty() {
            let listed = recipients.finish();
            (summary.subscribers, summary.restricted) = (listed.subscribers, listed.restricted);
            return Ok((summary, book));
        }
        let list_name = self.list_name(customer).await?;
        let survey = self.survey_links(route.event, customer, customer_config, object).await?;
        // This customer's copy knows only this customer's name (never the other affected customers),
        // rendered once per reader zone (the contact's, else the book's, else the customer's, else the object's).
        let copies = crate::copies::notice(
            NotificationContext {
                object,
                event: route.event,
                customer,
                customer_name: &customer_config.customer_name,
                portal_base_url: &self.config.email_config.portal_base_url,
                now: self.clock.now(),
                reader_zone: None,
                previous,
            },
            survey.as_ref().map(|s| s.placeholder()),
            customer_config.zone().unwrap_or_else(|| ccm_core::render::object_zone(object)),
        )?;
        let from = self.config.email_config.sender_address.clone();
        let from_name = self.config.email_config.sender_name.clone();
        let version = object.life().version;
        let sends = recipients.stream().map(|subscriber| {
            let rendered = copies.for_zone(crate::zone_book::reader_zone(&subscriber, &book));
            let to = subscriber.address;
            // A completion notice carries the recipient's own survey link.
            let copy = match &survey {
                Some(links) => links.copy_for(&rendered, &to),
                None => (*rendered).clone(),
            };
            let email = OutgoingEmail {
                from: from.clone(),
                from_name: from_name.clone(),
                to: to.clone(),
                subject: copy.subject,
                html: copy.html,
                text: copy.text,
                list_management: Some((list_name.clone(), topic.clone())),
                ics: None,
                feedback: None,
            };
            let key = DeliveryKey {
                object: object.id().clone(),
                version,
                event: route.event.as_str().to_owned(),
                customer: customer.clone(),
                recipient_hash: DeliveryKey::recipient_hash(&to),
            };
            async move { self.send_once(customer, key, email).await }
        });
        let sends = self.send_all(sends).await;
        let listed = recipients.finish();
        tracing::debug!(copies = copies.rendered(), "rendered once per reader zone");
        self.settle(&mut summary, listed, sends)?;
        Ok((summary, book))
    }

    /// The customer's contact list, named in each subscriber's unsubscribe headers.
    pub(crate) async fn list_name(&self, customer: &CustomerCode) -> Result<String, ProcessError> {
        self.contacts.list_name(customer).await.map_err(|e| match e {
            ContactError::Unavailable(e) => ProcessError::retryable(format!("contact list: {e}")),
            e => ProcessError::permanent(format!("contact list: {e}")),
        })
    }

    /// Counts `results` into `summary`; an error if any send is worth retrying.
    pub(crate) fn tally(&self, summary: &mut Summary, results: Vec<SendResult>) -> Result<(), ProcessError> {
        let mut retryable = Vec::new();
        for r in results {
            match r {
                SendResult::Sent => summary.sent += 1,
                SendResult::AlreadySent => summary.already_sent += 1,
                SendResult::Rejected(to, e) => {
                    summary.rejected += 1;
                    tracing::warn!(to = %to.masked(), error = %e, "send rejected; not retried");
                }
                SendResult::Retry(e) => retryable.push(e),
            }
        }
        if let Some(first) = retryable.first() {
            return Err(ProcessError::retryable(format!(
                "{} of {} sends failed and will be retried (first: {first})",
                retryable.len(),
                summary.subscribers.saturating_sub(summary.restricted).max(retryable.len()),
            )));
        }
        Ok(())
    }

    /// One recipient: reserve in the ledger, send, confirm. A send already confirmed is skipped; one
    /// reserved but never confirmed (a crash mid-send) is sent again: at most one duplicate, never a loss.
    /// The message carries its delivery's tags, so SES's events about it find this send again.
    pub(crate) async fn send_once(
        &self,
        customer: &CustomerCode,
        key: DeliveryKey,
        mut email: OutgoingEmail,
    ) -> SendResult {
        if email.feedback.is_none() {
            email.feedback = ccm_core::feedback::SendTags::for_key(&key);
        }
        match self.ledger.reserve(&key).await {
            Ok(Reservation::Sent) => return SendResult::AlreadySent,
            Ok(Reservation::Acquired | Reservation::InFlight) => {}
            Err(e) => return SendResult::Retry(format!("ledger: {e}")),
        }
        match self.mailer.send(customer, &email).await {
            Ok(receipt) => match self.ledger.confirm(&key, &receipt).await {
                Ok(()) => SendResult::Sent,
                Err(e) => SendResult::Retry(format!("ledger confirm: {e}")),
            },
            Err(e @ (MailError::Throttled(_) | MailError::Unavailable(_))) => SendResult::Retry(e.to_string()),
            Err(e @ MailError::Rejected(_)) => SendResult::Rejected(email.to, e.to_string()),
        }
    }

    /// Writes the delivery result for (object version, customer, event), once: a redelivered trigger
    /// finds it already there and moves on.
    pub(crate) async fn record(
        &self,
        customer: &CustomerCode,
        object: &Object,
        s: &Summary,
    ) -> Result<(), ProcessError> {
        let result = DeliveryResult {
            object: object.id().clone(),
            version: object.life().version,
            customer: customer.clone(),
            event: s.event.clone(),
            topic: s.topic.clone(),
            at: self.clock.now(),
            subscribers: s.subscribers,
            restricted: s.restricted,
            sent: s.sent,
            already_sent: s.already_sent,
            rejected: s.rejected,
        };
        let key = result.key().ok_or_else(|| ProcessError::permanent(format!("no result key for {}", s.event)))?;
        self.put_result(&key, &result).await
    }

    async fn put_result(&self, key: &StorageKey, record: &impl serde::Serialize) -> Result<(), ProcessError> {
        let body = serde_json::to_vec_pretty(record).map_err(|e| ProcessError::permanent(e.to_string()))?;
        let options = PutOptions::create_only().with_metadata("written-by", PROCESSOR_USER);
        match self.store.put(key, Bytes::from(body), options).await {
            Ok(_) | Err(StoreError::PreconditionFailed { .. }) => Ok(()),
            Err(e) => Err(store_err(e)),
        }
    }
}

/// A notice's audience, its first page read: [`Processor::mailing`], then [`Processor::deliver`].
pub(crate) struct Mailing<'a> {
    customer: &'a CustomerCode,
    topic: &'a TopicName,
    recipients: Recipients<'a>,
    book: ZoneBook,
}

pub(crate) enum SendResult {
    Sent,
    AlreadySent,
    Rejected(EmailAddress, String),
    Retry(String),
}

pub(crate) fn store_err(e: StoreError) -> ProcessError {
    if e.is_retryable() { ProcessError::retryable(e.to_string()) } else { ProcessError::permanent(e.to_string()) }
}
