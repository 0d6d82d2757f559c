//! Operator administration in customer and central accounts, for the `ccm` CLI: SES contact lists,
//! topics, contacts and suppression; Identity Center directories and the contact sync; SES domain
//! identities with their Route 53 records, configuration sets for delivery feedback and the
//! deliverability check; alternate contacts across an organization.
//!
//! Planning is pure (`topics`, `sync`, `groups`, `dns` records) and unit-tested; the clients around
//! it make the SDK calls and translate failures into [`AdminError`].

pub mod alt_contacts;
pub mod apply;
pub mod backup;
pub mod contact;
pub mod deliverability;
pub mod dns;
pub mod domain;
pub mod error;
pub mod feedback_events;
pub mod groups;
pub mod identity_center;
pub mod limiter;
pub mod ses;
pub mod session;
pub mod suppression;
pub mod sync;
pub mod topics;

pub use contact::{ContactRecord, ManagedMarker, TIMEZONE_ATTRIBUTE};
pub use error::AdminError;
pub use ses::{ListInfo, SesAdmin, TopicInfo};
