//! What every handler can reach: the ports, the configuration and the session keys.

use std::sync::Arc;

use ccm_auth::{SessionKeys, SessionPolicy};
use ccm_core::config::AppConfig;
use ccm_core::ports::{ChangeIndex, Clock, DocumentStore, IdGen, SystemClock, UploadSigner, UuidIdGen};

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn DocumentStore>,
    pub index: Arc<dyn ChangeIndex>,
    pub config: Arc<AppConfig>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
    pub keys: SessionKeys,
    pub policy: SessionPolicy,
    /// Attachment uploads: a local route by default, presigned S3 URLs in AWS.
    pub uploads: Arc<dyn UploadSigner>,
}

impl AppState {
    /// State with the real clock and uuid ids.
    pub fn new(
        store: Arc<dyn DocumentStore>,
        index: Arc<dyn ChangeIndex>,
        config: Arc<AppConfig>,
        keys: SessionKeys,
        policy: SessionPolicy,
    ) -> Self {
        Self {
            store,
            index,
            config,
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidIdGen),
            keys,
            policy,
            uploads: Arc::new(crate::uploads::LocalUploads),
        }
    }

    /// The session policy that config.json's `portal` section asks for.
    pub fn policy_from_config(config: &AppConfig, secure_cookie: bool) -> SessionPolicy {
        SessionPolicy::from_portal(&config.portal, secure_cookie)
    }
}
