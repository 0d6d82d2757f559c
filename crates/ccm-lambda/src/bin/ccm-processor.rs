//! The `ccm-processor` Lambda: SQS batches of S3 trigger events in, partial batch responses out.
//! Environment: see `ccm_lambda::env` and docs/configuration.md.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use ccm_lambda::{Env, wiring};
use ccm_processor::Settings;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::new(|k: &str| std::env::var(k).ok());
    let common = env.common()?;
    let own = env.processor()?;
    wiring::init_logging(common.log_format);
    let sdk = ccm_aws::sdk::load_base_config(None).await;
    let config = wiring::app_config(&sdk, &common).await?;
    let bucket = wiring::bucket(&common, &config)?;
    let settings = Settings { own_principals: own.own_principals, send_concurrency: own.send_concurrency };
    let mut processor = wiring::processor(&sdk, config.clone(), &bucket, settings).await;
    let ssm = ccm_aws::ssm::SsmSecrets::new(&sdk);
    processor.surveys = ccm_lambda::surveys::processor_surveys(&env, &ssm, processor.store.clone(), &config).await?;
    processor.calendar = Some(wiring::calendar(&env, &ssm).await?);
    let processor = &processor;
    let requeue = &ccm_lambda::handoff::SqsRequeue { sqs: aws_sdk_sqs::Client::new(&sdk) };
    let margin = own.time_margin;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let budget = ccm_lambda::handoff::budget(event.context.deadline, std::time::SystemTime::now(), margin);
        Ok::<SqsBatchResponse, lambda_runtime::Error>(
            ccm_processor::handle_batch_within(processor, &event.payload, budget, requeue).await,
        )
    }))
    .await
}
