//! What a customer's audience was last told of an object's times: the object as it stood at the
//! highest earlier version that got an `approved` or `rescheduled` delivery result for this customer
//! (`results/{id}/v{n}/{customer}/…`), read from that version's pre-image (`versions/{id}/v{n}.json`).
//!
//! Both live in the shared store and are written once, and only versions before the one being
//! processed count: every processor instance and every redelivery of a trigger decides the same,
//! with no state of its own ([`ccm_core::reschedule`]).

use ccm_core::ports::list_all;
use ccm_core::routing::Event;
use ccm_core::{CustomerCode, Object, StorageKey};

use crate::error::ProcessError;
use crate::processor::{Processor, store_err};

impl Processor {
    /// The object as last announced to `customer`, when `event`'s notice may depend on it (an
    /// approval, an approval request); `None` when it never was announced to this customer.
    pub(crate) async fn last_announced(
        &self,
        customer: &CustomerCode,
        object: &Object,
        event: Event,
    ) -> Result<Option<Object>, ProcessError> {
        let version = object.life().version;
        if !matches!(event, Event::Approved | Event::ApprovalRequest) || version <= 1 {
            return Ok(None);
        }
        let id = object.id();
        let listed = list_all(&*self.store, &StorageKey::results_prefix(id)).await.map_err(store_err)?;
        let last = listed
            .iter()
            .filter_map(|item| match StorageKey::parse(&item.key) {
                Ok(StorageKey::Result { version: v, customer: c, event: e, .. })
                    if &c == customer && v < version && announced_times(e.as_str()) =>
                {
                    Some(v)
                }
                _ => None,
            })
            .max();
        let Some(n) = last else { return Ok(None) };
        let Some(doc) = self.store.get(&StorageKey::Version(id.clone(), n)).await.map_err(store_err)? else {
            tracing::warn!(version = n, "the announced version's pre-image is missing; treated as never announced");
            return Ok(None);
        };
        match Object::from_json(&doc.body) {
            Ok(before) => Ok(Some(before)),
            Err(e) => {
                tracing::warn!(version = n, error = %e, "the announced version's pre-image does not parse; treated as never announced");
                Ok(None)
            }
        }
    }
}

/// Whether a delivery result of this event told its audience the object's times.
fn announced_times(event: &str) -> bool {
    [Event::Approved, Event::Rescheduled]
        .into_iter()
        .any(|e| ccm_core::reschedule::announces_times(e) && e.as_str() == event)
}
