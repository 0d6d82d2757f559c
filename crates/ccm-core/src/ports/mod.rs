//! Ports: the traits through which the domain reaches the outside world. Adapters live in other crates.

pub mod store;

pub use store::{
    Document, DocumentStore, ETag, ListPage, Listed, MAX_LIST_PAGE, ObjectMeta, Precondition, PutOptions, StoreError,
    list_all,
};
