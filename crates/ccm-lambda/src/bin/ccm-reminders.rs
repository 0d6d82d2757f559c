//! The `ccm-reminders` Lambda: an EventBridge schedule (every 5 minutes) runs one reminder sweep
//! over the shared index; each due reminder is handed to its customer's processor queue as a
//! reminder trigger (docs/adr/0014-reminders.md). Environment: see `ccm_lambda::env` and
//! docs/configuration.md (the common variables only).

use std::sync::Arc;

use anyhow::Context;
use ccm_core::ports::SystemClock;
use ccm_lambda::{Env, wiring};
use ccm_processor::Sweep;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::new(|k: &str| std::env::var(k).ok());
    let common = env.common()?;
    wiring::init_logging(common.log_format);
    let sdk = ccm_aws::sdk::load_base_config(None).await;
    let config = wiring::app_config(&sdk, &common).await?;
    let store = wiring::store(&sdk, &wiring::bucket(&common, &config)?);
    let table = common.index_table.clone().context("CCM_INDEX_TABLE is required")?;
    let index = ccm_aws::index::open(aws_sdk_dynamodb::Client::new(&sdk), &table, store.clone()).await?;
    let sweep = Sweep { store, index: Arc::new(index), config, clock: Arc::new(SystemClock) };
    let sweep = &sweep;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| async move {
        ccm_lambda::reminders::handle(sweep).await
    }))
    .await
}
