//! Per customer: how many notifications of an object were sent, and what SES said about them.

use std::collections::{BTreeMap, BTreeSet};

use super::record::{FeedbackKind, FeedbackRecord};
use crate::StorageKey;
use crate::ids::{CustomerCode, EmailAddress};
use crate::model::DeliveryResult;

/// One customer's deliveries of one object (every version and event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFeedback {
    pub customer: CustomerCode,
    /// Notifications sent (the processor's results: sent now or by an earlier delivery).
    pub sent: usize,
    pub delivered: usize,
    pub bounced: usize,
    pub complained: usize,
    pub rejected: usize,
    /// Addresses that bounced, each once, in order.
    pub bounced_addresses: Vec<EmailAddress>,
    pub complained_addresses: Vec<EmailAddress>,
}

impl CustomerFeedback {
    pub fn new(customer: CustomerCode) -> Self {
        Self {
            customer,
            sent: 0,
            delivered: 0,
            bounced: 0,
            complained: 0,
            rejected: 0,
            bounced_addresses: Vec::new(),
            complained_addresses: Vec::new(),
        }
    }
}

/// Events counted from the keys of an object's feedback records (one key per message and kind, so
/// a redelivered event is not counted twice), per customer and kind: a listing, no reads.
pub type KeyCounts = BTreeMap<(CustomerCode, FeedbackKind), usize>;

/// Counts `key` into `counts` when it is a feedback record's key; its kind, if so.
pub fn count_key(counts: &mut KeyCounts, key: &StorageKey) -> Option<FeedbackKind> {
    let StorageKey::Feedback { customer, name, .. } = key else { return None };
    let kind = FeedbackRecord::kind_of_name(name.as_str())?;
    let n = counts.entry((customer.clone(), kind)).or_default();
    *n = n.saturating_add(1);
    Some(kind)
}

/// The deliveries and events of one object, per customer (in customer order): sends from the
/// processor's results, event counts from `counts` (every record's key), the bounced and complaining
/// addresses from `records` (those read). A customer with results but no events shows zero events,
/// one with events but no results shows them too.
pub fn summarize(
    deliveries: &[DeliveryResult],
    counts: &KeyCounts,
    records: &[FeedbackRecord],
) -> Vec<CustomerFeedback> {
    let mut by_customer: BTreeMap<CustomerCode, CustomerFeedback> = BTreeMap::new();
    for d in deliveries {
        let s = of(&mut by_customer, &d.customer);
        s.sent = s.sent.saturating_add(d.sent).saturating_add(d.already_sent);
    }
    for ((customer, kind), n) in counts {
        let s = of(&mut by_customer, customer);
        match kind {
            FeedbackKind::Delivery => s.delivered = *n,
            FeedbackKind::Bounce => s.bounced = *n,
            FeedbackKind::Complaint => s.complained = *n,
            FeedbackKind::Reject => s.rejected = *n,
        }
    }
    let mut seen: BTreeSet<(CustomerCode, FeedbackKind, String)> = BTreeSet::new();
    for f in records {
        let s = of(&mut by_customer, &f.customer);
        let list = match f.kind {
            FeedbackKind::Bounce => &mut s.bounced_addresses,
            FeedbackKind::Complaint => &mut s.complained_addresses,
            FeedbackKind::Delivery | FeedbackKind::Reject => continue,
        };
        for r in &f.recipients {
            if seen.insert((f.customer.clone(), f.kind, r.normalized())) {
                list.push(r.clone());
            }
        }
    }
    by_customer.into_values().collect()
}

fn of<'a>(map: &'a mut BTreeMap<CustomerCode, CustomerFeedback>, c: &CustomerCode) -> &'a mut CustomerFeedback {
    map.entry(c.clone()).or_insert_with(|| CustomerFeedback::new(c.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ObjectId;

    fn delivery(customer: &str, sent: usize, already: usize) -> DeliveryResult {
        DeliveryResult {
            object: ObjectId::parse("CHG-1").unwrap(),
            version: 2,
            customer: CustomerCode::parse(customer).unwrap(),
            event: "approved".into(),
            topic: "aws-announce".into(),
            at: "2026-01-01T00:00:00Z".parse().unwrap(),
            subscribers: sent + already,
            restricted: 0,
            sent,
            already_sent: already,
            rejected: 0,
        }
    }

    fn event(customer: &str, kind: FeedbackKind, message: &str, to: &str) -> FeedbackRecord {
        FeedbackRecord {
            object: ObjectId::parse("CHG-1").unwrap(),
            version: 2,
            customer: CustomerCode::parse(customer).unwrap(),
            event: "approved".into(),
            kind,
            message_id: message.into(),
            recipients: vec![EmailAddress::parse(to).unwrap()],
            detail: None,
            at: "2026-01-01T00:01:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn each_customer_counts_its_sends_and_distinct_messages_per_kind() {
        let records = [
            event("acme", FeedbackKind::Delivery, "m1", "a@x.com"),
            event("acme", FeedbackKind::Delivery, "m2", "b@x.com"),
            event("acme", FeedbackKind::Bounce, "m3", "Bounce@X.com"),
            event("acme", FeedbackKind::Bounce, "m4", "bounce@x.com"),
            event("acme", FeedbackKind::Complaint, "m2", "b@x.com"),
            event("globex", FeedbackKind::Reject, "m9", "c@y.com"),
            // The same event again (a redelivery): the same key, not counted twice.
            event("acme", FeedbackKind::Delivery, "m1", "a@x.com"),
        ];
        let mut keys: Vec<StorageKey> = records.iter().map(|r| r.key().unwrap()).collect();
        keys.sort_by_key(|k| k.to_string());
        keys.dedup();
        let mut counts = KeyCounts::new();
        for key in &keys {
            count_key(&mut counts, key);
        }
        let summary = summarize(&[delivery("acme", 3, 0), delivery("globex", 1, 1)], &counts, &records);
        assert_eq!(summary.len(), 2);
        let acme = &summary[0];
        assert_eq!((acme.sent, acme.delivered, acme.bounced, acme.complained, acme.rejected), (3, 2, 2, 1, 0));
        assert_eq!(acme.bounced_addresses.len(), 1, "one address, however often it bounced");
        assert_eq!(acme.complained_addresses[0].as_str(), "b@x.com");
        let globex = &summary[1];
        assert_eq!((globex.sent, globex.rejected, globex.delivered), (2, 1, 0));
    }
}
