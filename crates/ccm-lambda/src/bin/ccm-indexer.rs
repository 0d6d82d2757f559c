//! The `ccm-indexer` Lambda: S3 events of objects (through the index queue) keep the shared index in
//! step with the bucket. Environment: see `ccm_lambda::env` and docs/configuration.md.

use anyhow::Context;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use ccm_aws::index::IndexTable;
use ccm_lambda::indexer::Indexer;
use ccm_lambda::{Env, wiring};
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
    let indexer = Indexer::new(&*store, IndexTable::new(aws_sdk_dynamodb::Client::new(&sdk), table));
    let indexer = &indexer;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, lambda_runtime::Error>(indexer.handle(&event.payload).await)
    }))
    .await
}
