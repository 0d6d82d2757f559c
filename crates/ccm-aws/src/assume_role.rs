//! Assuming a role, the one way the project does it: the processor's per-customer SES clients and
//! the operator's commands both build their configurations here. Credentials are assumed lazily and
//! refreshed before they expire; when STS refuses, every call fails with an error that names
//! AssumeRole and the role ([`AssumeRoleRefused`]), not the call that needed the credentials.

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_types::error::ErrorMetadata;

use crate::customer_clients::with_time_source;

/// Assumed-role credentials are refreshed this long before they expire (long runs outlive them).
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// The external id the customer roles require (`CCM_ROLE_EXTERNAL_ID`; infra/customer-role.yaml
/// trusts the processor's and the operator's roles only with it), read once.
pub fn external_id() -> Option<&'static str> {
    static ID: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    ID.get_or_init(|| std::env::var("CCM_ROLE_EXTERNAL_ID").ok().filter(|v| !v.trim().is_empty())).as_deref()
}

/// `base` with credentials of `role_arn` (assumed lazily, refreshed before expiry, with the
/// deployment's [`external_id`]) in `region`. When STS refuses, calls fail with an error naming
/// AssumeRole and the role ([`AssumeRoleRefused`]).
pub async fn assume_role(base: &SdkConfig, role_arn: &str, session_name: &str, region: &str) -> SdkConfig {
    let base = with_time_source(base);
    let region = Region::new(region.to_owned());
    let mut builder = AssumeRoleProvider::builder(role_arn).session_name(session_name).region(region.clone());
    if let Some(id) = external_id() {
        builder = builder.external_id(id);
    }
    let provider = builder.configure(&base).build().await;
    let named = NamedAssumeRole { inner: provider, role_arn: role_arn.to_owned() };
    base.to_builder()
        .region(region)
        .credentials_provider(SharedCredentialsProvider::new(named))
        .identity_cache(IdentityCache::lazy().buffer_time(REFRESH_BEFORE_EXPIRY).build())
        .build()
}

/// An assumed-role credentials provider whose failures say which role STS refused.
#[derive(Debug)]
struct NamedAssumeRole {
    inner: AssumeRoleProvider,
    role_arn: String,
}

impl ProvideCredentials for NamedAssumeRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.inner
                .provide_credentials()
                .await
                .map_err(|e| CredentialsError::provider_error(AssumeRoleRefused::new(&self.role_arn, &e)))
        })
    }
}

/// STS refused (or failed) to give credentials for a role: what the assumed-role credentials
/// provider reports (see [`assume_role`]), so errors name AssumeRole and the role.
#[derive(Debug, Clone, thiserror::Error)]
#[error("STS AssumeRole of {role_arn} failed: {reason}")]
pub struct AssumeRoleRefused {
    pub role_arn: String,
    pub code: Option<String>,
    pub reason: String,
}

impl AssumeRoleRefused {
    /// From the credentials provider's error: the service's code and message when STS answered.
    pub fn new(role_arn: &str, err: &(dyn StdError + 'static)) -> Self {
        let meta = find_in_chain::<ErrorMetadata>(err);
        let code = meta.and_then(|m| m.code()).map(str::to_owned);
        let reason = match meta {
            Some(m) => format!("{}: {}", m.code().unwrap_or("error"), m.message().unwrap_or("no message")),
            None => causes(Some(err)).trim_start_matches(": ").to_owned(),
        };
        Self { role_arn: role_arn.to_owned(), code, reason }
    }
}

/// The causes of an error, joined (the service's code and message when one answered).
pub fn causes(first: Option<&(dyn StdError + 'static)>) -> String {
    let mut out = String::new();
    let mut next = first;
    while let Some(current) = next {
        if let Some(meta) = current.downcast_ref::<ErrorMetadata>() {
            out.push_str(&format!(": {}: {}", meta.code().unwrap_or("error"), meta.message().unwrap_or("no message")));
            break;
        }
        let text = current.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = current.source();
    }
    out
}

/// The first error of type `T` in `err`'s chain of sources.
pub fn find_in_chain<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next = Some(err);
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<T>() {
            return Some(found);
        }
        next = current.source();
    }
    None
}
