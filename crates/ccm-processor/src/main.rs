//! The `ccm-processor` Lambda: SQS batches of S3 trigger events in, a partial batch response out
//! (only the failed message ids, so SQS redelivers just those and, after maxReceiveCount, moves
//! them to the dead-letter queue). Wiring only; everything else is the library.
//!
//! Environment: `CCM_CONFIG_FILE` (default `config.json`), `S3_BUCKET` (else config's
//! `s3_config.bucket_name`), `CCM_OWN_PRINCIPALS` (comma-separated principal substrings whose S3
//! writes are ignored), `CCM_SEND_CONCURRENCY` (default 8); meetings: `CCM_GRAPH_TENANT_ID`,
//! `CCM_GRAPH_CLIENT_ID`, `CCM_GRAPH_CLIENT_SECRET_PARAMETER` (without them, ICS invitations).

use std::sync::Arc;

use anyhow::Context;
use ccm_processor::{BatchResponse, Settings, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let path = std::env::var("CCM_CONFIG_FILE").unwrap_or_else(|_| "config.json".into());
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let config = ccm_core::config::AppConfig::from_json(&text).map_err(|e| anyhow::anyhow!("{path}:\n{e}"))?;
    let bucket = std::env::var("S3_BUCKET")
        .ok()
        .or_else(|| config.s3_config.as_ref().map(|s| s.bucket_name.clone()))
        .context("S3_BUCKET or s3_config.bucket_name is required")?;
    let settings = Settings {
        own_principals: std::env::var("CCM_OWN_PRINCIPALS")
            .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default(),
        send_concurrency: std::env::var("CCM_SEND_CONCURRENCY").ok().and_then(|v| v.parse().ok()).unwrap_or(8),
    };
    let sdk = ccm_aws::sdk::load_base_config(None).await;
    let mut processor = ccm_processor::aws::processor(&sdk, Arc::new(config), &bucket, settings).await;
    processor.calendar = Some(ccm_processor::aws::calendar_from_env(&sdk, |k| std::env::var(k).ok()).await?);
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<BatchResponse, lambda_runtime::Error>(ccm_processor::handle_batch(processor, &event.payload).await)
    }))
    .await
}
