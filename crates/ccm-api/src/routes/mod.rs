//! Route groups of the API, one module each.

pub mod account;
pub mod attachments;
pub mod common;
pub mod objects;
pub mod openapi;
pub mod saved;
pub mod search;
pub mod surveys;
pub mod webhooks;
