//! Building what a function runs from its environment, once per cold start.

use std::sync::Arc;

use anyhow::Context;
use aws_config::SdkConfig;
use ccm_auth::SessionKeys;
use ccm_aws::ssm::{SsmSecrets, secret_setting};
use ccm_core::config::{AppConfig, SesConfig};
use ccm_core::ports::{DocumentStore, ObjectIndex};

use crate::env::{Common, Env, LogFormat, Source};

/// Logs as JSON lines (CloudWatch) or text, filtered by `RUST_LOG` (default `info`), no colours.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_target(false);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

/// The text of a configuration file, from the package or from S3.
pub async fn read_source(sdk: &SdkConfig, source: &Source) -> anyhow::Result<String> {
    Ok(source.read(sdk).await?)
}

/// config.json, validated (every problem named by field).
pub async fn app_config(sdk: &SdkConfig, common: &Common) -> anyhow::Result<Arc<AppConfig>> {
    let text = read_source(sdk, &common.config).await?;
    let config = AppConfig::from_json(&text).map_err(|e| anyhow::anyhow!("{}:\n{e}", common.config))?;
    Ok(Arc::new(config))
}

/// SESConfig.json, validated.
pub async fn ses_config(sdk: &SdkConfig, common: &Common) -> anyhow::Result<SesConfig> {
    let text = read_source(sdk, &common.ses_config).await?;
    SesConfig::from_json(&text).map_err(|e| anyhow::anyhow!("{}:\n{e}", common.ses_config))
}

/// The metadata bucket: `CCM_BUCKET`, else config's `s3_config.bucket_name`.
pub fn bucket(common: &Common, config: &AppConfig) -> anyhow::Result<String> {
    common
        .bucket
        .clone()
        .or_else(|| config.s3_config.as_ref().map(|s| s.bucket_name.clone()))
        .context("CCM_BUCKET (or config.json's s3_config.bucket_name) is required")
}

/// The S3 document store of `bucket`.
pub fn store(sdk: &SdkConfig, bucket: &str) -> Arc<dyn DocumentStore> {
    Arc::new(ccm_aws::S3DocumentStore::new(ccm_aws::sdk::s3_client(sdk, sdk.endpoint_url().is_some()), bucket))
}

/// Presigned S3 uploads and downloads of attachments in `bucket`.
pub fn uploads(sdk: &SdkConfig, bucket: &str) -> Arc<dyn ccm_core::ports::UploadSigner> {
    let client = ccm_aws::sdk::s3_client(sdk, sdk.endpoint_url().is_some());
    Arc::new(ccm_aws::S3Uploads::new(client, bucket))
}

/// The session keys: `CCM_SESSION_KEY` (else the SSM SecureString named by
/// `CCM_SESSION_KEY_PARAMETER`) and, while rotating, `CCM_SESSION_KEY_PREVIOUS` the same way.
/// Returns the keys and the raw secrets (the SAML request-state keys derive from them).
pub async fn session_keys<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    sdk: &SdkConfig,
) -> anyhow::Result<(SessionKeys, String, Option<String>)> {
    let ssm = SsmSecrets::new(sdk);
    let lookup = |k: &str| env.raw(k);
    let key = secret_setting(lookup, &ssm, "CCM_SESSION_KEY")
        .await?
        .context("CCM_SESSION_KEY or CCM_SESSION_KEY_PARAMETER is required")?;
    let previous = secret_setting(lookup, &ssm, "CCM_SESSION_KEY_PREVIOUS").await?;
    let previous = previous.map(|p| p.expose().to_owned());
    let keys = SessionKeys::new(key.expose(), previous.as_deref()).context("CCM_SESSION_KEY")?;
    Ok((keys, key.expose().to_owned(), previous))
}

/// The index the API lists from: the shared index of `CCM_INDEX_TABLE` (its snapshot in the bucket,
/// then its feed). Without a table (a small test deployment) each instance rebuilds an in-memory
/// index from the bucket at its cold start, and says so.
pub async fn index(
    sdk: &SdkConfig,
    store: Arc<dyn DocumentStore>,
    common: &Common,
) -> anyhow::Result<Arc<dyn ObjectIndex>> {
    match &common.index_table {
        Some(table) => {
            let client = aws_sdk_dynamodb::Client::new(sdk);
            let index = ccm_aws::index::open(client, table, store).await.context("opening the shared index")?;
            tracing::info!(table = %table, objects = index.len(), "shared index opened");
            Ok(Arc::new(index))
        }
        None => {
            tracing::warn!(
                "CCM_INDEX_TABLE is not set: this instance indexes the bucket on its own (one GET per object)"
            );
            Ok(Arc::new(ccm_embedded::MemoryIndex::rebuild_from(&*store).await.context("building the index")?))
        }
    }
}

/// The processor wired to AWS: the S3 document store, per-customer SES through assumed roles, and
/// the delivery ledger in the same bucket.
pub async fn processor(
    sdk: &SdkConfig,
    config: Arc<AppConfig>,
    bucket: &str,
    settings: ccm_processor::Settings,
) -> ccm_processor::Processor {
    let store = store(sdk, bucket);
    let clients = Arc::new(ccm_aws::CustomerClients::from_app_config(sdk, &config).await);
    let ses = Arc::new(ccm_aws::SesGateway::new(clients, ccm_aws::SesOptions::default()));
    ccm_processor::Processor {
        store: store.clone(),
        contacts: ses.clone(),
        mailer: ses,
        ledger: Arc::new(ccm_aws::StoreLedger::new(store)),
        calendar: None,
        // Set from the environment by the binary (`crate::surveys::processor_surveys`).
        surveys: None,
        config,
        clock: Arc::new(ccm_core::ports::SystemClock),
        settings,
    }
}

/// The processor's calendar: Microsoft Graph when `CCM_GRAPH_TENANT_ID` is set (Teams meetings in
/// `email_config.meeting_organizer`'s calendar; the client secret from `CCM_GRAPH_CLIENT_SECRET` or
/// the SSM SecureString named by `CCM_GRAPH_CLIENT_SECRET_PARAMETER`), else ICS invitations mailed
/// through each customer's SES.
pub async fn calendar<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    secrets: &dyn ccm_core::ports::Secrets,
) -> anyhow::Result<Arc<dyn ccm_core::ports::Calendar>> {
    let Some(graph) = env.graph()? else {
        tracing::info!("meetings: ICS invitations by mail (no CCM_GRAPH_TENANT_ID)");
        return Ok(Arc::new(ccm_processor::IcsCalendar::default()));
    };
    let secret = secret_setting(|k: &str| env.raw(k), secrets, ccm_graph::settings::ENV_CLIENT_SECRET).await?.context(
        "CCM_GRAPH_TENANT_ID is set: CCM_GRAPH_CLIENT_SECRET_PARAMETER (or CCM_GRAPH_CLIENT_SECRET) is required",
    )?;
    let mut settings = ccm_graph::GraphSettings::new(graph.tenant_id, graph.client_id, secret);
    if let Some(url) = graph.graph_url {
        settings.graph_url = url.trim_end_matches('/').to_owned();
    }
    if let Some(url) = graph.login_url {
        settings.login_url = url.trim_end_matches('/').to_owned();
    }
    tracing::info!(tenant = %settings.tenant_id, "meetings: Teams meetings through Microsoft Graph");
    Ok(Arc::new(ccm_graph::GraphCalendar::new(settings).context("the Graph client")?))
}

/// Gives the API's request span the Lambda request id (the one in the function's own log lines and
/// in CloudWatch's REPORT line), in place of any `x-request-id` a client sent.
pub async fn lambda_request_id(mut req: axum::extract::Request) -> axum::extract::Request {
    use lambda_http::RequestExt;
    let id = req.lambda_context_ref().map(|c| c.request_id.clone());
    if let Some(value) = id.and_then(|id| axum::http::HeaderValue::from_str(&id).ok()) {
        req.headers_mut().insert(ccm_api::trace::REQUEST_ID_HEADER, value);
    }
    req
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_trait::async_trait;
    use ccm_core::model::MeetingProvider;
    use ccm_core::ports::{Calendar, Secret, Secrets, SecretsError};

    use super::*;

    /// SSM with the deploy's Graph secret.
    struct Ssm;
    #[async_trait]
    impl Secrets for Ssm {
        async fn get(&self, name: &str) -> Result<Option<Secret>, SecretsError> {
            Ok((name == "/ccm/stack/graph-client-secret").then(|| Secret::new("graph-secret")))
        }
    }

    async fn choose(vars: &[(&str, &str)]) -> anyhow::Result<Arc<dyn Calendar>> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        calendar(&Env::new(move |k: &str| vars.get(k).cloned()), &Ssm).await
    }

    #[tokio::test]
    async fn the_processor_uses_graph_when_its_tenant_is_set_and_ics_by_mail_otherwise() {
        let parameter = ("CCM_GRAPH_CLIENT_SECRET_PARAMETER", "/ccm/stack/graph-client-secret");
        // The template always names the parameter; without a tenant Graph stays off and SSM is not read.
        assert_eq!(choose(&[parameter]).await.unwrap().provider(), MeetingProvider::Ics);
        let graph = [("CCM_GRAPH_TENANT_ID", "tenant"), ("CCM_GRAPH_CLIENT_ID", "client"), parameter];
        assert_eq!(choose(&graph).await.unwrap().provider(), MeetingProvider::Graph);
        let no_secret = choose(&graph[..2]).await.err().unwrap().to_string();
        assert!(no_secret.contains("CCM_GRAPH_CLIENT_SECRET_PARAMETER"), "{no_secret}");
        let gone = [graph[0], graph[1], ("CCM_GRAPH_CLIENT_SECRET_PARAMETER", "/ccm/stack/nope")];
        let gone = choose(&gone).await.err().unwrap().to_string();
        assert!(gone.contains("/ccm/stack/nope"), "{gone}");
        let no_client = choose(&[graph[0], parameter]).await.err().unwrap().to_string();
        assert!(no_client.contains("CCM_GRAPH_CLIENT_ID"), "{no_client}");
    }
}
