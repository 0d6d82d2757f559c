//! Calendar feed tokens. A feed URL carries `v1.{u|c}.{subject}.{generation}` and a MAC over it
//! (made by the API with a key derived from the session key): no session is needed to read a feed,
//! and the URL cannot be forged. Each feed has a generation number in the store
//! (`calendar/feeds/…`); revoking a feed bumps it, and every URL with an older generation stops
//! working.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::CustomerCode;
use crate::storage_key::Token;

/// Whose calendar a feed is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeedSubject {
    /// A user's feed, by the hash of their user id (addresses never appear in keys or URLs).
    User(Token),
    /// A customer's feed.
    Customer(CustomerCode),
}

/// What a feed URL names: a subject and the generation it was issued under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedToken {
    pub subject: FeedSubject,
    pub generation: u64,
}

const VERSION: &str = "v1";

impl FeedToken {
    /// The signed part of the URL token.
    pub fn payload(&self) -> String {
        match &self.subject {
            FeedSubject::User(t) => format!("{VERSION}.u.{t}.{}", self.generation),
            FeedSubject::Customer(c) => format!("{VERSION}.c.{c}.{}", self.generation),
        }
    }

    /// Reads a payload back; `None` for anything [`FeedToken::payload`] does not make.
    pub fn parse_payload(raw: &str) -> Option<Self> {
        let mut parts = raw.split('.');
        let (Some(VERSION), Some(kind), Some(subject), Some(generation), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        if generation.is_empty() || !generation.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let generation = generation.parse().ok()?;
        let subject = match kind {
            "u" => FeedSubject::User(Token::parse(subject).ok()?),
            "c" => FeedSubject::Customer(CustomerCode::parse(subject).ok()?),
            _ => return None,
        };
        let token = Self { subject, generation };
        (token.payload() == raw).then_some(token)
    }
}

/// A feed's stored state: its generation and, for a user's feed, who it is and which customers
/// they could see when they last listed their feeds (the feed shows no more than that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedRecord {
    pub generation: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// A user's customer scope; absent = every customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<Vec<CustomerCode>>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_reads_back_to_the_same_token_and_nothing_else_does() {
        for t in [
            FeedToken { subject: FeedSubject::User(Token::parse("0a1b2c").unwrap()), generation: 0 },
            FeedToken { subject: FeedSubject::Customer(CustomerCode::parse("hts-nonprod").unwrap()), generation: 42 },
        ] {
            assert_eq!(FeedToken::parse_payload(&t.payload()), Some(t.clone()));
        }
        for bad in [
            "",
            "v1.u.abc",
            "v1.u.abc.1.2",
            "v2.u.abc.1",
            "v1.x.abc.1",
            "v1.c.ACME.1",
            "v1.u.abc.01",
            "v1.u.abc.-1",
            "v1.u.a/b.1",
        ] {
            assert_eq!(FeedToken::parse_payload(bad), None, "{bad:?}");
        }
    }
}
