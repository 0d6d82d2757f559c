//! SDK configurations for operator commands: the operator's own (profile, region, emulator
//! endpoint), and one per assumed role (a customer's SES or Identity Center role, the DNS role, an
//! organization's management role).

use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;

use super::error::AdminError;
use ccm_aws::sdk::endpoint_from_env;

/// The operator's configuration: `profile` and `region` when given, else the default chains. With an
/// emulator endpoint (`endpoint`, else `AWS_ENDPOINT_URL`) retries are off and the region falls
/// back to `us-east-1`, as in [`ccm_aws::sdk::load_base_config`].
///
/// A named profile behaves as in the AWS CLI: its credentials win over `AWS_ACCESS_KEY_ID` and the
/// rest of the environment, and a profile that does not exist (or gives no credentials) is an error
/// now, not on the first call.
pub async fn operator_config(
    profile: Option<&str>,
    region: Option<&str>,
    endpoint: Option<&str>,
) -> Result<SdkConfig, AdminError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile).credentials_provider(profile_credentials(profile).await?);
    }
    let emulator = endpoint_from_env(endpoint);
    let fallback = if emulator.is_some() { Some(Region::new("us-east-1")) } else { None };
    let chain = match region {
        Some(r) => RegionProviderChain::first_try(Region::new(r.to_owned())),
        None => RegionProviderChain::default_provider(),
    };
    loader = loader.region(match fallback {
        Some(f) => chain.or_else(f),
        None => chain,
    });
    if let Some(endpoint) = emulator {
        loader = loader.endpoint_url(endpoint).retry_config(RetryConfig::disabled());
    }
    Ok(loader.load().await)
}

/// The credentials of the named profile alone (the environment's are not consulted), tried once.
async fn profile_credentials(profile: &str) -> Result<ProfileFileCredentialsProvider, AdminError> {
    let provider = ProfileFileCredentialsProvider::builder().profile_name(profile).build();
    match provider.provide_credentials().await {
        Ok(_) => Ok(provider),
        Err(e) => {
            let detail = error_chain(&e);
            let why = if detail.contains("was not defined")
                || detail.contains("No profiles were defined")
                || matches!(e, CredentialsError::CredentialsNotLoaded(_))
            {
                "no such profile in the AWS config or credentials file (~/.aws/config, ~/.aws/credentials, or \
                 AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE)"
                    .to_owned()
            } else {
                format!("no credentials: {detail}")
            };
            Err(AdminError::new(format!("AWS profile {profile:?}"), why))
        }
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

pub use ccm_aws::assume_role::assume_role;

/// The account and ARN the configuration's credentials belong to (STS GetCallerIdentity): proves a
/// role can be assumed.
pub async fn caller_identity(cfg: &SdkConfig) -> Result<(String, String), AdminError> {
    let out = aws_sdk_sts::Client::new(cfg)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AdminError::from_sdk("STS GetCallerIdentity", e))?;
    Ok((out.account().unwrap_or_default().to_owned(), out.arn().unwrap_or_default().to_owned()))
}

/// `arn:aws:iam::<account>:role/<name>` for the same partition as `like`, or `aws`.
pub fn role_arn(account: &str, role_name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{}", role_name.trim_start_matches('/'))
}

/// Session names allow `[\w+=,.@-]`, at most 64 characters.
pub fn session_name(raw: &str) -> String {
    raw.chars().map(|c| if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) { c } else { '-' }).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_keep_only_allowed_characters() {
        assert_eq!(session_name("ccm-acme sync/1"), "ccm-acme-sync-1");
        assert_eq!(session_name(&"x".repeat(80)).len(), 64);
    }

    #[tokio::test]
    async fn an_assumed_role_configuration_targets_the_requested_region() {
        let base = ccm_aws::sdk::load_base_config(Some("http://127.0.0.1:9")).await;
        let cfg = assume_role(&base, "arn:aws:iam::111111111111:role/x", "s", "eu-west-1").await;
        assert_eq!(cfg.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(cfg.endpoint_url(), Some("http://127.0.0.1:9"));
    }
}
