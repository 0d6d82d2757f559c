//! Contacts' time zones: the `timezone` key of an SES contact's `AttributesData` JSON
//! (`{"timezone":"Europe/Berlin"}`), set by `ccm ses contact … --timezone` and the Identity Center sync.
//!
//! ListContacts does not return attributes, so each zone is read with GetContact, an SES API call
//! that, like every SES action but sending, is throttled at one request per second per account
//! (ADR 0015). The gateway therefore keeps each contact's zone for an hour and never lets a zone
//! hold a notice back: a lookup that fails (throttled, contact gone) gives no zone, the reader then
//! sees the customer's zone, and is tried again on the next notice.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ccm_core::ports::Subscriber;
use ccm_core::{CustomerCode, EmailAddress};
use chrono_tz::Tz;
use futures::StreamExt;

use super::errors::classify;
use crate::customer_clients::CustomerClient;

/// The attribute key holding a contact's IANA zone.
pub const TIMEZONE_ATTRIBUTE: &str = "timezone";

/// GetContact calls in flight at once for one page.
const LOOKUPS_IN_FLIGHT: usize = 4;

/// The zone an `AttributesData` document names, if it is a JSON object with a valid IANA `timezone`.
pub fn zone_from_attributes(attributes: &str) -> Option<Tz> {
    let value: serde_json::Value = serde_json::from_str(attributes).ok()?;
    ccm_core::schedule::parse_zone(TIMEZONE_ATTRIBUTE, value.get(TIMEZONE_ATTRIBUTE)?.as_str()?).ok()
}

/// Zones read from SES, per (customer, lower-cased address), with when they were read.
#[derive(Default)]
pub(super) struct ZoneCache {
    entries: Mutex<HashMap<(CustomerCode, String), (Instant, Option<Tz>)>>,
}

impl ZoneCache {
    fn get(&self, key: &(CustomerCode, String), ttl: Duration) -> Option<Option<Tz>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < ttl).map(|(_, zone)| *zone)
    }

    fn put(&self, key: (CustomerCode, String), zone: Option<Tz>) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (Instant::now(), zone));
    }
}

/// `addresses` with their zones, in the same order: from the cache, else one GetContact each.
pub(super) async fn with_zones(
    client: &CustomerClient,
    customer: &CustomerCode,
    list: &str,
    addresses: Vec<EmailAddress>,
    cache: &ZoneCache,
    ttl: Duration,
) -> Vec<Subscriber> {
    let lookups = futures::stream::iter(addresses)
        .map(|address| async move {
            let key = (customer.clone(), address.normalized());
            if let Some(zone) = cache.get(&key, ttl) {
                return (Subscriber { address, timezone: zone }, false);
            }
            match read_zone(client, list, &address).await {
                Ok(zone) => {
                    cache.put(key, zone);
                    (Subscriber { address, timezone: zone }, false)
                }
                Err(()) => (Subscriber { address, timezone: None }, true),
            }
        })
        .buffered(LOOKUPS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let failed = lookups.iter().filter(|(_, failed)| *failed).count();
    if failed > 0 {
        tracing::warn!(failed, "could not read some contacts' time zones; they see the customer's zone");
    }
    lookups.into_iter().map(|(s, _)| s).collect()
}

async fn read_zone(client: &CustomerClient, list: &str, address: &EmailAddress) -> Result<Option<Tz>, ()> {
    match client.ses.get_contact().contact_list_name(list).email_address(address.as_str()).send().await {
        Ok(out) => Ok(out.attributes_data().and_then(zone_from_attributes)),
        Err(err) => {
            tracing::debug!(error = %classify("GetContact", &err).into_contact_error(), "GetContact failed");
            Err(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_is_the_timezone_key_of_the_attributes_when_it_is_an_iana_name() {
        assert_eq!(zone_from_attributes(r#"{"timezone":"Europe/Berlin","team":"ops"}"#), Some(chrono_tz::Europe::Berlin));
        assert_eq!(zone_from_attributes(r#"{"timezone":"Mars/Olympus"}"#), None);
        assert_eq!(zone_from_attributes(r#"{"team":"ops"}"#), None);
        assert_eq!(zone_from_attributes("not json"), None);
        assert_eq!(zone_from_attributes(r#"["Europe/Berlin"]"#), None);
    }
}
