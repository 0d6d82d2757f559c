//! Microsoft Graph for ccm: the `Calendar` port as one online Teams meeting per object in the
//! organizer's calendar ([`GraphCalendar`]), over a small client with an app-only token, a timeout
//! and retries ([`client`]). Configured from the environment ([`settings`]).

pub mod calendar;
pub mod client;
pub mod event;
pub mod settings;

pub use calendar::GraphCalendar;
pub use client::{GraphClient, GraphError};
pub use settings::{GraphSettings, SettingsError};
