//! Secrets from SSM Parameter Store (SecureString, decrypted), behind the `Secrets` port, and the
//! rule every binary uses for a secret setting: the variable itself, else the SSM parameter named by
//! `{VARIABLE}_PARAMETER`.

use async_trait::async_trait;
use aws_config::SdkConfig;
use ccm_core::ports::{Secret, Secrets, SecretsError};

pub struct SsmSecrets {
    client: aws_sdk_ssm::Client,
}

impl SsmSecrets {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self { client: aws_sdk_ssm::Client::new(sdk) }
    }
}

#[async_trait]
impl Secrets for SsmSecrets {
    async fn get(&self, name: &str) -> Result<Option<Secret>, SecretsError> {
        match self.client.get_parameter().name(name).with_decryption(true).send().await {
            Ok(out) => Ok(out.parameter.and_then(|p| p.value).map(Secret::new)),
            Err(e) => {
                let service = e.as_service_error();
                if service.is_some_and(|s| s.is_parameter_not_found()) {
                    return Ok(None);
                }
                // The message names the parameter, never its value.
                let code = service
                    .and_then(|s| aws_smithy_types::error::metadata::ProvideErrorMetadata::code(s))
                    .unwrap_or("unreachable");
                Err(SecretsError::Unavailable(format!("GetParameter {name}: {code}")))
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error("{var}_PARAMETER names {parameter}, which does not exist")]
    MissingParameter { var: String, parameter: String },
    #[error("{0}")]
    Secrets(#[from] SecretsError),
}

/// `var` from the environment, else the SSM parameter named by `{var}_PARAMETER`, else `None`.
pub async fn secret_setting(
    env: impl Fn(&str) -> Option<String>,
    secrets: &dyn Secrets,
    var: &str,
) -> Result<Option<Secret>, SettingError> {
    if let Some(v) = env(var).filter(|v| !v.is_empty()) {
        return Ok(Some(Secret::new(v)));
    }
    let Some(parameter) = env(&format!("{var}_PARAMETER")).filter(|p| !p.is_empty()) else { return Ok(None) };
    match secrets.get(&parameter).await? {
        Some(s) => Ok(Some(s)),
        None => Err(SettingError::MissingParameter { var: var.to_owned(), parameter }),
    }
}
