//! A customer's zone book (`contacts/{code}/zones.json`, ADR 0015): its readers' IANA time zones
//! keyed by recipient hash ([`DeliveryKey::recipient_hash`], so the bucket holds no addresses).
//!
//! SES keeps a contact's zone in its `AttributesData`, but reading it costs one GetContact per
//! contact at one request per second per account; the processor reads this book instead, once per
//! fan-out. The CLI and the Identity Center sync write it beside the SES attribute, read-modify-write
//! with `If-Match` ([`update`]), so two writers keep each other's entries; `ccm ses zones rebuild`
//! repairs drift from SES.
//!
//! ```json
//! {"format": 1, "zones": {"<sha-256 of the lower-cased address>": "Europe/Berlin"}}
//! ```
//!
//! Reading is lenient: an entry whose key is not a hash or whose zone is not an IANA name is skipped
//! (and counted, so callers can log it); a book that does not parse is the caller's to skip.

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ports::{DeliveryKey, DocumentStore, ETag, PutOptions, StoreError};
use crate::{CustomerCode, EmailAddress, StorageKey};

/// The format this code reads and writes.
pub const FORMAT: u32 = 1;

/// How often a write is tried again when another writer changed the book in between.
const WRITE_ATTEMPTS: usize = 5;

/// Readers' zones by recipient hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneBook {
    zones: BTreeMap<String, Tz>,
}

/// A book as read: the valid entries, and how many were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub book: ZoneBook,
    /// Entries skipped: a key that is not a recipient hash, or a value that is not an IANA zone.
    pub skipped: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ZoneBookError {
    #[error("the zone book is not valid JSON of the expected shape: {0}")]
    Malformed(String),
    #[error("the zone book has format {0}, newer than this ccm reads ({FORMAT}); upgrade ccm")]
    NewerFormat(u32),
    #[error("the zone book kept changing under {WRITE_ATTEMPTS} attempts to write it; try again")]
    Contended,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Deserialize)]
struct Wire {
    format: u32,
    #[serde(default)]
    zones: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize)]
struct WireOut<'a> {
    format: u32,
    zones: BTreeMap<&'a str, &'a str>,
}

fn is_recipient_hash(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl ZoneBook {
    /// Reads a stored book; see the module header for what is skipped.
    pub fn parse(body: &[u8]) -> Result<Parsed, ZoneBookError> {
        let wire: Wire = serde_json::from_slice(body).map_err(|e| ZoneBookError::Malformed(e.to_string()))?;
        if wire.format > FORMAT {
            return Err(ZoneBookError::NewerFormat(wire.format));
        }
        let mut parsed = Parsed::default();
        for (key, value) in wire.zones {
            let zone = value.as_str().and_then(|z| crate::schedule::parse_zone("zone", z).ok());
            match zone {
                Some(zone) if is_recipient_hash(&key) => {
                    parsed.book.zones.insert(key, zone);
                }
                _ => parsed.skipped = parsed.skipped.saturating_add(1),
            }
        }
        Ok(parsed)
    }

    /// The stored form.
    pub fn to_json(&self) -> Vec<u8> {
        let zones = self.zones.iter().map(|(k, z)| (k.as_str(), z.name())).collect();
        serde_json::to_vec_pretty(&WireOut { format: FORMAT, zones }).unwrap_or_default()
    }

    /// The zone of the reader at `address`, if the book has one.
    pub fn zone_of(&self, address: &EmailAddress) -> Option<Tz> {
        self.zone_of_hash(&DeliveryKey::recipient_hash(address))
    }

    /// The zone stored under a recipient hash.
    pub fn zone_of_hash(&self, hash: &str) -> Option<Tz> {
        self.zones.get(hash).copied()
    }

    /// Sets (`Some`) or removes (`None`) the zone of `address`; whether the book changed.
    pub fn set(&mut self, address: &EmailAddress, zone: Option<Tz>) -> bool {
        let hash = DeliveryKey::recipient_hash(address);
        match zone {
            Some(z) => self.zones.insert(hash, z) != Some(z),
            None => self.zones.remove(&hash).is_some(),
        }
    }

    /// Every entry: recipient hash and zone, in hash order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, Tz)> + '_ {
        self.zones.iter().map(|(h, z)| (h.as_str(), *z))
    }

    pub fn len(&self) -> usize {
        self.zones.len()
    }

    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// How many readers are in each zone (no hashes, no addresses).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for zone in self.zones.values() {
            let n: &mut usize = counts.entry(zone.name()).or_default();
            *n = n.saturating_add(1);
        }
        counts
    }
}

/// The customer's book as stored, with its ETag; `None` when there is none.
pub async fn load(
    store: &dyn DocumentStore,
    customer: &CustomerCode,
) -> Result<Option<(Result<Parsed, ZoneBookError>, ETag)>, StoreError> {
    let Some(doc) = store.get(&StorageKey::ZoneBook(customer.clone())).await? else { return Ok(None) };
    Ok(Some((ZoneBook::parse(&doc.body), doc.meta.etag)))
}

/// What [`update`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    Written,
    /// The edit changed nothing; nothing was written.
    Unchanged,
}

/// Read-modify-write of the customer's book: `edit` is applied to the current book (an empty one
/// when there is none, or when the stored one does not parse: this write repairs it) and the result
/// written with `If-Match` (create-only for a new book). When another writer got in between, the
/// book is read again and `edit` applied again, a few times, so neither writer loses entries.
/// `edit` returns whether it changed the book. A book of a newer format is never overwritten.
pub async fn update(
    store: &dyn DocumentStore,
    customer: &CustomerCode,
    edit: impl Fn(&mut ZoneBook) -> bool,
) -> Result<Updated, ZoneBookError> {
    let key = StorageKey::ZoneBook(customer.clone());
    for _ in 0..WRITE_ATTEMPTS {
        let (mut book, options) = match load(store, customer).await? {
            None => (ZoneBook::default(), PutOptions::create_only()),
            Some((Ok(parsed), etag)) => (parsed.book, PutOptions::if_match(etag)),
            Some((Err(e @ ZoneBookError::NewerFormat(_)), _)) => return Err(e),
            Some((Err(_), etag)) => (ZoneBook::default(), PutOptions::if_match(etag)),
        };
        if !edit(&mut book) {
            return Ok(Updated::Unchanged);
        }
        match store.put(&key, Bytes::from(book.to_json()), options).await {
            Ok(_) => return Ok(Updated::Written),
            Err(StoreError::PreconditionFailed { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ZoneBookError::Contended)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    #[test]
    fn a_book_round_trips_and_finds_a_reader_by_address_ignoring_case() {
        let mut book = ZoneBook::default();
        assert!(book.set(&address("Jane@Acme.example"), Some(chrono_tz::Europe::Berlin)));
        assert!(!book.set(&address("jane@acme.example"), Some(chrono_tz::Europe::Berlin)), "unchanged");
        let json = book.to_json();
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(!text.contains("jane"), "no addresses in the book: {text}");
        let parsed = ZoneBook::parse(&json).unwrap();
        assert_eq!(parsed.skipped, 0);
        assert_eq!(parsed.book.zone_of(&address("JANE@acme.example")), Some(chrono_tz::Europe::Berlin));
        assert_eq!(parsed.book.counts(), BTreeMap::from([("Europe/Berlin", 1)]));
    }

    #[test]
    fn entries_with_an_invalid_zone_or_key_are_skipped_and_counted() {
        let good = DeliveryKey::recipient_hash(&address("a@x.example"));
        let body = format!(
            r#"{{"format":1,"zones":{{"{good}":"Asia/Tokyo","{}":"Mars/Olympus","jane@x.example":"Europe/Berlin","{}":7}}}}"#,
            DeliveryKey::recipient_hash(&address("b@x.example")),
            DeliveryKey::recipient_hash(&address("c@x.example")),
        );
        let parsed = ZoneBook::parse(body.as_bytes()).unwrap();
        assert_eq!(parsed.skipped, 3);
        assert_eq!(parsed.book.len(), 1);
        assert_eq!(parsed.book.zone_of(&address("a@x.example")), Some(chrono_tz::Asia::Tokyo));
    }

    #[test]
    fn a_book_that_does_not_parse_or_is_newer_is_an_error_for_the_caller_to_skip() {
        assert!(matches!(ZoneBook::parse(b"not json"), Err(ZoneBookError::Malformed(_))));
        assert!(matches!(ZoneBook::parse(br#"{"zones":{}}"#), Err(ZoneBookError::Malformed(_))));
        assert!(matches!(ZoneBook::parse(br#"{"format":2,"zones":{}}"#), Err(ZoneBookError::NewerFormat(2))));
    }

    #[test]
    fn removing_a_reader_changes_the_book_once() {
        let mut book = ZoneBook::default();
        book.set(&address("a@x.example"), Some(chrono_tz::Asia::Tokyo));
        assert!(book.set(&address("a@x.example"), None));
        assert!(!book.set(&address("a@x.example"), None));
        assert!(book.is_empty());
    }
}
