//! The domain core of ccm: objects (changes and announcements), the status machine, storage keys,
//! configuration, routing and rendering, blackout windows, the change calendar and approval policies,
//! the readers' zone book, and the ports (traits) adapters implement. No I/O here.

pub mod blackout;
pub mod blackout_schedule;
pub mod calendar;
pub mod config;
pub mod feedback;
pub mod ids;
pub mod mime;
pub mod model;
pub mod policy;
pub mod ports;
pub mod reminders;
pub mod render;
pub mod reschedule;
pub mod retry;
pub mod roles;
pub mod routing;
pub mod schedule;
pub mod storage_key;
pub mod survey;
pub mod text;
pub mod validation;
pub mod workflow;
pub mod zone_book;

pub use ids::{
    AnnouncementType, CustomerCode, EmailAddress, FileName, IdError, ObjectId, ObjectKind, TopicName, UserId,
};
pub use model::{Announcement, Change, Object};
pub use roles::Role;
pub use storage_key::{KeyError, StorageKey, Token};
pub use workflow::{Action, Status};
