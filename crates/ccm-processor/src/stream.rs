//! Subscribers streamed into the send loop page by page: the first message leaves as soon as the
//! first page with someone to mail has been read, while later pages are read as the sends need them
//! (the bounded send concurrency pulls recipients, so a page is read only when the one before has
//! been handed out). Each address is mailed once across pages and `restricted_recipients` holds on
//! every page ([`Audience`]); exactly-once across deliveries stays with the delivery ledger.
//!
//! A page that cannot be read before anything was sent fails the trigger as listing failed before
//! (retryable when the directory is unavailable, else permanent). Once a page has been handed to the
//! sender, a failed read of a later one is always retryable: part of the audience has its mail, the
//! rest must not be dropped silently, and the redelivery finds the sent ones in the ledger.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ccm_core::ports::{ContactError, Subscriber, SubscriberPages};
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use futures::{Stream, StreamExt};

use crate::error::ProcessError;
use crate::processor::{Processor, SendResult, Summary};
use crate::recipients::Audience;

/// One trigger's recipients: the first page with someone to mail, and the pages still to read.
pub(crate) struct Recipients<'a> {
    first: Vec<Subscriber>,
    rest: SubscriberPages<'a>,
    audience: Mutex<Audience>,
    failure: Mutex<Option<ContactError>>,
}

/// What the stream of recipients saw, once the sends are done.
pub(crate) struct Listed {
    /// Distinct addresses listed.
    pub(crate) subscribers: usize,
    /// Of those, held back by `restricted_recipients`.
    pub(crate) restricted: usize,
    /// Why the list could not be read to its end.
    pub(crate) failure: Option<ContactError>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Processor {
    /// Reads `topic`'s subscribers until a page holds someone to mail (or the list ends).
    pub(crate) async fn recipients<'a>(
        &'a self,
        customer: &'a CustomerCode,
        topic: &'a TopicName,
        restricted: &[String],
    ) -> Result<Recipients<'a>, ProcessError> {
        self.first_page(customer, topic, restricted, false).await
    }

    /// As [`recipients`](Self::recipients), but a customer without a contact list has nobody listed
    /// instead of a failed trigger (a meeting invitation still reaches the author's extra attendees).
    pub(crate) async fn recipients_if_listed<'a>(
        &'a self,
        customer: &'a CustomerCode,
        topic: &'a TopicName,
        restricted: &[String],
    ) -> Result<Recipients<'a>, ProcessError> {
        self.first_page(customer, topic, restricted, true).await
    }

    async fn first_page<'a>(
        &'a self,
        customer: &'a CustomerCode,
        topic: &'a TopicName,
        restricted: &[String],
        no_list_is_nobody: bool,
    ) -> Result<Recipients<'a>, ProcessError> {
        let mut rest = self.contacts.subscriber_pages(customer, topic);
        let mut audience = Audience::new(restricted);
        let mut first = Vec::new();
        while first.is_empty() {
            match rest.next().await {
                Some(Ok(page)) => first = audience.admit(page),
                Some(Err(ContactError::NoList)) if no_list_is_nobody => {
                    rest = Box::pin(futures::stream::empty());
                    break;
                }
                Some(Err(ContactError::Unavailable(e))) => {
                    return Err(ProcessError::retryable(format!("contacts: {e}")));
                }
                Some(Err(e)) => return Err(ProcessError::permanent(format!("contacts: {e}"))),
                None => break,
            }
        }
        Ok(Recipients { first, rest, audience: Mutex::new(audience), failure: Mutex::new(None) })
    }

    /// Runs a fan-out's sends in stream order: the first alone, the rest `send_concurrency` at a
    /// time after it, so the first mail of every customer's fan-out does not wait behind the second
    /// to eighth of the others' (one process serving many customers at once); the rate limit keeps
    /// the rest at the account's pace anyway. Under a [`crate::Budget`], no send starts once it is
    /// spent (those in flight finish); `cut` says so.
    pub(crate) async fn send_all<F>(&self, sends: impl Stream<Item = F>) -> Sends
    where
        F: Future<Output = SendResult>,
    {
        // Checked before each recipient is taken, and latched: once spent, the stream has ended.
        let cut = Arc::new(AtomicBool::new(false));
        let mut sends = Box::pin(sends);
        let latch = cut.clone();
        let mut sends = futures::stream::poll_fn(move |cx| {
            if latch.load(Ordering::Relaxed) || crate::budget::spent() {
                latch.store(true, Ordering::Relaxed);
                return std::task::Poll::Ready(None);
            }
            sends.as_mut().poll_next(cx)
        });
        let mut results = Vec::new();
        if let Some(first) = sends.next().await {
            results.push(first.await);
        }
        results.extend(sends.buffer_unordered(self.settings.send_concurrency.max(1)).collect::<Vec<_>>().await);
        Sends { results, cut: cut.load(Ordering::Relaxed) }
    }

    /// Counts a finished fan-out into `summary`: what was listed, then the sends. A list that could
    /// not be read to its end fails the trigger as retryable, whatever the sends did: some of the
    /// audience may have their mail, the redelivery sends the rest and the ledger skips the others.
    /// A fan-out cut by its time budget fails it as out of time when it sent something (it carries
    /// on in a new message), else as retryable (so a trigger that never gets a send in cannot hand
    /// itself on forever).
    pub(crate) fn settle(&self, summary: &mut Summary, listed: Listed, sends: Sends) -> Result<(), ProcessError> {
        summary.subscribers = listed.subscribers;
        summary.restricted = summary.restricted.saturating_add(listed.restricted);
        let tallied = self.tally(summary, sends.results);
        if sends.cut {
            let done = format!("{} sent, {} already sent", summary.sent, summary.already_sent);
            return Err(if summary.sent > 0 {
                ProcessError::out_of_time(format!(
                    "time budget spent mid-fan-out ({done}); carries on in a new message"
                ))
            } else {
                ProcessError::retryable(format!("time budget spent before a send ({done})"))
            });
        }
        if let Some(e) = listed.failure {
            return Err(ProcessError::retryable(format!(
                "contacts, after {} sends ({} already sent): {e}",
                summary.sent, summary.already_sent
            )));
        }
        tallied
    }
}

/// What a fan-out's sends came to.
pub(crate) struct Sends {
    results: Vec<SendResult>,
    /// Stopped by the time budget before every recipient was taken.
    cut: bool,
}

/// The listed subscribers, the first page's then each later page's as it is read, each once.
fn listed<'s>(
    first: Vec<Subscriber>,
    rest: &'s mut SubscriberPages<'_>,
    audience: &'s Mutex<Audience>,
    failure: &'s Mutex<Option<ContactError>>,
) -> impl Stream<Item = Subscriber> + Send + 's {
    let rest = rest.take_while(move |_| std::future::ready(lock(failure).is_none())).flat_map(move |page| {
        let admitted = match page {
            Ok(page) => lock(audience).admit(page),
            Err(e) => {
                *lock(failure) = Some(e);
                Vec::new()
            }
        };
        futures::stream::iter(admitted)
    });
    futures::stream::iter(first).chain(rest)
}

impl<'a> Recipients<'a> {
    /// Nobody to mail: the whole list was read and held nobody allowed.
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// Every recipient once, in list order: the first page's, then each later page's as it is read.
    /// A page that fails ends the stream; [`finish`](Self::finish) tells why.
    pub(crate) fn stream(&mut self) -> impl Stream<Item = Subscriber> + Send + '_ {
        listed(std::mem::take(&mut self.first), &mut self.rest, &self.audience, &self.failure)
    }

    /// [`stream`](Self::stream)'s subscribers (`true`: on the list), then those of `extra` the list
    /// did not hold (`false`), each once. `extra` is compared with the list once it has been read.
    pub(crate) fn stream_with(
        &mut self,
        extra: Vec<EmailAddress>,
    ) -> impl Stream<Item = (Subscriber, bool)> + Send + '_ {
        let audience = &self.audience;
        let extra = futures::stream::once(async move { lock(audience).unseen(extra) })
            .flat_map(|unseen| futures::stream::iter(unseen.into_iter().map(|a| (Subscriber::from(a), false))));
        listed(std::mem::take(&mut self.first), &mut self.rest, audience, &self.failure).map(|s| (s, true)).chain(extra)
    }

    /// The counts, and the read failure if the list ended early.
    pub(crate) fn finish(self) -> Listed {
        let audience = self.audience.into_inner().unwrap_or_else(|e| e.into_inner());
        let failure = self.failure.into_inner().unwrap_or_else(|e| e.into_inner());
        if audience.restricted > 0 {
            tracing::info!(
                allowed = audience.listed - audience.restricted,
                skipped = audience.restricted,
                "restricted_recipients applied"
            );
        }
        Listed { subscribers: audience.listed, restricted: audience.restricted, failure }
    }
}
