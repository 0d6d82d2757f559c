//! The use cases of ccm over the ports: create, edit, act on, delete and duplicate changes and
//! announcements, their attachments, versions and views, users' saved searches, blackout windows,
//! the change calendar and its feeds, and surveys. No HTTP and no AWS here: the API, `ccm serve`,
//! the CLI and the tests call the same code, and each use case says how it can fail with an error
//! enum of its own (`error`, `surveys::error`).

pub mod attachments;
pub mod blackouts;
pub mod calendar;
pub mod caller;
pub mod error;
pub mod input;
pub mod objects;
pub mod request_id;
pub mod saved_searches;
pub mod surveys;
pub mod triggers;
pub mod versions;
pub mod view;

use std::sync::Arc;

use ccm_core::config::AppConfig;
use ccm_core::ports::{Clock, DocumentStore, IdGen, ObjectIndex, SystemClock, UploadSigner, UuidIdGen};

pub use caller::Caller;
pub use objects::{ActInput, ApprovalStatus, Family, Loaded, Location, Objects, Saved};
pub use view::ObjectView;

/// The ports and the configuration the use cases run over.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn DocumentStore>,
    pub index: Arc<dyn ObjectIndex>,
    pub config: Arc<AppConfig>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
    /// Attachment uploads: presigned S3 URLs in AWS, a local route in `ccm serve`.
    pub uploads: Arc<dyn UploadSigner>,
}

impl App {
    /// The use cases over `store` and `index`, with the real clock and uuid ids.
    pub fn new(
        store: Arc<dyn DocumentStore>,
        index: Arc<dyn ObjectIndex>,
        config: Arc<AppConfig>,
        uploads: Arc<dyn UploadSigner>,
    ) -> Self {
        Self { store, index, config, clock: Arc::new(SystemClock), ids: Arc::new(UuidIdGen), uploads }
    }

    /// The use cases on objects for `caller`.
    pub fn objects<'a>(&'a self, caller: &'a Caller) -> Objects<'a> {
        Objects::new(self, caller)
    }
}
