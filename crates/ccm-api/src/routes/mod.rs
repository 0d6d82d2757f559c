//! Route groups of the API, one module each.

pub mod account;
pub mod approvals;
pub mod attachments;
pub mod blackouts;
pub mod calendar;
pub mod common;
pub mod deliveries;
pub mod objects;
pub mod openapi;
pub mod saved;
pub mod search;
pub mod surveys;
pub mod webhooks;
