//! The processor wired to AWS: the S3 document store, per-customer SES through assumed roles, the
//! delivery ledger in the same bucket, and the survey provider. Used by the Lambda and by the
//! emulator tests.

use std::sync::Arc;

use aws_config::SdkConfig;
use ccm_aws::{CustomerClients, S3DocumentStore, S3Ledger, SesGateway, SesOptions};
use ccm_core::config::AppConfig;
use ccm_core::ports::{DocumentStore, Secrets, Surveys, SystemClock};
use ccm_core::survey::{BuiltinSurveys, SurveyKeys};

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

/// The survey provider the environment asks for (`CCM_SURVEYS`):
///
/// - `typeform`: Typeform, with `TYPEFORM_API_TOKEN` (or the SSM SecureString named by
///   `TYPEFORM_API_TOKEN_PARAMETER`), optionally `TYPEFORM_WORKSPACE_ID` and `TYPEFORM_API_URL`
///   (`https://api.eu.typeform.com` for EU accounts);
/// - `builtin`: ccm's own survey page, with links signed under `CCM_SESSION_KEY` (or
///   `CCM_SESSION_KEY_PARAMETER`; the API verifies them with the same key);
/// - `off`: no surveys.
///
/// Unset: Typeform when its token is configured, else the built-in page when the session key is,
/// else none (logged).
pub async fn surveys_from_env(
    env: impl Fn(&str) -> Option<String>,
    secrets: &dyn Secrets,
    store: Arc<dyn DocumentStore>,
    config: &AppConfig,
) -> anyhow::Result<Option<Arc<dyn Surveys>>> {
    use anyhow::Context;
    use ccm_aws::ssm::secret_setting;
    let choice = env("CCM_SURVEYS").map(|c| c.trim().to_ascii_lowercase()).filter(|c| !c.is_empty());
    let token = match choice.as_deref() {
        None | Some("typeform") => secret_setting(&env, secrets, "TYPEFORM_API_TOKEN").await?,
        _ => None,
    };
    match (choice.as_deref(), token) {
        (Some("off"), _) => Ok(None),
        (Some("typeform"), None) => {
            anyhow::bail!("CCM_SURVEYS=typeform needs TYPEFORM_API_TOKEN or TYPEFORM_API_TOKEN_PARAMETER")
        }
        (None | Some("typeform"), Some(token)) => {
            let mut settings = ccm_typeform::Settings::new(token);
            if let Some(url) = env("TYPEFORM_API_URL").filter(|u| !u.is_empty()) {
                settings.api_base = url;
            }
            settings.workspace = env("TYPEFORM_WORKSPACE_ID").filter(|w| !w.is_empty());
            let adapter = ccm_typeform::TypeformSurveys::new(&settings, store).context("the Typeform client")?;
            tracing::info!("surveys: Typeform");
            Ok(Some(Arc::new(adapter)))
        }
        (None | Some("builtin"), None) => {
            let key = secret_setting(&env, secrets, "CCM_SESSION_KEY").await?;
            let previous = secret_setting(&env, secrets, "CCM_SESSION_KEY_PREVIOUS").await?;
            match key {
                Some(key) => {
                    let keys = SurveyKeys::from_secrets(key.expose(), previous.as_ref().map(|p| p.expose()));
                    tracing::info!("surveys: the built-in survey page");
                    Ok(Some(Arc::new(BuiltinSurveys::new(keys, &config.email_config.portal_base_url))))
                }
                None if choice.is_some() => {
                    anyhow::bail!("CCM_SURVEYS=builtin needs CCM_SESSION_KEY or CCM_SESSION_KEY_PARAMETER")
                }
                None => {
                    tracing::warn!("surveys: off (neither TYPEFORM_API_TOKEN nor CCM_SESSION_KEY is configured)");
                    Ok(None)
                }
            }
        }
        (Some(other), _) => anyhow::bail!("CCM_SURVEYS must be typeform, builtin or off, not {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_trait::async_trait;
    use ccm_core::ports::{Secret, SecretsError};

    use super::*;

    struct NoSsm;
    #[async_trait]
    impl Secrets for NoSsm {
        async fn get(&self, _name: &str) -> Result<Option<Secret>, SecretsError> {
            Ok(None)
        }
    }

    async fn choose(vars: &[(&str, &str)]) -> anyhow::Result<Option<Arc<dyn Surveys>>> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let config = AppConfig::from_json(include_str!("../../../config.json"))?;
        let store: Arc<dyn DocumentStore> = Arc::new(ccm_testkit::MemoryStore::new());
        surveys_from_env(|k| vars.get(k).cloned(), &NoSsm, store, &config).await
    }

    #[tokio::test]
    async fn the_environment_chooses_the_survey_provider() {
        let key = "k".repeat(48);
        assert!(choose(&[]).await.unwrap().is_none(), "nothing configured: no surveys");
        assert!(choose(&[("CCM_SESSION_KEY", &key)]).await.unwrap().is_some(), "the built-in page by default");
        assert!(choose(&[("TYPEFORM_API_TOKEN", "tfp_x"), ("CCM_SESSION_KEY", &key)]).await.unwrap().is_some());
        assert!(choose(&[("CCM_SURVEYS", "off"), ("TYPEFORM_API_TOKEN", "tfp_x")]).await.unwrap().is_none());
        let missing = choose(&[("CCM_SURVEYS", "typeform")]).await.err().unwrap().to_string();
        assert!(missing.contains("TYPEFORM_API_TOKEN"), "{missing}");
        let bad = choose(&[("CCM_SURVEYS", "google")]).await.err().unwrap().to_string();
        assert!(bad.contains("typeform, builtin or off"), "{bad}");
        assert!(choose(&[("CCM_SURVEYS", "builtin")]).await.is_err(), "builtin without a key");
    }
}
