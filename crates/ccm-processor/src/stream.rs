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

use std::sync::{Mutex, MutexGuard};

use ccm_core::ports::{ContactError, Subscriber, SubscriberPages};
use ccm_core::{CustomerCode, TopicName};
use futures::{Stream, StreamExt};

use crate::error::ProcessError;
use crate::processor::Processor;
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
        let mut rest = self.contacts.subscriber_pages(customer, topic);
        let mut audience = Audience::new(restricted);
        let mut first = Vec::new();
        while first.is_empty() {
            match rest.next().await {
                Some(Ok(page)) => first = audience.admit(page),
                Some(Err(ContactError::Unavailable(e))) => {
                    return Err(ProcessError::retryable(format!("contacts: {e}")));
                }
                Some(Err(e)) => return Err(ProcessError::permanent(format!("contacts: {e}"))),
                None => break,
            }
        }
        Ok(Recipients { first, rest, audience: Mutex::new(audience), failure: Mutex::new(None) })
    }
}

impl<'a> Recipients<'a> {
    /// Nobody to mail: the whole list was read and held nobody allowed.
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// Every recipient once, in list order: the first page's, then each later page's as it is read.
    /// A page that fails ends the stream; [`finish`](Self::finish) tells why.
    pub(crate) fn stream(&mut self) -> impl Stream<Item = Subscriber> + Send + '_ {
        let (audience, failure) = (&self.audience, &self.failure);
        let rest =
            (&mut self.rest).take_while(move |_| std::future::ready(lock(failure).is_none())).flat_map(move |page| {
                let admitted = match page {
                    Ok(page) => lock(audience).admit(page),
                    Err(e) => {
                        *lock(failure) = Some(e);
                        Vec::new()
                    }
                };
                futures::stream::iter(admitted)
            });
        futures::stream::iter(std::mem::take(&mut self.first)).chain(rest)
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
