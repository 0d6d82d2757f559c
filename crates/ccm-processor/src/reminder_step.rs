//! Processing one reminder trigger (`customers/{code}/reminders/{id}/v{n}/{kind}.json`, written by
//! the sweep, [`crate::sweep`]): the same path as a status notice, with the decision taken again on
//! the freshly read archived object right before sending ([`ccm_core::reminders::decide`]): a
//! window that moved, a new version, a cancellation or a switched-off customer gets nothing. The
//! sends go through the delivery ledger under the reminder's kind (`reminder`,
//! `approval_reminder`) and the result create-only to `results/{id}/v{n}/{code}/{kind}.json`,
//! exactly like a status notice ([`Processor::notify`], [`Processor::record`]).

use ccm_core::reminders::{self, DueReminder};
use ccm_core::{Object, StorageKey};

use crate::error::ProcessError;
use crate::processor::{Outcome, Processor, store_err};

impl Processor {
    /// Sends `due` if it is still due, once per recipient; finishes its trigger either way.
    #[tracing::instrument(skip_all, fields(customer = %due.customer, object = %due.object, version = due.version, kind = due.kind.as_str()))]
    pub async fn remind(&self, due: &DueReminder) -> Result<Outcome, ProcessError> {
        let customer = &due.customer;
        let customer_config = self
            .config
            .customer(customer)
            .ok_or_else(|| ProcessError::permanent(format!("unknown customer {customer}")))?;
        let trigger = due.trigger_key();
        // The trigger, an earlier result of the same reminder and the archived object are read
        // together while the customer's directory gets ready, as for a status trigger.
        let (result, archive) = (due.result_key(), StorageKey::Archive(due.object.clone()));
        let (meta, result, doc, ()) = futures::join!(
            self.store.head(&trigger),
            self.store.head(&result),
            self.store.get(&archive),
            self.contacts.prepare(customer)
        );
        let Some(meta) = meta.map_err(store_err)? else {
            tracing::info!("reminder trigger already processed");
            return Ok(Outcome::AlreadyProcessed);
        };
        // Sent by an earlier trigger of the same reminder (a sweep that raced the processor): the
        // ledger would skip every recipient; this skips listing them.
        if result.map_err(store_err)?.is_some() {
            self.finish(&trigger, &meta.etag).await?;
            return Ok(Outcome::AlreadyProcessed);
        }
        let Some(doc) = doc.map_err(store_err)? else {
            self.finish(&trigger, &meta.etag).await?;
            return Ok(Outcome::NothingToSend("the object is no longer archived".into()));
        };
        let object = Object::from_json(&doc.body)
            .map_err(|e| ProcessError::permanent(format!("archived object does not parse: {e}")))?;
        let route = match reminders::decide(&object, due, self.clock.now(), &self.config) {
            Ok(route) => route,
            Err(skip) => {
                self.finish(&trigger, &meta.etag).await?;
                return Ok(Outcome::NothingToSend(format!("reminder not sent: {skip}")));
            }
        };
        let summary = self.notify(customer, customer_config, &object, &route, None).await?;
        self.record(customer, &object, &summary).await?;
        self.finish(&trigger, &meta.etag).await?;
        tracing::info!(
            event = %summary.event, topic = %summary.topic, sent = summary.sent, already_sent = summary.already_sent,
            restricted = summary.restricted, rejected = summary.rejected, "reminder processed"
        );
        Ok(Outcome::Sent(summary))
    }
}
