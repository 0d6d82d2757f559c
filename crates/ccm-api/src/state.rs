//! What every handler can reach: the use cases' ports and configuration, and the session keys.

use std::sync::Arc;

use ccm_app::App;
use ccm_auth::{SessionKeys, SessionPolicy};
use ccm_core::config::AppConfig;
use ccm_core::ports::{DocumentStore, ObjectIndex, Secret};
use ccm_core::survey::SurveyKeys;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub keys: SessionKeys,
    pub policy: SessionPolicy,
    pub surveys: SurveySettings,
}

/// What the survey routes need besides the use cases' ports.
#[derive(Clone, Default)]
pub struct SurveySettings {
    /// Verifies the built-in survey page's links (derived from the session key); `None`: the page's
    /// routes answer that surveys are not available here.
    pub links: Option<SurveyKeys>,
    /// Typeform's webhook secret (`TYPEFORM_WEBHOOK_SECRET`, from SSM in AWS); `None`: the webhook
    /// route answers 404.
    pub typeform_secret: Option<Secret>,
}

impl AppState {
    /// State over `store` and `index` with the real clock, uuid ids and the local upload route.
    pub fn new(
        store: Arc<dyn DocumentStore>,
        index: Arc<dyn ObjectIndex>,
        config: Arc<AppConfig>,
        keys: SessionKeys,
        policy: SessionPolicy,
    ) -> Self {
        Self {
            app: App::new(store, index, config, Arc::new(crate::uploads::LocalUploads)),
            keys,
            policy,
            surveys: SurveySettings::default(),
        }
    }

    /// The same state with the survey routes' settings.
    pub fn with_surveys(mut self, surveys: SurveySettings) -> Self {
        self.surveys = surveys;
        self
    }

    /// The session policy that config.json's `portal` section asks for.
    pub fn policy_from_config(config: &AppConfig, secure_cookie: bool) -> SessionPolicy {
        SessionPolicy::from_portal(&config.portal, secure_cookie)
    }
}
