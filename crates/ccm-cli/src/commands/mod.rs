//! One module per subcommand group, and what they share: the context (`context`), the per-customer
//! fan-out (`per_customer`), output formats and the console (`output`), the writes a command reports
//! (`changes`), failures outside any customer (`errors`) and progress bars (`progress`).

pub mod alt_contact;
pub mod changes;
pub mod config;
pub mod context;
pub mod customers;
pub mod domain;
pub mod errors;
pub mod identity_center;
pub mod index;
pub mod infra;
pub mod meeting;
pub mod metadata_store;
pub mod output;
pub mod pace;
pub mod per_customer;
pub mod progress;
pub mod reminders;
pub mod ses;
pub mod sync;
