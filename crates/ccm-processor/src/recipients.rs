//! `restricted_recipients`: the non-prod failsafe. When a customer's list is not empty, only those
//! addresses are ever mailed (case- and whitespace-insensitive); empty means no restriction.
//! Applied on every path that sends: notifications, meetings, announcements. [`Audience`] applies
//! it to a list that arrives page by page, and mails each address once however often it is listed.

use std::collections::HashSet;

use ccm_core::EmailAddress;
use ccm_core::ports::Subscriber;

/// Splits recipients into those allowed and a count of those held back.
pub fn filter_restricted(recipients: Vec<EmailAddress>, restricted: &[String]) -> (Vec<EmailAddress>, usize) {
    if restricted.is_empty() {
        return (recipients, 0);
    }
    let allow: Vec<String> = restricted.iter().map(|r| r.trim().to_lowercase()).collect();
    let before = recipients.len();
    let allowed: Vec<EmailAddress> = recipients.into_iter().filter(|r| allow.contains(&r.normalized())).collect();
    let skipped = before - allowed.len();
    (allowed, skipped)
}

/// Who of a subscriber list read page by page gets the mail: each address once (compared lower-cased,
/// across pages: SES keys contacts by address, but two spellings of one mailbox must not get two
/// copies) and, when `restricted_recipients` is set, only the addresses it lists.
#[derive(Debug)]
pub struct Audience {
    /// Lower-cased `restricted_recipients`; `None`: no restriction.
    allow: Option<HashSet<String>>,
    seen: HashSet<String>,
    /// Distinct addresses listed so far.
    pub listed: usize,
    /// Of those, how many `restricted_recipients` held back.
    pub restricted: usize,
}

impl Audience {
    pub fn new(restricted: &[String]) -> Self {
        let allow = (!restricted.is_empty()).then(|| restricted.iter().map(|r| r.trim().to_lowercase()).collect());
        Self { allow, seen: HashSet::new(), listed: 0, restricted: 0 }
    }

    /// The subscribers of `page` to mail, in list order: not seen on an earlier page, and allowed.
    pub fn admit(&mut self, page: Vec<Subscriber>) -> Vec<Subscriber> {
        let mut out = Vec::with_capacity(page.len());
        for subscriber in page {
            let normalized = subscriber.address.normalized();
            if self.seen.contains(&normalized) {
                continue;
            }
            self.listed += 1;
            if self.allow.as_ref().is_some_and(|allow| !allow.contains(&normalized)) {
                self.restricted += 1;
            } else {
                out.push(subscriber);
            }
            self.seen.insert(normalized);
        }
        out
    }

    /// The addresses of `extra` (already allowed) not listed so far, each once; they count as
    /// neither listed nor restricted.
    pub fn unseen(&mut self, extra: Vec<EmailAddress>) -> Vec<EmailAddress> {
        extra.into_iter().filter(|a| self.seen.insert(a.normalized())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn page(addresses: &[&str]) -> Vec<Subscriber> {
        addresses.iter().map(|a| Subscriber::from(e(a))).collect()
    }

    #[test]
    fn an_empty_list_restricts_nothing() {
        let (a, s) = filter_restricted(vec![e("a@x.com"), e("b@x.com")], &[]);
        assert_eq!((a.len(), s), (2, 0));
    }

    #[test]
    fn only_listed_addresses_pass_ignoring_case_and_spaces() {
        let (a, s) =
            filter_restricted(vec![e("A@X.com"), e("b@x.com"), e("c@x.com")], &[" a@x.COM ".into(), "c@x.com".into()]);
        assert_eq!(a, vec![e("a@x.com"), e("c@x.com")]);
        assert_eq!(a[0].as_str(), "A@X.com", "the original spelling is kept for sending");
        assert_eq!(s, 1);
    }

    #[test]
    fn an_address_listed_on_two_pages_in_two_spellings_is_admitted_once() {
        let mut audience = Audience::new(&[]);
        assert_eq!(audience.admit(page(&["Jane@X.com", "b@x.com", "jane@x.com"])), page(&["Jane@X.com", "b@x.com"]));
        assert_eq!(audience.admit(page(&["JANE@x.com", "c@x.com", "B@x.com"])), page(&["c@x.com"]));
        assert_eq!((audience.listed, audience.restricted), (3, 0));
    }

    #[test]
    fn the_restriction_holds_on_every_page_and_counts_each_address_once() {
        let mut audience = Audience::new(&[" C@x.com ".into()]);
        assert!(audience.admit(page(&["a@x.com", "b@x.com"])).is_empty());
        assert_eq!(audience.admit(page(&["A@x.com", "c@X.COM"])), page(&["c@X.COM"]));
        assert_eq!(audience.admit(page(&["c@x.com"])), vec![]);
        assert_eq!((audience.listed, audience.restricted), (3, 2));
    }
}
