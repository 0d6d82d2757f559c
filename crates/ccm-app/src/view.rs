//! What a user sees of an object: the stored object, plus what the processor recorded beside it
//! (`results/{id}/…`: deliveries per customer, the meeting's steps), cut to the user's customers. A
//! customer-scoped user never sees another customer's code, history or results.
//!
//! The meeting shown (`meeting_metadata`: join link, times, event id) is the current one of the
//! meeting records (`results/{id}/meeting/s{n}.json`): the latest step unless it cancelled the
//! meeting. The archive's own `meeting_metadata` (legacy) counts only while no step was recorded.
//! The index entry's `joinUrl` comes from the same place ([`index_entry`]). Delivery counts and
//! SES's feedback per customer are their own view ([`deliveries`]).

use ccm_core::model::{DeliveryResult, MeetingHistory, MeetingKey, MeetingRecord, legacy_meeting, load_history};
use ccm_core::ports::{DocumentStore, IndexEntry, IndexError, IndexPage, ObjectIndex, StoreError, list_all};
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
    /// The meeting's steps (`results/{id}/meeting/s{n}.json`), in order.
    pub meeting_records: Vec<MeetingRecord>,
}

impl Results {
    /// Reads every result of `id`: one listing, then the delivery documents and meeting records. A
    /// record that does not parse is skipped and logged (it cannot hide the object).
    pub async fn load(store: &dyn DocumentStore, id: &ObjectId) -> Result<Self, StoreError> {
        let listed = list_all(store, &StorageKey::results_prefix(id)).await?;
        let mut results = Self::default();
        let mut keys = Vec::new();
        for item in listed {
            match StorageKey::parse(&item.key) {
                Ok(key @ StorageKey::Result { .. }) => keys.push(key),
                Ok(StorageKey::MeetingResult(object, token)) => {
                    // Claims say who makes a step; only records say what was made.
                    if let Some(MeetingKey::Record(n)) = MeetingKey::parse(&token) {
                        keys.push(MeetingKey::Record(n).storage_key(&object));
                    }
                }
                _ => tracing::warn!(key = %item.key, "skipping a key under results/ that is not a result"),
            }
        }
        let reads = futures::stream::iter(keys)
            .map(|key| async move { (store.get(&key).await, key) })
            .buffer_unordered(RESULT_READS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        for (read, key) in reads {
            let Some(doc) = read? else { continue };
            match key {
                StorageKey::MeetingResult(..) => match serde_json::from_slice::<MeetingRecord>(&doc.body) {
                    Ok(r) if &r.object == id => results.meeting_records.push(r),
                    Ok(_) => tracing::warn!(key = %key, "skipping a meeting record of another object"),
                    Err(e) => tracing::warn!(key = %key, error = %e, "skipping a meeting record that does not parse"),
                },
                _ => match serde_json::from_slice::<DeliveryResult>(&doc.body) {
                    Ok(r) => results.deliveries.push(r),
                    Err(e) => tracing::warn!(key = %key, error = %e, "skipping a delivery result that does not parse"),
                },
            }
        }
        results.deliveries.sort_by(|a, b| (a.at, &a.customer).cmp(&(b.at, &b.customer)));
        results.meeting_records.sort_by_key(|r| r.step);
        Ok(results)
    }

    /// `object`'s meeting history: the records, else the archive's legacy meeting.
    pub fn meeting(&self, object: &Object) -> MeetingHistory {
        MeetingHistory::new(self.meeting_records.clone(), legacy_meeting(object))
    }
}

/// The object as `caller` may see it, with the processor's results merged into its history and its
/// current meeting shown as `meeting_metadata`.
pub fn object_view(object: &Object, results: &Results, caller: &Caller) -> ObjectView {
    let mut shown = object.clone();
    let meeting = results.meeting(object);
    let life = shown.life_mut();
    for d in &results.deliveries {
        life.modifications.push(d.to_modification());
    }
    for r in meeting.records() {
        life.modifications.push(r.to_modification());
    }
    life.meeting_metadata = meeting.current().map(MeetingRecord::to_metadata);
    life.modifications.sort_by_key(|m| m.timestamp);
    scoped(&mut shown, caller);
    ObjectView(shown)
}

/// The index entry of `object`, its `joinUrl` from the current meeting (as [`object_view`] shows it).
pub fn index_entry(object: &Object, meeting: &MeetingHistory) -> IndexEntry {
    let mut entry = IndexEntry::from_object(object);
    entry.join_url = meeting.current().and_then(|m| m.join_url.clone());
    entry
}

/// Reads `object`'s meeting records and makes its index entry.
pub async fn current_index_entry(store: &dyn DocumentStore, object: &Object) -> Result<IndexEntry, StoreError> {
    let meeting = load_history(store, object.id(), legacy_meeting(object)).await?;
    Ok(index_entry(object, &meeting))
}

/// Why an index entry could not be refreshed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("the archived object does not parse: {0}")]
    Corrupt(String),
}

/// Upserts the index entry of archived object `id` (after the processor recorded a meeting step,
/// which changes its `joinUrl`). An object no longer archived is left alone.
pub async fn refresh_index_entry(
    store: &dyn DocumentStore,
    index: &dyn ObjectIndex,
    id: &ObjectId,
) -> Result<(), RefreshError> {
    let Some(doc) = store.get(&StorageKey::Archive(id.clone())).await? else { return Ok(()) };
    let object = Object::from_json(&doc.body).map_err(|e| RefreshError::Corrupt(e.to_string()))?;
    index.upsert(current_index_entry(store, &object).await?).await?;
    Ok(())
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

pub mod deliveries;

#[cfg(test)]
mod tests;
