//! The `ccm-api` Lambda: the API router under lambda_http (behind CloudFront, Function URL).
//! Wiring only: configuration, the S3 store, the index and the session keys, built once per cold start.
//!
//! Environment: `CCM_CONFIG_FILE` (default `config.json` next to the binary), `S3_BUCKET` (else
//! config's `s3_config.bucket_name`), `CCM_SESSION_KEY` and optionally `CCM_SESSION_KEY_PREVIOUS`
//! (each, or an SSM SecureString named by `CCM_SESSION_KEY_PARAMETER` / `…_PREVIOUS_PARAMETER`; the
//! built-in survey links are verified under a key derived from it), `TYPEFORM_WEBHOOK_SECRET` (or
//! `TYPEFORM_WEBHOOK_SECRET_PARAMETER`; without it `/webhooks/typeform` answers 404).

use std::sync::Arc;

use anyhow::Context;
use ccm_api::AppState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let config_path = std::env::var("CCM_CONFIG_FILE").unwrap_or_else(|_| "config.json".into());
    let text = std::fs::read_to_string(&config_path).with_context(|| format!("reading {config_path}"))?;
    let config = ccm_core::config::AppConfig::from_json(&text).map_err(|e| anyhow::anyhow!("{config_path}:\n{e}"))?;
    let bucket = std::env::var("S3_BUCKET")
        .ok()
        .or_else(|| config.s3_config.as_ref().map(|s| s.bucket_name.clone()))
        .context("S3_BUCKET or s3_config.bucket_name is required")?;
    let sdk = ccm_aws::sdk::load_base_config(None).await;
    let store =
        Arc::new(ccm_aws::S3DocumentStore::new(ccm_aws::sdk::s3_client(&sdk, sdk.endpoint_url().is_some()), bucket));
    // Until the DynamoDB index lands, each cold start rebuilds the index from the archive.
    let index = Arc::new(ccm_embedded::MemoryIndex::rebuild_from(&*store).await.context("building the index")?);
    let ssm = ccm_aws::ssm::SsmSecrets::new(&sdk);
    let env = |k: &str| std::env::var(k).ok();
    let key = ccm_aws::ssm::secret_setting(env, &ssm, "CCM_SESSION_KEY")
        .await?
        .context("CCM_SESSION_KEY or CCM_SESSION_KEY_PARAMETER is required")?;
    let previous = ccm_aws::ssm::secret_setting(env, &ssm, "CCM_SESSION_KEY_PREVIOUS").await?;
    let keys =
        ccm_auth::SessionKeys::new(key.expose(), previous.as_ref().map(|p| p.expose())).context("CCM_SESSION_KEY")?;
    let policy = AppState::policy_from_config(&config, true);
    let surveys = ccm_api::SurveySettings {
        links: Some(ccm_core::survey::SurveyKeys::from_secrets(key.expose(), previous.as_ref().map(|p| p.expose()))),
        typeform_secret: ccm_aws::ssm::secret_setting(env, &ssm, "TYPEFORM_WEBHOOK_SECRET").await?,
    };
    let state = AppState::new(store, index, Arc::new(config), keys, policy).with_surveys(surveys);
    lambda_http::run(ccm_api::router(state)).await
}
