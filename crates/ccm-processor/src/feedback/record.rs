//! Recording one SES event against the send it belongs to. The tags name the delivery (object,
//! version, event, customer), the message's recipient completes the ledger key, and the ledger's
//! message id must be the event's: an event for a send the ledger does not know (forged tags,
//! another system's mail, a send superseded by a retry) is skipped and logged. A send reserved but
//! not yet confirmed is retried (SES can report a delivery before the confirm lands). The record is
//! written create-only, one per (message, kind): a redelivered event writes nothing.

use bytes::Bytes;
use ccm_core::feedback::{FeedbackKind, FeedbackRecord};
use ccm_core::model::PROCESSOR_USER;
use ccm_core::ports::{PutOptions, Recorded, StoreError};

use super::event::SesEvent;
use crate::error::ProcessError;
use crate::processor::{Processor, store_err};

/// What recording one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackOutcome {
    Recorded(FeedbackKind),
    /// Recorded by an earlier delivery of the same event.
    AlreadyRecorded(FeedbackKind),
    /// Not one of ccm's sends (no or foreign tags, an unknown customer or account).
    NotOurs(String),
    /// The ledger has no send with this message id.
    UnknownMessage(String),
}

impl FeedbackOutcome {
    pub fn log(&self, event: &SesEvent) {
        let kind = event.kind.as_str();
        match self {
            Self::Recorded(_) => tracing::info!(kind, message_id = %event.message_id, "delivery feedback recorded"),
            Self::AlreadyRecorded(_) => {
                tracing::info!(kind, message_id = %event.message_id, "delivery feedback already recorded")
            }
            Self::NotOurs(why) => {
                tracing::info!(kind, message_id = %event.message_id, reason = %why, "delivery feedback for mail ccm did not send; skipped")
            }
            Self::UnknownMessage(why) => {
                tracing::warn!(kind, message_id = %event.message_id, reason = %why, "delivery feedback for an unknown message id; skipped")
            }
        }
    }
}

impl Processor {
    /// Records `event` once against its send (see the module documentation).
    #[tracing::instrument(skip_all, fields(kind = event.kind.as_str()))]
    pub async fn record_feedback(&self, event: &SesEvent) -> Result<FeedbackOutcome, ProcessError> {
        let tags = match &event.tags {
            Ok(tags) => tags,
            Err(e) => return Ok(FeedbackOutcome::NotOurs(e.to_string())),
        };
        let Some(customer) = self.config.customer(&tags.customer) else {
            return Ok(FeedbackOutcome::NotOurs(format!("unknown customer {}", tags.customer)));
        };
        // The topic takes events from every customer account: one account cannot speak for another.
        if let Some(account) = &event.account
            && account != customer.account_id()
        {
            return Ok(FeedbackOutcome::NotOurs(format!(
                "sent from account {account}, not customer {}'s",
                tags.customer
            )));
        }
        let [to] = event.destination.as_slice() else {
            return Ok(FeedbackOutcome::UnknownMessage(format!(
                "ccm sends to one recipient per message; this one had {}",
                event.destination.len()
            )));
        };
        let key = tags.delivery_key(to);
        match self.ledger.lookup(&key).await {
            Ok(Recorded::Sent(receipt)) if receipt.message_id == event.message_id => {}
            Ok(Recorded::Sent(_)) => {
                return Ok(FeedbackOutcome::UnknownMessage("the ledger holds another message id for this send".into()));
            }
            Ok(Recorded::Missing) => {
                return Ok(FeedbackOutcome::UnknownMessage("the ledger has no such send".into()));
            }
            Ok(Recorded::InFlight) => {
                return Err(ProcessError::retryable("the send is not confirmed in the ledger yet"));
            }
            Err(e) => return Err(ProcessError::retryable(format!("ledger: {e}"))),
        }
        let record = FeedbackRecord {
            object: tags.object.clone(),
            version: tags.version,
            customer: tags.customer.clone(),
            event: tags.event.to_string(),
            kind: event.kind,
            message_id: event.message_id.clone(),
            recipients: if event.recipients.is_empty() { vec![to.clone()] } else { event.recipients.clone() },
            detail: event.detail.clone(),
            at: event.at.unwrap_or_else(|| self.clock.now()),
        };
        let key = FeedbackRecord::key_for(tags, event.kind, &event.message_id);
        let body = serde_json::to_vec_pretty(&record).map_err(|e| ProcessError::permanent(e.to_string()))?;
        let options = PutOptions::create_only().with_metadata("written-by", PROCESSOR_USER);
        match self.store.put(&key, Bytes::from(body), options).await {
            Ok(_) => Ok(FeedbackOutcome::Recorded(event.kind)),
            Err(StoreError::PreconditionFailed { .. }) => Ok(FeedbackOutcome::AlreadyRecorded(event.kind)),
            Err(e) => Err(store_err(e)),
        }
    }
}
