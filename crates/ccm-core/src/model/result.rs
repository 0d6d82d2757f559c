//! What the processor did for one customer: a delivery result, stored create-only under
//! `results/{id}/v{n}/{customer}/{event}.json` beside the object (never inside it), and shown as a
//! `processed` entry of the object's history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::modification::{Modification, ModificationType};
use crate::ids::{CustomerCode, ObjectId};
use crate::storage_key::{StorageKey, Token};

/// The user id history entries written by the processor carry.
pub const PROCESSOR_USER: &str = "ccm-processor";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryResult {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub object: ObjectId,
    pub version: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub customer: CustomerCode,
    /// `approval_request`, `approved`, `completed`, `cancelled`.
    pub event: String,
    pub topic: String,
    pub at: DateTime<Utc>,
    pub subscribers: usize,
    /// Held back by the customer's `restricted_recipients`.
    pub restricted: usize,
    pub sent: usize,
    /// Sent by an earlier delivery of the same trigger (the ledger skipped them).
    pub already_sent: usize,
    pub rejected: usize,
}

impl DeliveryResult {
    /// Where this result is stored; `None` if the event is not a key token (it always is for routed events).
    pub fn key(&self) -> Option<StorageKey> {
        Some(StorageKey::Result {
            object: self.object.clone(),
            version: self.version,
            customer: self.customer.clone(),
            event: Token::parse(&self.event).ok()?,
        })
    }

    /// The history entry the object's view shows for this result.
    pub fn to_modification(&self) -> Modification {
        let mut entry = Modification::new(ModificationType::Processed, PROCESSOR_USER, self.at);
        entry.customer_code = Some(self.customer.to_string());
        entry.comment = Some(format!(
            "{}: {} sent to {} ({} already sent, {} held back by restricted_recipients, {} rejected)",
            self.event, self.sent, self.topic, self.already_sent, self.restricted, self.rejected
        ));
        entry.extra.insert("version".into(), self.version.into());
        entry.extra.insert("event".into(), self.event.clone().into());
        entry
    }
}
