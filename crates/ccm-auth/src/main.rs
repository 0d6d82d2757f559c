//! The `ccm-auth` Lambda: the SAML service provider and the session routes under lambda_http
//! (behind CloudFront at `/auth/*` and `/saml/acs`). Wiring only; see docs/auth.md.
//!
//! Environment: `CCM_CONFIG_FILE` (default `config.json`), `CCM_SESSION_KEY` and optionally
//! `CCM_SESSION_KEY_PREVIOUS`, and the `CCM_SAML_*` variables of [`ccm_auth::saml::settings`].
//! The session keys and `CCM_SAML_IDP_METADATA` may instead come from SSM SecureStrings named by
//! `CCM_SESSION_KEY_PARAMETER`, `CCM_SESSION_KEY_PREVIOUS_PARAMETER` and `CCM_SAML_IDP_METADATA_PARAMETER`.

use std::sync::Arc;

use anyhow::Context;
use ccm_auth::dev_login::{AuthState, session_routes};
use ccm_auth::saml::{RequestStateKeys, SamlSettings, SamlState, saml_routes};
use ccm_auth::{SessionKeys, SessionPolicy};
use ccm_aws::ssm::secret_setting;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let config_path = std::env::var("CCM_CONFIG_FILE").unwrap_or_else(|_| "config.json".into());
    let text = std::fs::read_to_string(&config_path).with_context(|| format!("reading {config_path}"))?;
    let config = ccm_core::config::AppConfig::from_json(&text).map_err(|e| anyhow::anyhow!("{config_path}:\n{e}"))?;

    let sdk = ccm_aws::sdk::load_base_config(None).await;
    let ssm = ccm_aws::ssm::SsmSecrets::new(&sdk);
    let env = |k: &str| std::env::var(k).ok();
    let key = secret_setting(env, &ssm, "CCM_SESSION_KEY")
        .await?
        .context("CCM_SESSION_KEY or CCM_SESSION_KEY_PARAMETER is required")?;
    let previous = secret_setting(env, &ssm, "CCM_SESSION_KEY_PREVIOUS").await?;
    let previous = previous.as_ref().map(|p| p.expose());
    let keys = SessionKeys::new(key.expose(), previous).context("CCM_SESSION_KEY")?;
    let metadata = match env("CCM_SAML_IDP_METADATA_FILE") {
        Some(_) => None,
        None => secret_setting(env, &ssm, "CCM_SAML_IDP_METADATA").await?,
    };
    let policy = SessionPolicy::from_portal(&config.portal, true);
    let settings = SamlSettings::from_env(
        |k| match (k, &metadata) {
            ("CCM_SAML_IDP_METADATA", Some(m)) => Some(m.expose().to_owned()),
            _ => env(k),
        },
        &config.email_config.portal_base_url,
    )?;

    let request_keys = RequestStateKeys::from_secrets(key.expose(), previous);
    let state = SamlState::new(settings, &config, keys.clone(), policy, request_keys);
    let sessions = AuthState { keys, policy, demo_users: Arc::new(Vec::new()) };
    lambda_http::run(saml_routes(state).merge(session_routes(sessions))).await
}
