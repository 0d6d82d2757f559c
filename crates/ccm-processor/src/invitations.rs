//! ICS invitations, for a deployment without Microsoft Graph: each customer's trigger mails the
//! meeting's latest step (`METHOD:REQUEST` to invite or reschedule, `METHOD:CANCEL` to cancel, one
//! UID for the object, the step's `SEQUENCE`) to that customer's subscribers of the meeting topic,
//! one message per recipient through that customer's SES, each naming only its own recipient as
//! attendee, its text showing the time in the reader's zone first. The object's first customer also
//! mails the extra attendees the author typed. The delivery ledger makes each (step, customer, recipient) one send; the result is recorded as the
//! event `meeting-s{n}`.

use bytes::Bytes;
use ccm_core::model::{MeetingChange, MeetingHistory, MeetingProvider, MeetingRecord, Object, parse_attendees};
use ccm_core::ports::{DeliveryKey, Invitations, OutgoingEmail};
use ccm_core::render::{self, IcsInvite, IcsMethod, InvitationContext};
use ccm_core::zone_book::ZoneBook;
use ccm_core::{CustomerCode, EmailAddress};
use chrono_tz::Tz;
use futures::StreamExt;

use crate::attendees::allowed_extra;
use crate::copies::Copies;
use crate::error::ProcessError;
use crate::processor::{Processor, Summary};
use crate::recipients::filter_restricted;
use crate::zone_book::reader_zone;

/// The extra attendees an object names (`attendees`, comma-separated).
pub fn extra_attendees(object: &Object) -> Vec<EmailAddress> {
    let raw = match object {
        Object::Change(c) => c.attendees.as_deref(),
        Object::Announcement(a) => a.attendees.as_deref(),
    };
    parse_attendees(raw.unwrap_or_default()).0
}

/// The meeting's zone: the step's `timezone`, or the objects' default (America/New_York) for a
/// record whose zone is no IANA name (ccm writes only valid ones; a hand-edited record is logged).
fn step_zone(step: &MeetingRecord) -> Tz {
    step.timezone.parse().unwrap_or_else(|_| {
        tracing::warn!(object = %step.object, step = step.step, "meeting record zone is not an IANA name; using America/New_York");
        chrono_tz::America::New_York
    })
}

/// The `.ics` of `step` (in `zone`, [`step_zone`]) for `attendee`.
fn ics_for(
    step: &MeetingRecord,
    zone: Tz,
    description: &str,
    organizer: &EmailAddress,
    attendee: &EmailAddress,
) -> String {
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

    /// Mails `step`'s invitation to this customer's attendees (see the module doc): the topic's
    /// subscribers streamed page by page as for a notice (the first message alone, each reader's
    /// zone first in the text), then the extra attendees the list did not hold.
    pub async fn mail_invitations(
        &self,
        customer: &CustomerCode,
        object: &Object,
        step: &MeetingRecord,
    ) -> Result<Summary, ProcessError> {
        self.invite(customer, object, step, None).await
    }

    /// [`mail_invitations`](Self::mail_invitations) with the customer's zone book if the caller has
    /// read it already (the notice of the same trigger), else read here beside the first page.
    #[tracing::instrument(skip_all, fields(customer = %customer, object = %object.id(), step = step.step))]
    pub(crate) async fn invite(
        &self,
        customer: &CustomerCode,
        object: &Object,
        step: &MeetingRecord,
        book: Option<ZoneBook>,
    ) -> Result<Summary, ProcessError> {
        let customer_config = self
            .config
            .customer(customer)
            .ok_or_else(|| ProcessError::permanent(format!("unknown customer {customer}")))?;
        let topic = self.meeting_topic(object)?;
        let event = format!("meeting-s{}", step.step);
        let mut summary = Summary { event: event.clone(), topic: topic.to_string(), ..Summary::default() };
        let (recipients, book) = futures::join!(
            self.recipients_if_listed(customer, &topic, &customer_config.restricted_recipients),
            async {
                match book {
                    Some(book) => book,
                    None => self.zone_book(customer).await,
                }
            }
        );
        let mut recipients = recipients?;
        // The author's extra attendees belong to no customer: the first customer invites them.
        let mut extra = Vec::new();
        if object.customers().first() == Some(customer) {
            let (allowed, held) = allowed_extra(&self.config, object.customers(), &extra_attendees(object));
            let (allowed, held_here) = filter_restricted(allowed, &customer_config.restricted_recipients);
            summary.restricted = held.saturating_add(held_here);
            extra = allowed;
        }
        if recipients.is_empty() && extra.is_empty() {
            let listed = recipients.finish();
            (summary.subscribers, summary.restricted) = (listed.subscribers, summary.restricted + listed.restricted);
            return Ok(summary);
        }
        let list_name = if recipients.is_empty() { None } else { Some(self.list_name(customer).await?) };
        let zone = step_zone(step);
        let context = InvitationContext {
            object,
            change: step.change,
            subject: &step.subject,
            start: step.start,
            end: step.end,
            zone,
            reader_zone: None,
            location: step.location.as_deref(),
            join_url: step.join_url.as_deref(),
            portal_base_url: &self.config.email_config.portal_base_url,
        };
        // Subscribers read it in their zone (the contact's, else the book's, else the customer's);
        // the extra attendees, whose zone nobody knows, in the meeting's.
        let copies = Copies::new(
            |reader| render::invitation(&InvitationContext { reader_zone: Some(reader), ..context.clone() }),
            customer_config.zone().unwrap_or(zone),
        )?;
        let organizer = step.organizer.clone().unwrap_or_else(|| self.config.email_config.meeting_organizer.clone());
        let from = self.config.email_config.sender_address.clone();
        let from_name = self.config.email_config.sender_name.clone();
        let sends = recipients.stream_with(extra).map(|(recipient, listed)| {
            let text = copies.for_zone(if listed { reader_zone(&recipient, &book) } else { Some(zone) });
            let to = recipient.address;
            let ics = ics_for(step, zone, &text.text, &organizer, &to);
            let email = OutgoingEmail {
                from: from.clone(),
                from_name: from_name.clone(),
                to: to.clone(),
                subject: text.subject.clone(),
                html: text.html.clone(),
                text: text.text.clone(),
                list_management: if listed { list_name.clone().map(|l| (l, topic.clone())) } else { None },
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
        });
        let sends = self.send_all(sends).await;
        let listed = recipients.finish();
        self.settle(&mut summary, listed, sends)?;
        self.record(customer, object, &summary).await?;
        tracing::info!(sent = summary.sent, already_sent = summary.already_sent, "meeting invitations mailed");
        Ok(summary)
    }
}
