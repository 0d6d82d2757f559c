//! What every handler can reach: the use cases' ports and configuration, and the session keys.

use std::sync::Arc;

use ccm_app::App;
use ccm_auth::{SessionKeys, SessionPolicy};
use ccm_core::config::AppConfig;
use ccm_core::ports::{ChangeIndex, DocumentStore};

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub keys: SessionKeys,
    pub policy: SessionPolicy,
}

impl AppState {
    /// State over `store` and `index` with the real clock, uuid ids and the local upload route.
    pub fn new(
        store: Arc<dyn DocumentStore>,
        index: Arc<dyn ChangeIndex>,
        config: Arc<AppConfig>,
        keys: SessionKeys,
        policy: SessionPolicy,
    ) -> Self {
        Self { app: App::new(store, index, config, Arc::new(crate::uploads::LocalUploads)), keys, policy }
    }

    /// The session policy that config.json's `portal` section asks for.
    pub fn policy_from_config(config: &AppConfig, secure_cookie: bool) -> SessionPolicy {
        SessionPolicy::from_portal(&config.portal, secure_cookie)
    }
}
