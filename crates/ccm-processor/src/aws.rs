//! The processor wired to AWS: the S3 document store, per-customer SES through assumed roles, and the
//! delivery ledger in the same bucket. Used by the Lambda and by the emulator tests.

use std::sync::Arc;

use aws_config::SdkConfig;
use ccm_aws::{CustomerClients, S3DocumentStore, S3Ledger, SesGateway, SesOptions};
use ccm_core::config::AppConfig;
use ccm_core::ports::{DocumentStore, SystemClock};

use crate::processor::{Processor, Settings};

pub async fn processor(sdk: &SdkConfig, config: Arc<AppConfig>, bucket: &str, settings: Settings) -> Processor {
    let s3 = ccm_aws::sdk::s3_client(sdk, sdk.endpoint_url().is_some());
    let store: Arc<dyn DocumentStore> = Arc::new(S3DocumentStore::new(s3, bucket));
    let clients = Arc::new(CustomerClients::from_app_config(sdk, &config).await);
    let ses = Arc::new(SesGateway::new(clients, SesOptions::default()));
    Processor {
        store: store.clone(),
        contacts: ses.clone(),
        mailer: ses,
        ledger: Arc::new(S3Ledger::new(store)),
        calendar: None,
        surveys: None,
        config,
        clock: Arc::new(SystemClock),
        settings,
    }
}
