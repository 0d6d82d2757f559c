//! The processor wired to AWS: the S3 document store, per-customer SES through assumed roles, and the
//! delivery ledger in the same bucket. Used by the Lambda and by the emulator tests. The calendar is
//! chosen by [`calendar_from_env`]: Microsoft Graph when `CCM_GRAPH_TENANT_ID` is set, else ICS
//! invitations by mail.

use std::sync::Arc;

use aws_config::SdkConfig;
use ccm_aws::{CustomerClients, S3DocumentStore, S3Ledger, SesGateway, SesOptions};
use ccm_core::config::AppConfig;
use ccm_core::ports::{Calendar, DocumentStore, SystemClock};

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
        config,
        clock: Arc::new(SystemClock),
        settings,
    }
}

/// Microsoft Graph when `CCM_GRAPH_TENANT_ID` is set (client id from `CCM_GRAPH_CLIENT_ID`, the
/// secret from the SSM parameter `CCM_GRAPH_CLIENT_SECRET_PARAMETER`), else ICS invitations by mail.
pub async fn calendar_from_env(
    sdk: &SdkConfig,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Arc<dyn Calendar>> {
    use anyhow::Context as _;
    if !ccm_graph::GraphSettings::configured(&env) {
        tracing::info!("no Microsoft Graph configured (CCM_GRAPH_TENANT_ID): meetings are mailed as ICS invitations");
        return Ok(Arc::new(crate::IcsCalendar::default()));
    }
    let secrets = ccm_aws::ssm::SsmSecrets::new(sdk);
    let secret = ccm_aws::ssm::secret_setting(&env, &secrets, ccm_graph::settings::ENV_CLIENT_SECRET)
        .await
        .context("reading the Graph client secret")?;
    let settings = ccm_graph::GraphSettings::from_env(&env, secret)?.context("Graph settings")?;
    tracing::info!(tenant = %settings.tenant_id, "meetings are Teams meetings through Microsoft Graph");
    Ok(Arc::new(ccm_graph::GraphCalendar::new(settings)?))
}
