//! Per customer: how many notifications of an object were sent, and what SES said about them.

use std::collections::{BTreeMap, BTreeSet};

use super::record::{FeedbackKind, FeedbackRecord};
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

/// The deliveries and events of one object, per customer (in customer order). A customer with
/// results but no events yet shows zero events; events count distinct messages per kind.
pub fn summarize(deliveries: &[DeliveryResult], feedback: &[FeedbackRecord]) -> Vec<CustomerFeedback> {
    let mut by_customer: BTreeMap<CustomerCode, CustomerFeedback> = BTreeMap::new();
    let entry = |map: &mut BTreeMap<CustomerCode, CustomerFeedback>, c: &CustomerCode| {
        map.entry(c.clone()).or_insert_with(|| CustomerFeedback::new(c.clone()));
    };
    for d in deliveries {
        entry(&mut by_customer, &d.customer);
        if let Some(s) = by_customer.get_mut(&d.customer) {
            s.sent = s.sent.saturating_add(d.sent).saturating_add(d.already_sent);
        }
    }
    let mut messages: BTreeMap<(CustomerCode, FeedbackKind), BTreeSet<&str>> = BTreeMap::new();
    let mut addresses: BTreeMap<(CustomerCode, FeedbackKind), BTreeSet<String>> = BTreeMap::new();
    for f in feedback {
        entry(&mut by_customer, &f.customer);
        messages.entry((f.customer.clone(), f.kind)).or_default().insert(f.message_id.as_str());
        let Some(s) = by_customer.get_mut(&f.customer) else { continue };
        let list = match f.kind {
            FeedbackKind::Bounce => &mut s.bounced_addresses,
            FeedbackKind::Complaint => &mut s.complained_addresses,
            FeedbackKind::Delivery | FeedbackKind::Reject => continue,
        };
        let seen = addresses.entry((f.customer.clone(), f.kind)).or_default();
        for r in &f.recipients {
            if seen.insert(r.normalized()) {
                list.push(r.clone());
            }
        }
    }
    for ((customer, kind), ids) in messages {
        let Some(s) = by_customer.get_mut(&customer) else { continue };
        let n = ids.len();
        match kind {
            FeedbackKind::Delivery => s.delivered = n,
            FeedbackKind::Bounce => s.bounced = n,
            FeedbackKind::Complaint => s.complained = n,
            FeedbackKind::Reject => s.rejected = n,
        }
    }
    by_customer.into_values().collect()
}

/// Events counted from the keys of an object's feedback records (one key per message and kind),
/// per customer and kind: a list, no reads.
pub type KeyCounts = BTreeMap<(CustomerCode, FeedbackKind), usize>;

/// [`summarize`] with the event counts taken from `counts` (every record's key) and the addresses
/// from `records` (those read: the bounces and complaints). A customer with events but no results
/// shows them too.
pub fn summarize_counted(
    deliveries: &[DeliveryResult],
    counts: &KeyCounts,
    records: &[FeedbackRecord],
) -> Vec<CustomerFeedback> {
    let mut by_customer: BTreeMap<CustomerCode, CustomerFeedback> =
        summarize(deliveries, records).into_iter().map(|s| (s.customer.clone(), s)).collect();
    for ((customer, kind), n) in counts {
        let s = by_customer.entry(customer.clone()).or_insert_with(|| CustomerFeedback::new(customer.clone()));
        match kind {
            FeedbackKind::Delivery => s.delivered = *n,
            FeedbackKind::Bounce => s.bounced = *n,
            FeedbackKind::Complaint => s.complained = *n,
            FeedbackKind::Reject => s.rejected = *n,
        }
    }
    by_customer.into_values().collect()
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
        let summary = summarize(
            &[delivery("acme", 3, 0), delivery("globex", 1, 1)],
            &[
                event("acme", FeedbackKind::Delivery, "m1", "a@x.com"),
                event("acme", FeedbackKind::Delivery, "m2", "b@x.com"),
                event("acme", FeedbackKind::Bounce, "m3", "Bounce@X.com"),
                event("acme", FeedbackKind::Bounce, "m4", "bounce@x.com"),
                event("acme", FeedbackKind::Complaint, "m2", "b@x.com"),
                event("globex", FeedbackKind::Reject, "m9", "c@y.com"),
            ],
        );
        assert_eq!(summary.len(), 2);
        let acme = &summary[0];
        assert_eq!((acme.sent, acme.delivered, acme.bounced, acme.complained, acme.rejected), (3, 2, 2, 1, 0));
        assert_eq!(acme.bounced_addresses.len(), 1, "one address, however often it bounced");
        assert_eq!(acme.complained_addresses[0].as_str(), "b@x.com");
        let globex = &summary[1];
        assert_eq!((globex.sent, globex.rejected, globex.delivered), (2, 1, 0));
    }
}
