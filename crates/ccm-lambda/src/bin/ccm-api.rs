//! The `ccm-api` Lambda: the API router under lambda_http (a Function URL behind CloudFront).
//! Environment: see `ccm_lambda::env` and docs/configuration.md.

use ccm_api::AppState;
use ccm_lambda::{Env, wiring};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::new(|k: &str| std::env::var(k).ok());
    let common = env.common()?;
    wiring::init_logging(common.log_format);
    let sdk = ccm_aws::sdk::load_base_config(None).await;
    let config = wiring::app_config(&sdk, &common).await?;
    let bucket = wiring::bucket(&common, &config)?;
    let store = wiring::store(&sdk, &bucket);
    let index = wiring::index(&sdk, store.clone(), &common).await?;
    let (keys, key, previous) = wiring::session_keys(&env, &sdk).await?;
    let ssm = ccm_aws::ssm::SsmSecrets::new(&sdk);
    let surveys = ccm_lambda::surveys::api_settings(&env, &ssm, &key, previous.as_deref()).await?;
    let policy = AppState::policy_from_config(&config, true);
    let mut state = AppState::new(store, index, config, keys, policy).with_surveys(surveys);
    // Attachment bytes go straight to S3 (presigned URLs), never through this function.
    state.app.uploads = wiring::uploads(&sdk, &bucket);
    lambda_http::run(ccm_api::router(state).layer(axum::middleware::map_request(wiring::lambda_request_id))).await
}
