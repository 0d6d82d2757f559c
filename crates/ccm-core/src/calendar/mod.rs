//! The change calendar: conflicts between implementation windows and with blackout windows
//! ([`conflicts`]), the subscribable feed (RFC 5545, [`feed`] over the text rules of [`ics`]), and
//! the feed's revocable tokens ([`token`]). Pure: the use cases in `ccm-app` read the index and
//! the store and hand the results here.

pub mod conflicts;
pub mod feed;
pub mod ics;
pub mod token;

pub use conflicts::{BlackoutRef, ConflictingObject, Warning, WarningKind};
pub use token::{FeedRecord, FeedSubject, FeedToken};
