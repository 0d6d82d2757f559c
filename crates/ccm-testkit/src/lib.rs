//! Test support for ccm (a dev-dependency only): the moto emulator harness and the contract suites
//! every implementation of a port must pass.
//!
//! This crate must not depend on the adapter crates (they dev-depend on it); it talks to AWS through
//! the SDK directly where it needs to.

pub mod browser;
pub mod fakes;
pub mod graph_stub;
pub mod hooked_store;
pub mod index_contract;
pub mod index_range_contract;
pub mod lambda_runtime;
pub mod ledger_contract;
pub mod logs;
pub mod memory_store;
pub mod moto;
pub mod perf_doc;
pub mod store_contract;
pub mod synthetic;

pub use hooked_store::HookedStore;
pub use memory_store::MemoryStore;
