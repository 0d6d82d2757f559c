//! Surveys in the Lambda functions: which provider the processor uses, and what the API needs to
//! accept answers (the built-in links' key, Typeform's webhook secret). Secrets come from the
//! variable itself or the SSM SecureString named by `{VARIABLE}_PARAMETER`.

use std::sync::Arc;

use anyhow::Context;
use ccm_api::SurveySettings;
use ccm_aws::ssm::secret_setting;
use ccm_core::config::AppConfig;
use ccm_core::ports::{DocumentStore, Secrets, Surveys};
use ccm_core::survey::{BuiltinSurveys, SurveyKeys};

use crate::env::{Env, SurveyChoice};

/// The survey provider of the processor (see [`crate::env::SurveysEnv`]):
///
/// - Typeform, with `TYPEFORM_API_TOKEN` (or `TYPEFORM_API_TOKEN_PARAMETER`);
/// - the built-in page, its links signed under `CCM_SESSION_KEY` (or `…_PARAMETER`; the API
///   verifies them with the same key), linking to `email_config.portal_base_url`;
/// - none.
pub async fn processor_surveys<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    secrets: &dyn Secrets,
    store: Arc<dyn DocumentStore>,
    config: &AppConfig,
) -> anyhow::Result<Option<Arc<dyn Surveys>>> {
    let wanted = env.surveys()?;
    let lookup = |k: &str| env.raw(k);
    let token = match wanted.choice {
        None | Some(SurveyChoice::Typeform) => secret_setting(lookup, secrets, "TYPEFORM_API_TOKEN").await?,
        _ => None,
    };
    match (wanted.choice, token) {
        (Some(SurveyChoice::Off), _) => Ok(None),
        (Some(SurveyChoice::Typeform), None) => {
            anyhow::bail!("CCM_SURVEYS=typeform needs TYPEFORM_API_TOKEN or TYPEFORM_API_TOKEN_PARAMETER")
        }
        (None | Some(SurveyChoice::Typeform), Some(token)) => {
            let mut settings = ccm_typeform::Settings::new(token);
            if let Some(url) = wanted.typeform_api_url {
                settings.api_base = url;
            }
            settings.workspace = wanted.typeform_workspace;
            let adapter = ccm_typeform::TypeformSurveys::new(&settings, store).context("the Typeform client")?;
            tracing::info!("surveys: Typeform");
            Ok(Some(Arc::new(adapter)))
        }
        (None | Some(SurveyChoice::Builtin), None) => {
            let key = secret_setting(lookup, secrets, "CCM_SESSION_KEY").await?;
            let previous = secret_setting(lookup, secrets, "CCM_SESSION_KEY_PREVIOUS").await?;
            match key {
                Some(key) => {
                    let keys = SurveyKeys::from_secrets(key.expose(), previous.as_ref().map(|p| p.expose()));
                    tracing::info!("surveys: the built-in survey page");
                    Ok(Some(Arc::new(BuiltinSurveys::new(keys, &config.email_config.portal_base_url))))
                }
                None if wanted.choice.is_some() => {
                    anyhow::bail!("CCM_SURVEYS=builtin needs CCM_SESSION_KEY or CCM_SESSION_KEY_PARAMETER")
                }
                None => {
                    tracing::warn!("surveys: off (neither TYPEFORM_API_TOKEN nor CCM_SESSION_KEY is configured)");
                    Ok(None)
                }
            }
        }
        (Some(SurveyChoice::Builtin), Some(_)) => unreachable!("the token is only read for Typeform"),
    }
}

/// What the API needs for surveys: the built-in links' key (derived from the session secrets it
/// already holds) and Typeform's webhook secret (`TYPEFORM_WEBHOOK_SECRET` or `…_PARAMETER`).
pub async fn api_settings<F: Fn(&str) -> Option<String>>(
    env: &Env<F>,
    secrets: &dyn Secrets,
    session_key: &str,
    previous: Option<&str>,
) -> anyhow::Result<SurveySettings> {
    let lookup = |k: &str| env.raw(k);
    Ok(SurveySettings {
        links: Some(SurveyKeys::from_secrets(session_key, previous)),
        typeform_secret: secret_setting(lookup, secrets, "TYPEFORM_WEBHOOK_SECRET").await?,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_trait::async_trait;
    use ccm_core::ports::{Secret, SecretsError};

    use super::*;

    /// SSM with one parameter.
    struct Ssm;
    #[async_trait]
    impl Secrets for Ssm {
        async fn get(&self, name: &str) -> Result<Option<Secret>, SecretsError> {
            Ok((name == "/ccm/typeform-token").then(|| Secret::new("tfp_from_ssm")))
        }
    }

    async fn choose(vars: &[(&str, &str)]) -> anyhow::Result<Option<Arc<dyn Surveys>>> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let env = Env::new(move |k: &str| vars.get(k).cloned());
        let config = AppConfig::from_json(include_str!("../../../config.json"))?;
        let store: Arc<dyn DocumentStore> = Arc::new(ccm_testkit::MemoryStore::new());
        processor_surveys(&env, &Ssm, store, &config).await
    }

    #[tokio::test]
    async fn the_environment_chooses_the_survey_provider() {
        let key = "k".repeat(48);
        assert!(choose(&[]).await.unwrap().is_none(), "nothing configured: no surveys");
        assert!(choose(&[("CCM_SESSION_KEY", &key)]).await.unwrap().is_some(), "the built-in page");
        assert!(choose(&[("TYPEFORM_API_TOKEN_PARAMETER", "/ccm/typeform-token")]).await.unwrap().is_some());
        assert!(choose(&[("CCM_SURVEYS", "off"), ("TYPEFORM_API_TOKEN", "tfp_x")]).await.unwrap().is_none());
        let missing = choose(&[("CCM_SURVEYS", "typeform")]).await.err().unwrap().to_string();
        assert!(missing.contains("TYPEFORM_API_TOKEN"), "{missing}");
        let gone = choose(&[("TYPEFORM_API_TOKEN_PARAMETER", "/nope")]).await.err().unwrap().to_string();
        assert!(gone.contains("/nope"), "{gone}");
        let bad = choose(&[("CCM_SURVEYS", "google")]).await.err().unwrap().to_string();
        assert!(bad.contains("CCM_SURVEYS"), "{bad}");
        assert!(choose(&[("CCM_SURVEYS", "builtin")]).await.is_err(), "builtin without a key");
        assert!(choose(&[("TYPEFORM_API_URL", "ftp://x")]).await.is_err());
    }
}
