//! Who is invited to an object's meeting: the opted-in subscribers of the meeting's topic in every
//! affected customer (read concurrently, a bounded number at once, every page), each customer's list
//! cut by its own `restricted_recipients`, plus the extra attendees the author typed, de-duplicated
//! ignoring case. A customer whose subscribers cannot be read is reported and left out; it never
//! holds up the others.
//!
//! The extra attendees belong to no customer: when any affected customer is restricted (a
//! non-production deployment), they must be on one of those customers' `restricted_recipients`.

use ccm_core::config::AppConfig;
use ccm_core::model::CustomerAttendees;
use ccm_core::ports::ContactDirectory;
use ccm_core::{CustomerCode, EmailAddress, TopicName};
use futures::StreamExt;

use crate::recipients::filter_restricted;

/// Customers whose subscribers are read at once.
pub const GATHER_CONCURRENCY: usize = 8;

/// The attendee list of one meeting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attendees {
    /// Everyone invited, de-duplicated (the first spelling kept), customers in the object's order,
    /// then the extra attendees.
    pub all: Vec<EmailAddress>,
    /// Per customer: subscribers, how many were held back, or why they could not be read.
    pub customers: Vec<CustomerAttendees>,
    /// Extra attendees held back by `restricted_recipients`.
    pub extra_restricted: usize,
}

/// One customer's part: its subscribers of `topic` allowed by its `restricted_recipients`.
pub async fn of_customer(
    contacts: &dyn ContactDirectory,
    config: &AppConfig,
    customer: &CustomerCode,
    topic: &TopicName,
) -> (Vec<EmailAddress>, CustomerAttendees) {
    let mut report = CustomerAttendees { customer: customer.clone(), subscribers: 0, restricted: 0, error: None };
    let Some(customer_config) = config.customer(customer) else {
        report.error = Some("not configured".into());
        return (Vec::new(), report);
    };
    match contacts.subscribers(customer, topic).await {
        Ok(subscribers) => {
            report.subscribers = subscribers.len();
            let (allowed, restricted) = filter_restricted(subscribers, &customer_config.restricted_recipients);
            report.restricted = restricted;
            (allowed, report)
        }
        Err(e) => {
            tracing::warn!(customer = %customer, topic = %topic, error = %e, "meeting attendees of this customer could not be read; the meeting goes ahead without them");
            report.error = Some(e.to_string());
            (Vec::new(), report)
        }
    }
}

/// The extra attendees that may be invited for `customers` (see the module doc), and how many may not.
pub fn allowed_extra(
    config: &AppConfig,
    customers: &[CustomerCode],
    extra: &[EmailAddress],
) -> (Vec<EmailAddress>, usize) {
    let lists: Vec<&[String]> = customers
        .iter()
        .filter_map(|c| config.customer(c))
        .map(|c| c.restricted_recipients.as_slice())
        .filter(|l| !l.is_empty())
        .collect();
    if lists.is_empty() {
        return (extra.to_vec(), 0);
    }
    let union: Vec<String> = lists.iter().flat_map(|l| l.iter()).cloned().collect();
    filter_restricted(extra.to_vec(), &union)
}

/// Everyone invited to the meeting of an object for `customers`.
pub async fn gather(
    contacts: &dyn ContactDirectory,
    config: &AppConfig,
    customers: &[CustomerCode],
    topic: &TopicName,
    extra: &[EmailAddress],
) -> Attendees {
    // The futures are made first: a stream mapping borrowed items would not be `Send` for every
    // lifetime, which the Lambda runtime's spawned tasks need.
    let reads: Vec<_> = customers
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, c)| async move {
            let (list, report) = of_customer(contacts, config, &c, topic).await;
            (i, list, report)
        })
        .collect();
    let mut parts: Vec<(usize, Vec<EmailAddress>, CustomerAttendees)> =
        futures::stream::iter(reads).buffer_unordered(GATHER_CONCURRENCY).collect().await;
    parts.sort_by_key(|(i, _, _)| *i);
    let (extra, extra_restricted) = allowed_extra(config, customers, extra);
    let mut all: Vec<EmailAddress> = Vec::new();
    let mut reports = Vec::with_capacity(parts.len());
    for (_, list, report) in parts {
        push_unique(&mut all, list);
        reports.push(report);
    }
    push_unique(&mut all, extra);
    Attendees { all, customers: reports, extra_restricted }
}

/// Appends the addresses of `more` not yet in `list` (addresses compare ignoring case).
pub fn push_unique(list: &mut Vec<EmailAddress>, more: Vec<EmailAddress>) {
    for a in more {
        if !list.contains(&a) {
            list.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use ccm_core::ports::ContactError;

    use super::*;

    fn config() -> AppConfig {
        AppConfig::from_json(include_str!("../../../config.json")).unwrap()
    }

    fn e(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn code(s: &str) -> CustomerCode {
        CustomerCode::parse(s).unwrap()
    }

    /// Every customer has two subscribers, one shared; `globex` is down.
    struct Contacts;
    #[async_trait]
    impl ContactDirectory for Contacts {
        async fn list_name(&self, c: &CustomerCode) -> Result<String, ContactError> {
            Ok(format!("{c}-list"))
        }
        async fn subscribers(&self, c: &CustomerCode, _t: &TopicName) -> Result<Vec<EmailAddress>, ContactError> {
            match c.as_str() {
                "globex" => Err(ContactError::Unavailable("503".into())),
                "hts-nonprod" => Ok(vec![e("alice@example.com"), e("ops@hts.example.com")]),
                other => Ok(vec![e(&format!("ops@{other}.example.com")), e("Shared@Example.com")]),
            }
        }
    }

    #[tokio::test]
    async fn every_customer_counts_one_failure_is_reported_and_duplicates_collapse() {
        let config = config();
        let customers = [code("acme"), code("globex"), code("initech")];
        let topic = TopicName::parse("aws-calendar").unwrap();
        let a =
            gather(&Contacts, &config, &customers, &topic, &[e("shared@example.com"), e("guest@partner.example.com")])
                .await;
        let all: Vec<&str> = a.all.iter().map(EmailAddress::as_str).collect();
        assert_eq!(
            all,
            ["ops@acme.example.com", "Shared@Example.com", "ops@initech.example.com", "guest@partner.example.com"]
        );
        let failed: Vec<&str> = a.customers.iter().filter(|c| c.error.is_some()).map(|c| c.customer.as_str()).collect();
        assert_eq!(failed, ["globex"]);
        assert_eq!(a.customers.len(), 3, "reported in the object's order");
    }

    #[tokio::test]
    async fn a_restricted_customer_keeps_its_own_list_and_restricts_the_extra_attendees() {
        let config = config();
        let restricted = config.customer(&code("hts-nonprod")).unwrap().restricted_recipients.clone();
        assert!(!restricted.is_empty(), "the example config restricts hts-nonprod");
        let customers = [code("acme"), code("hts-nonprod")];
        let topic = TopicName::parse("aws-calendar").unwrap();
        let a =
            gather(&Contacts, &config, &customers, &topic, &[e("guest@partner.example.com"), e(&restricted[0])]).await;
        let nonprod = &a.customers[1];
        assert_eq!((nonprod.subscribers, nonprod.restricted), (2, 1), "only alice@example.com is allowed there");
        assert!(a.all.iter().any(|x| x.as_str() == "ops@acme.example.com"), "the unrestricted customer keeps everyone");
        assert!(!a.all.iter().any(|x| x.as_str() == "ops@hts.example.com"));
        assert!(!a.all.iter().any(|x| x.as_str() == "guest@partner.example.com"));
        assert_eq!(a.extra_restricted, 1);
    }
}
