//! Per customer, what became of an object's notifications: sent (the processor's results) and
//! delivered / bounced / complained / rejected (SES's feedback, [`ccm_core::feedback`]), with the
//! addresses that bounced or complained. A customer-scoped user sees only their customers, and the
//! addresses masked (`j***@example.com`): they learn that a colleague's mailbox bounces without the
//! portal becoming a directory of addresses. Internal staff see them in full, to fix them.

use ccm_core::feedback::{FeedbackKind, FeedbackRecord, KeyCounts, count_key, summarize};
use ccm_core::ports::{DocumentStore, StoreError, list_all};
use ccm_core::{CustomerCode, EmailAddress, ObjectId, StorageKey};
use futures::StreamExt;

use super::Results;
use crate::caller::Caller;
use crate::error::LoadError;
use crate::objects::Objects;

/// One customer's deliveries of one object, as a caller may see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDeliveries {
    pub customer: CustomerCode,
    pub sent: usize,
    pub delivered: usize,
    pub bounced: usize,
    pub complained: usize,
    pub rejected: usize,
    /// Full for internal staff, masked for customer-scoped users.
    pub bounced_addresses: Vec<String>,
    pub complained_addresses: Vec<String>,
}

/// Bounce and complaint records read for their addresses, at most (the counts cover every event).
const MAX_ADDRESS_RECORDS: usize = 200;

const READS_IN_FLIGHT: usize = 16;

/// An object's delivery feedback as the deliveries view needs it: every event counted from the
/// keys of its records (one listing of `feedback/{id}/`, no reads: there is one record per message
/// and kind, thousands for a large fan-out), and the bounce and complaint records read for their
/// addresses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Feedback {
    pub counts: KeyCounts,
    pub records: Vec<FeedbackRecord>,
}

impl Feedback {
    pub async fn load(store: &dyn DocumentStore, id: &ObjectId) -> Result<Self, StoreError> {
        let mut feedback = Self::default();
        let mut to_read = Vec::new();
        for item in list_all(store, &StorageKey::feedback_prefix(id)).await? {
            let Some((kind, key)) =
                StorageKey::parse(&item.key).ok().and_then(|key| Some((count_key(&mut feedback.counts, &key)?, key)))
            else {
                tracing::warn!(key = %item.key, "skipping a key under feedback/ that is not a feedback record");
                continue;
            };
            if matches!(kind, FeedbackKind::Bounce | FeedbackKind::Complaint) && to_read.len() < MAX_ADDRESS_RECORDS {
                to_read.push(key);
            }
        }
        let reads = futures::stream::iter(to_read)
            .map(|key| async move { (store.get(&key).await, key) })
            .buffer_unordered(READS_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await;
        for (read, key) in reads {
            let Some(doc) = read? else { continue };
            match serde_json::from_slice::<FeedbackRecord>(&doc.body) {
                Ok(r) if &r.object == id => feedback.records.push(r),
                Ok(_) => tracing::warn!(key = %key, "skipping delivery feedback of another object"),
                Err(e) => tracing::warn!(key = %key, error = %e, "skipping delivery feedback that does not parse"),
            }
        }
        // Addresses in a stable order whatever order the reads finished in.
        feedback.records.sort_by(|a, b| (a.at, &a.message_id).cmp(&(b.at, &b.message_id)));
        Ok(feedback)
    }
}

/// The deliveries of `results` and `feedback` for `caller`: only customers in their scope,
/// addresses masked when they are scoped.
pub fn deliveries(results: &Results, feedback: &Feedback, caller: &Caller) -> Vec<CustomerDeliveries> {
    let scoped = caller.scope().is_some();
    let shown = |list: Vec<EmailAddress>| -> Vec<String> {
        list.into_iter().map(|a| if scoped { a.masked() } else { a.as_str().to_owned() }).collect()
    };
    summarize(&results.deliveries, &feedback.counts, &feedback.records)
        .into_iter()
        .filter(|s| caller.may_use_customer(&s.customer))
        .map(|s| CustomerDeliveries {
            customer: s.customer,
            sent: s.sent,
            delivered: s.delivered,
            bounced: s.bounced,
            complained: s.complained,
            rejected: s.rejected,
            bounced_addresses: shown(s.bounced_addresses),
            complained_addresses: shown(s.complained_addresses),
        })
        .collect()
}

impl Objects<'_> {
    /// The deliveries of object `id` as this caller may see them (not found when they may not see it).
    pub async fn deliveries(&self, id: &ObjectId) -> Result<Vec<CustomerDeliveries>, LoadError> {
        let loaded = self.load(id).await?;
        let store = &*self.app.store;
        let (results, feedback) =
            futures::try_join!(Results::load(store, loaded.object.id()), Feedback::load(store, loaded.object.id()))?;
        Ok(deliveries(&results, &feedback, self.caller))
    }
}

#[cfg(test)]
mod tests {
    use ccm_core::Role;
    use ccm_core::UserId;
    use ccm_core::model::DeliveryResult;

    use super::*;

    fn caller(customers: Option<&[&str]>) -> Caller {
        Caller {
            id: UserId::parse("bob@example.com").unwrap(),
            name: "Bob".into(),
            roles: vec![Role::Viewer],
            customers: customers.map(|c| c.iter().map(|c| CustomerCode::parse(c).unwrap()).collect()),
            groups: Vec::new(),
        }
    }

    fn results() -> (Results, Feedback) {
        let delivery = |c: &str| DeliveryResult {
            object: ObjectId::parse("CHG-1").unwrap(),
            version: 1,
            customer: CustomerCode::parse(c).unwrap(),
            event: "approved".into(),
            topic: "aws-announce".into(),
            at: "2026-01-01T00:00:00Z".parse().unwrap(),
            subscribers: 2,
            restricted: 0,
            sent: 2,
            already_sent: 0,
            rejected: 0,
        };
        let event = |c: &str, kind, to: &str| FeedbackRecord {
            object: ObjectId::parse("CHG-1").unwrap(),
            version: 1,
            customer: CustomerCode::parse(c).unwrap(),
            event: "approved".into(),
            kind,
            message_id: format!("{c}-{to}"),
            recipients: vec![EmailAddress::parse(to).unwrap()],
            detail: None,
            at: "2026-01-01T00:01:00Z".parse().unwrap(),
        };
        let records = vec![
            event("acme", FeedbackKind::Delivery, "jane@acme.example"),
            event("acme", FeedbackKind::Bounce, "gone@acme.example"),
            event("globex", FeedbackKind::Complaint, "angry@globex.example"),
        ];
        let counts = records.iter().map(|r| ((r.customer.clone(), r.kind), 1)).collect();
        let results = Results { deliveries: vec![delivery("acme"), delivery("globex")], meeting_records: Vec::new() };
        (results, Feedback { counts, records })
    }

    #[test]
    fn staff_see_every_customer_and_the_addresses_in_full() {
        let (results, feedback) = results();
        let shown = deliveries(&results, &feedback, &caller(None));
        assert_eq!(shown.len(), 2);
        assert_eq!((shown[0].sent, shown[0].delivered, shown[0].bounced), (2, 1, 1));
        assert_eq!(shown[0].bounced_addresses, vec!["gone@acme.example".to_owned()]);
        assert_eq!(shown[1].complained_addresses, vec!["angry@globex.example".to_owned()]);
    }

    #[test]
    fn a_customer_scoped_user_sees_only_their_customer_and_masked_addresses() {
        let (results, feedback) = results();
        let shown = deliveries(&results, &feedback, &caller(Some(&["acme"])));
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert_eq!(shown[0].customer.as_str(), "acme");
        assert_eq!(shown[0].bounced_addresses, vec!["g***@acme.example".to_owned()]);
    }
}
