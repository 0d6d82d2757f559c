//! ccm-embedded's integration tests, one binary: the document store contract and durability of the
//! embedded store, and the index contract and rebuild of the in-memory index.

mod index;
mod store_contract;
