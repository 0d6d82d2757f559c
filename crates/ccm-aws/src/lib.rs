//! AWS adapters of ccm's ports: the S3 document store, the shared index (DynamoDB), the delivery
//! ledger on any document store,
//! per-customer SES v2 (assumed-role clients, mailer, contact directory), and the shared SDK
//! configuration every client is built from.

pub mod assume_role;
pub mod customer_clients;
pub mod index;
pub mod ledger;
pub mod location;
pub mod s3_store;
pub mod sdk;
pub mod sdk_error;
pub mod ses;
pub mod ssm;
pub mod uploads;

pub use customer_clients::{CustomerClient, CustomerClients};
pub use index::{IndexTable, SyncedIndex};
pub use ledger::StoreLedger;
pub use s3_store::S3DocumentStore;
pub use ses::{SesGateway, SesOptions};
pub use uploads::S3Uploads;
