//! The customer's zone book for one fan-out (ADR 0015): one GET of `contacts/{customer}/zones.json`,
//! made while the first subscriber page is read, so it adds nothing to the first mail's wait unless
//! the store is slower than the contact list.
//!
//! A reader's zone, first to last: the zone their directory entry carries (`ccm serve`'s embedded
//! contacts do; SES's ListContacts does not), the book's entry for their recipient hash, the
//! customer's configured `timezone`, the object's zone ([`crate::copies::Copies`]'s default). A zone
//! is presentation: a book that cannot be read or does not parse, or an entry with an invalid zone,
//! is logged and skipped, never a failed notice.

use ccm_core::CustomerCode;
use ccm_core::ports::Subscriber;
use ccm_core::zone_book::{self, ZoneBook};
use chrono_tz::Tz;

use crate::processor::Processor;

impl Processor {
    /// The customer's book; empty when there is none or it cannot be used.
    pub(crate) async fn zone_book(&self, customer: &CustomerCode) -> ZoneBook {
        match zone_book::load(&*self.store, customer).await {
            Ok(None) => ZoneBook::default(),
            Ok(Some((Ok(parsed), _))) => {
                if parsed.skipped > 0 {
                    tracing::warn!(skipped = parsed.skipped, "zone book entries without a valid zone were skipped");
                }
                parsed.book
            }
            Ok(Some((Err(e), _))) => {
                tracing::warn!(error = %e, "the zone book is not usable; readers see the customer's zone (`ccm ses zones rebuild` repairs it)");
                ZoneBook::default()
            }
            Err(e) => {
                tracing::warn!(error = %e, "the zone book could not be read; readers see the customer's zone");
                ZoneBook::default()
            }
        }
    }
}

/// `subscriber`'s zone: the directory's, else the book's (`None`: the customer's or object's zone).
pub(crate) fn reader_zone(subscriber: &Subscriber, book: &ZoneBook) -> Option<Tz> {
    subscriber.timezone.or_else(|| book.zone_of(&subscriber.address))
}
