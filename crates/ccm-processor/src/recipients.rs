//! `restricted_recipients`: the non-prod failsafe. When a customer's list is not empty, only those
//! addresses are ever mailed (case- and whitespace-insensitive); empty means no restriction.
//! Applied on every path that sends: notifications, meetings, announcements.

use ccm_core::EmailAddress;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
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
}
