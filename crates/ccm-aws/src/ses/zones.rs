//! Contacts' time zones: the `timezone` key of an SES contact's `AttributesData` JSON
//! (`{"timezone":"Europe/Berlin"}`), set by `ccm ses contact … --timezone` and the Identity Center sync.
//!
//! ListContacts does not return attributes, so each zone is read with GetContact, an SES API call
//! that, like every SES action but sending, is throttled at one request per second per account
//! (ADR 0015). The gateway therefore keeps each contact's zone for an hour and never lets a zone
//! hold a notice back: lookups are made without the SDK's retries, a lookup that fails (contact
//! gone, SES unavailable) gives no zone, and once SES throttles a page's lookups the rest of that
//! page is not looked up: those readers see the customer's zone this time, and are looked up again
//! on the next notice, so the cache fills over a few notices instead of slowing one. The lookups of
//! one page also stop at a time budget (`SesOptions::contact_zone_budget`), so a cold cache delays a
//! page's first send by at most that much.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ccm_core::ports::Subscriber;
use ccm_core::{CustomerCode, EmailAddress};
use chrono_tz::Tz;
use futures::StreamExt;

use aws_sdk_sesv2::config::retry::RetryConfig;

use super::errors::{Class, classify};
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

/// A contact: its customer and lower-cased address.
type ContactKey = (CustomerCode, String);

/// Zones read from SES, per contact, with when they were read.
#[derive(Default)]
pub(super) struct ZoneCache {
    entries: Mutex<HashMap<ContactKey, (Instant, Option<Tz>)>>,
}

impl ZoneCache {
    fn get(&self, key: &ContactKey, ttl: Duration) -> Option<Option<Tz>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < ttl).map(|(_, zone)| *zone)
    }

    fn put(&self, key: ContactKey, zone: Option<Tz>) {
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
    budget: Duration,
) -> Vec<Subscriber> {
    let deadline = tokio::time::Instant::now() + budget;
    let throttled = AtomicBool::new(false);
    let throttled = &throttled;
    let lookups = futures::stream::iter(addresses)
        .map(|address| async move {
            let key = (customer.clone(), address.normalized());
            if let Some(zone) = cache.get(&key, ttl) {
                return (Subscriber { address, timezone: zone }, false);
            }
            if throttled.load(Ordering::Relaxed) || tokio::time::Instant::now() >= deadline {
                return (Subscriber { address, timezone: None }, true);
            }
            let Ok(read) = tokio::time::timeout_at(deadline, read_zone(client, list, &address)).await else {
                return (Subscriber { address, timezone: None }, true);
            };
            match read {
                Ok(zone) => {
                    cache.put(key, zone);
                    (Subscriber { address, timezone: zone }, false)
                }
                Err(Class::Throttled) => {
                    throttled.store(true, Ordering::Relaxed);
                    (Subscriber { address, timezone: None }, true)
                }
                Err(_) => (Subscriber { address, timezone: None }, true),
            }
        })
        .buffered(LOOKUPS_IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    let failed = lookups.iter().filter(|(_, failed)| *failed).count();
    if failed > 0 {
        tracing::warn!(
            failed,
            "some contacts' time zones were not read (throttled, over the time budget or failed); they see the customer's zone"
        );
    }
    lookups.into_iter().map(|(s, _)| s).collect()
}

async fn read_zone(client: &CustomerClient, list: &str, address: &EmailAddress) -> Result<Option<Tz>, Class> {
    let call = client
        .ses
        .get_contact()
        .contact_list_name(list)
        .email_address(address.as_str())
        .customize()
        .config_override(aws_sdk_sesv2::config::Builder::default().retry_config(RetryConfig::disabled()))
        .send()
        .await;
    match call {
        Ok(out) => Ok(out.attributes_data().and_then(zone_from_attributes)),
        Err(err) => {
            let classified = classify("GetContact", &err);
            tracing::debug!(code = ?classified.code, message = %classified.message, "GetContact failed");
            Err(classified.class)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zone_is_the_timezone_key_of_the_attributes_when_it_is_an_iana_name() {
        assert_eq!(
            zone_from_attributes(r#"{"timezone":"Europe/Berlin","team":"ops"}"#),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(zone_from_attributes(r#"{"timezone":"Mars/Olympus"}"#), None);
        assert_eq!(zone_from_attributes(r#"{"team":"ops"}"#), None);
        assert_eq!(zone_from_attributes("not json"), None);
        assert_eq!(zone_from_attributes(r#"["Europe/Berlin"]"#), None);
    }
}
