//! ICS invitations, for a deployment without Microsoft Graph: each customer's trigger mails the
//! meeting's latest step (`METHOD:REQUEST` to invite or reschedule, `METHOD:CANCEL` to cancel, one
//! UID for the object, the step's `SEQUENCE`) to that customer's subscribers of the meeting topic,
//! one message per recipient through that customer's SES, each naming only its own recipient as
//! attendee. The object's first customer also mails the extra attendees the author typed. The
//! delivery ledger makes each (step, customer, recipient) one send; the result is recorded as the
//! event `meeting-s{n}`.

use bytes::Bytes;
use ccm_core::model::{MeetingChange, MeetingHistory, MeetingProvider, MeetingRecord, Object, parse_attendees};
use ccm_core::ports::{ContactError, DeliveryKey, Invitations, OutgoingEmail};
use ccm_core::render::{self, IcsInvite, IcsMethod, InvitationContext};
use ccm_core::{CustomerCode, EmailAddress};
use futures::StreamExt;

use crate::attendees::{allowed_extra, push_unique};
use crate::error::ProcessError;
use crate::processor::{Processor, SendResult, Summary};
use crate::recipients::filter_restricted;

/// The extra attendees an object names (`attendees`, comma-separated).
pub fn extra_attendees(object: &Object) -> Vec<EmailAddress> {
    let raw = match object {
        Object::Change(c) => c.attendees.as_deref(),
        Object::Announcement(a) => a.attendees.as_deref(),
    };
    parse_attendees(raw.unwrap_or_default()).0
}

/// The `.ics` of `step` for `attendee`.
pub fn ics_for(step: &MeetingRecord, description: &str, organizer: &EmailAddress, attendee: &EmailAddress) -> String {
    let zone = step.timezone.parse().unwrap_or(chrono_tz::America::New_York);
    render::render_ics(&IcsInvite {
        method: if step.change == MeetingChange::Cancelled { IcsMethod::Cancel } else { IcsMethod::Request },
        uid: &step.ical_uid,
        sequence: step.sequence,
        stamp: step.at,
        start: step.start,
        end: step.end,
        zone,
        summary: &step.subject,
        description,
        location: step.location.as_deref(),
        url: step.join_url.as_deref(),
        organizer,
        organizer_name: None,
        attendees: std::slice::from_ref(attendee),
    })
}

impl Processor {
    /// The step whose invitations this customer's trigger mails now, if any: the latest ICS step,
    /// made for the object version the trigger is about.
    pub fn step_to_mail<'h>(&self, object: &Object, history: &'h MeetingHistory) -> Option<&'h MeetingRecord> {
        let calendar = self.calendar.as_ref()?;
        if calendar.invitations() != Invitations::MailedAsIcs {
            return None;
        }
        history
            .last()
            .filter(|s| s.provider == MeetingProvider::Ics && s.step > 0 && s.version == object.life().version)
    }

    /// Mails `step`'s invitation to this customer's attendees (see the module doc).
    #[tracing::instrument(skip_all, fields(customer = %customer, object = %object.id(), step = step.step))]
    pub async fn mail_invitations(
        &self,
        customer: &CustomerCode,
        object: &Object,
        step: &MeetingRecord,
    ) -> Result<Summary, ProcessError> {
        let customer_config = self
            .config
            .customer(customer)
            .ok_or_else(|| ProcessError::permanent(format!("unknown customer {customer}")))?;
        let topic = self.meeting_topic(object)?;
        let event = format!("meeting-s{}", step.step);
        let mut summary = Summary { event: event.clone(), topic: topic.to_string(), ..Summary::default() };
        let subscribers = match self.contacts.subscribers(customer, &topic).await {
            Ok(s) => s,
            Err(ContactError::NoList) => Vec::new(),
            Err(ContactError::Unavailable(e)) => return Err(ProcessError::retryable(format!("contacts: {e}"))),
            Err(e) => return Err(ProcessError::permanent(format!("contacts: {e}"))),
        };
        summary.subscribers = subscribers.len();
        let (subscribers, restricted) = filter_restricted(subscribers, &customer_config.restricted_recipients);
        summary.restricted = restricted;
        // The author's extra attendees belong to no customer: the first customer invites them.
        let mut extra = Vec::new();
        if object.customers().first() == Some(customer) {
            let (allowed, held) = allowed_extra(&self.config, object.customers(), &extra_attendees(object));
            let (allowed, held_here) = filter_restricted(allowed, &customer_config.restricted_recipients);
            summary.restricted = summary.restricted.saturating_add(held).saturating_add(held_here);
            let mut known = subscribers.clone();
            push_unique(&mut known, allowed);
            extra = known.split_off(subscribers.len());
        }
        if subscribers.is_empty() && extra.is_empty() {
            return Ok(summary);
        }
        let list_name = if subscribers.is_empty() {
            None
        } else {
            match self.contacts.list_name(customer).await {
                Ok(n) => Some(n),
                Err(ContactError::Unavailable(e)) => return Err(ProcessError::retryable(format!("contact list: {e}"))),
                Err(e) => return Err(ProcessError::permanent(format!("contact list: {e}"))),
            }
        };
        let zone = step.timezone.parse().unwrap_or(chrono_tz::America::New_York);
        let text = render::invitation(&InvitationContext {
            object,
            change: step.change,
            subject: &step.subject,
            start: step.start,
            end: step.end,
            zone,
            location: step.location.as_deref(),
            join_url: step.join_url.as_deref(),
            portal_base_url: &self.config.email_config.portal_base_url,
        })
        .map_err(|e| ProcessError::permanent(e.to_string()))?;
        let organizer = step.organizer.clone().unwrap_or_else(|| self.config.email_config.meeting_organizer.clone());
        let from = self.config.email_config.sender_address.clone();
        let from_name = self.config.email_config.sender_name.clone();
        let recipients = subscribers.into_iter().map(|a| (a, true)).chain(extra.into_iter().map(|a| (a, false)));
        let results: Vec<SendResult> = futures::stream::iter(recipients)
            .map(|(to, subscriber)| {
                let ics = ics_for(step, &text.text, &organizer, &to);
                let email = OutgoingEmail {
                    from: from.clone(),
                    from_name: from_name.clone(),
                    to: to.clone(),
                    subject: text.subject.clone(),
                    html: text.html.clone(),
                    text: text.text.clone(),
                    list_management: if subscriber { list_name.clone().map(|l| (l, topic.clone())) } else { None },
                    ics: Some(Bytes::from(ics)),
                    feedback: None,
                };
                let key = DeliveryKey {
                    object: object.id().clone(),
                    version: step.version,
                    event: event.clone(),
                    customer: customer.clone(),
                    recipient_hash: DeliveryKey::recipient_hash(&to),
                };
                async move { self.send_once(customer, key, email).await }
            })
            .buffer_unordered(self.settings.send_concurrency.max(1))
            .collect()
            .await;
        self.tally(&mut summary, results)?;
        self.record(customer, object, &summary).await?;
        tracing::info!(sent = summary.sent, already_sent = summary.already_sent, "meeting invitations mailed");
        Ok(summary)
    }
}
