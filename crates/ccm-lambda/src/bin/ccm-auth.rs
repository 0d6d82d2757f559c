//! The `ccm-auth` Lambda: the SAML service provider and the session routes under lambda_http
//! (behind CloudFront at `/auth/*` and `/saml/acs`). Environment: see `ccm_lambda::env`,
//! docs/configuration.md and docs/auth.md (`CCM_SAML_*`).

use std::sync::Arc;

use anyhow::Context;
use ccm_auth::SessionPolicy;
use ccm_auth::saml::{RequestStateKeys, SamlSettings, SamlState, saml_routes};
use ccm_auth::session_routes::{AuthState, session_routes};
use ccm_aws::ssm::{SsmSecrets, secret_setting};
use ccm_lambda::{Env, wiring};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::new(|k: &str| std::env::var(k).ok());
    let common = env.common()?;
    wiring::init_logging(common.log_format);
    let sdk = ccm_aws::sdk::load_base_config(None).await;
    let config = wiring::app_config(&sdk, &common).await?;
    let (keys, key, previous) = wiring::session_keys(&env, &sdk).await?;
    let metadata = match env.raw("CCM_SAML_IDP_METADATA_FILE") {
        Some(_) => None,
        None => secret_setting(|k: &str| env.raw(k), &SsmSecrets::new(&sdk), "CCM_SAML_IDP_METADATA").await?,
    };
    let settings = SamlSettings::from_env(
        |k| match (k, &metadata) {
            ("CCM_SAML_IDP_METADATA", Some(m)) => Some(m.expose().to_owned()),
            _ => env.raw(k),
        },
        &config.email_config.portal_base_url,
    )
    .context("SAML settings (CCM_SAML_*)")?;
    let policy = SessionPolicy::from_portal(&config.portal, true);
    let request_keys = RequestStateKeys::from_secrets(&key, previous.as_deref());
    let state = SamlState::new(settings, &config, keys.clone(), policy, request_keys);
    let sessions = AuthState { keys, policy, demo_users: Arc::new(Vec::new()) };
    lambda_http::run(saml_routes(state).merge(session_routes(sessions))).await
}
