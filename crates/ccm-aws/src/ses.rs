//! SES v2 in each customer's account: the [`Mailer`](ccm_core::ports::Mailer) and the
//! [`ContactDirectory`](ccm_core::ports::ContactDirectory) over [`CustomerClients`](crate::CustomerClients).

mod errors;
mod gateway;
mod rate;
mod subscribers;

pub use gateway::{SesGateway, SesOptions};
