//! The workflow over the ports, shared by the routes, `ccm serve` and the tests: load, create, edit,
//! act, delete, duplicate. Writes follow the transient trigger pattern: the archive first (with an
//! ETag precondition), then one trigger per affected customer.

pub mod attachments;
mod objects;
pub mod saved_searches;
mod triggers;
mod versions;
pub mod view;

pub use objects::{Family, Loaded, Location, ObjectService, Saved};
pub use triggers::{TriggerResult, write_triggers};
pub use versions::{VersionInfo, list_versions, load_version};
