//! AWS adapters of ccm's ports: the S3 document store, and the shared SDK configuration every client
//! is built from.

pub mod s3_store;
pub mod sdk;

pub use s3_store::S3DocumentStore;
