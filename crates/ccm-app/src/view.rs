//! What a user sees of an object: the stored object, plus what the processor recorded beside it
//! (`results/{id}/…`: deliveries per customer, the meeting's cancellation), cut to the user's
//! customers. A customer-scoped user never sees another customer's code, history or results.

use ccm_core::model::{DeliveryResult, Modification, ModificationType, PROCESSOR_USER, meeting_cancelled_key};
use ccm_core::ports::{DocumentStore, IndexPage, StoreError, list_all};
use ccm_core::{CustomerCode, Object, ObjectId, StorageKey};
use futures::StreamExt;
use serde::{Serialize, Serializer};

use crate::caller::Caller;

/// An object as one caller sees it (results merged, other customers cut out). It serializes as the
/// stored object does: the fields the original system used, unknown ones kept.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectView(pub Object);

impl Serialize for ObjectView {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Object::Change(c) => c.serialize(s),
            Object::Announcement(a) => a.serialize(s),
        }
    }
}

/// Result documents read at once for one view.
const RESULT_READS_IN_FLIGHT: usize = 16;

/// The processor's records of one object.
#[derive(Debug, Default, Clone)]
pub struct Results {
    pub deliveries: Vec<DeliveryResult>,
    /// Keys of `results/{id}/meeting/…` records.
    pub meeting_records: Vec<StorageKey>,
    /// When each meeting record was written, for its history entry.
    meeting_times: Vec<(StorageKey, chrono::DateTime<chrono::Utc>)>,
}

impl Results {
    /// Reads every result of `id`: one listing, then the delivery documents. A record that does not
    /// parse is skipped and logged (it cannot hide the object).
    pub async fn load(store: &dyn DocumentStore, id: &ObjectId) -> Result<Self, StoreError> {
        let listed = list_all(store, &StorageKey::results_prefix(id)).await?;
        let mut results = Self::default();
        let mut delivery_keys = Vec::new();
        for item in listed {
            match StorageKey::parse(&item.key) {
                Ok(key @ StorageKey::Result { .. }) => delivery_keys.push(key),
                Ok(key @ StorageKey::MeetingResult(..)) => {
                    results.meeting_times.push((key.clone(), item.last_modified));
                    results.meeting_records.push(key);
                }
                _ => tracing::warn!(key = %item.key, "skipping a key under results/ that is not a result"),
            }
        }
        let reads = futures::stream::iter(delivery_keys)
            .map(|key| async move { (store.get(&key).await, key) })
            .buffer_unordered(RESULT_READS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        for (read, key) in reads {
            let Some(doc) = read? else { continue };
            match serde_json::from_slice::<DeliveryResult>(&doc.body) {
                Ok(r) => results.deliveries.push(r),
                Err(e) => tracing::warn!(key = %key, error = %e, "skipping a delivery result that does not parse"),
            }
        }
        results.deliveries.sort_by(|a, b| (a.at, &a.customer).cmp(&(b.at, &b.customer)));
        Ok(results)
    }

    /// When the object's meeting was cancelled, if it was.
    fn meeting_cancelled_at(&self, object: &Object) -> Option<chrono::DateTime<chrono::Utc>> {
        let meeting = object.life().meeting_metadata.as_ref()?;
        let key = meeting_cancelled_key(object.id(), &meeting.meeting_id);
        self.meeting_times.iter().find(|(k, _)| *k == key).map(|(_, at)| *at)
    }
}

/// The object as `caller` may see it, with the processor's results merged into its history.
pub fn object_view(object: &Object, results: &Results, caller: &Caller) -> ObjectView {
    let mut shown = object.clone();
    let cancelled_at = results.meeting_cancelled_at(&shown);
    let life = shown.life_mut();
    for d in &results.deliveries {
        life.modifications.push(d.to_modification());
    }
    if let Some(at) = cancelled_at {
        let mut entry = Modification::new(ModificationType::MeetingCancelled, PROCESSOR_USER, at);
        entry.comment = Some("meeting cancelled".into());
        life.modifications.push(entry);
        life.meeting_metadata = None;
    }
    life.modifications.sort_by_key(|m| m.timestamp);
    scoped(&mut shown, caller);
    ObjectView(shown)
}

/// The stored object cut to the caller's customers (for replies that have no results to merge,
/// such as a version snapshot).
pub fn scoped_view(object: &Object, caller: &Caller) -> ObjectView {
    let mut shown = object.clone();
    scoped(&mut shown, caller);
    ObjectView(shown)
}

/// A page of list entries, each cut to the caller's customers.
pub fn scoped_page(mut page: IndexPage, caller: &Caller) -> IndexPage {
    if let Some(scope) = caller.scope() {
        for entry in &mut page.items {
            entry.customers.retain(|c| scope.contains(c));
        }
    }
    page
}

fn scoped(object: &mut Object, caller: &Caller) {
    let Some(scope) = caller.scope() else { return };
    let visible = |code: &str| CustomerCode::parse(code).is_ok_and(|c| scope.contains(&c));
    match object {
        Object::Change(c) => c.customers.retain(|c| scope.contains(c)),
        Object::Announcement(a) => a.customers.retain(|c| scope.contains(c)),
    }
    let life = object.life_mut();
    life.modifications.retain(|m| m.customer_code.as_deref().is_none_or(visible));
    scope_approvals(&mut life.approvals, &mut life.blackout_overrides, scope);
    // Group names can name other customers (a change board); a scoped user does not need them.
    life.author_groups.clear();
}

/// Approvals and blackout overrides as a customer-scoped user may see them: approvals by people
/// who could act for one of their customers (with the scope cut to theirs and no group names), and
/// overrides through blackouts of their customers or global ones (naming only those).
pub(crate) fn scope_approvals(
    approvals: &mut Vec<ccm_core::model::Approval>,
    overrides: &mut Vec<ccm_core::model::BlackoutOverride>,
    scope: &[CustomerCode],
) {
    approvals.retain_mut(|a| {
        a.groups.clear();
        match &mut a.customers {
            None => true,
            Some(list) => {
                list.retain(|c| scope.contains(c));
                !list.is_empty()
            }
        }
    });
    overrides.retain_mut(|o| {
        o.blackouts.retain(|b| b.customers.is_empty() || b.customers.iter().any(|c| scope.contains(c)));
        for b in &mut o.blackouts {
            b.customers.retain(|c| scope.contains(c));
        }
        !o.blackouts.is_empty()
    });
}
