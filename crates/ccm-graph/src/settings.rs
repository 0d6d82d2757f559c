//! Where Graph is and how ccm signs in to it: an Azure AD (Entra ID) application with the
//! `Calendars.ReadWrite` application permission, using the client-credentials flow.
//!
//! From the environment (the processor Lambda, `ccm serve`, `ccm meeting`):
//!
//! | variable | what |
//! |---|---|
//! | `CCM_GRAPH_TENANT_ID` | the directory (tenant) id; Graph is used only when it is set |
//! | `CCM_GRAPH_CLIENT_ID` | the application (client) id |
//! | `CCM_GRAPH_CLIENT_SECRET_PARAMETER` | the SSM SecureString parameter holding the client secret (or `CCM_GRAPH_CLIENT_SECRET` itself, for local runs) |
//! | `CCM_GRAPH_URL`, `CCM_GRAPH_LOGIN_URL` | other endpoints (national clouds, test stubs) |
//!
//! The secret is read by the caller through the `Secrets` port (`ccm_aws::ssm::secret_setting`), so
//! this crate needs no AWS SDK.

use std::time::Duration;

use ccm_core::ports::Secret;

pub const ENV_TENANT_ID: &str = "CCM_GRAPH_TENANT_ID";
pub const ENV_CLIENT_ID: &str = "CCM_GRAPH_CLIENT_ID";
/// The secret setting: `CCM_GRAPH_CLIENT_SECRET`, else the SSM parameter named by `…_PARAMETER`.
pub const ENV_CLIENT_SECRET: &str = "CCM_GRAPH_CLIENT_SECRET";
pub const ENV_GRAPH_URL: &str = "CCM_GRAPH_URL";
pub const ENV_LOGIN_URL: &str = "CCM_GRAPH_LOGIN_URL";

pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
pub const DEFAULT_LOGIN_URL: &str = "https://login.microsoftonline.com";

/// How ccm reaches Graph.
#[derive(Debug, Clone)]
pub struct GraphSettings {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// `https://graph.microsoft.com/v1.0`, without a trailing `/`.
    pub graph_url: String,
    /// `https://login.microsoftonline.com`, without a trailing `/`.
    pub login_url: String,
    /// Per request (Graph and the token endpoint).
    pub timeout: Duration,
    /// Attempts per call (the first included) on 429, 5xx, timeouts and network errors.
    pub attempts: u32,
    /// The first back-off; it doubles per attempt (a `Retry-After` from Graph wins).
    pub backoff: Duration,
    /// The longest wait between attempts, `Retry-After` included.
    pub max_backoff: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{0} is set but {1} is not: Graph needs both")]
    Incomplete(&'static str, &'static str),
    #[error("{ENV_TENANT_ID} is set but no client secret: set {ENV_CLIENT_SECRET}_PARAMETER to its SSM parameter")]
    NoSecret,
    #[error("{var} is not an http(s) URL: {value:?}")]
    BadUrl { var: &'static str, value: String },
}

impl GraphSettings {
    /// Graph's public cloud with the default timeout (30 s) and retries (4 attempts from 1 s).
    pub fn new(tenant_id: impl Into<String>, client_id: impl Into<String>, client_secret: Secret) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret,
            graph_url: DEFAULT_GRAPH_URL.into(),
            login_url: DEFAULT_LOGIN_URL.into(),
            timeout: Duration::from_secs(30),
            attempts: 4,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }

    /// Is Graph configured in this environment (`CCM_GRAPH_TENANT_ID` set)?
    pub fn configured(env: impl Fn(&str) -> Option<String>) -> bool {
        env(ENV_TENANT_ID).is_some_and(|v| !v.trim().is_empty())
    }

    /// The settings from the environment and the client secret the caller read (see the module
    /// doc); `Ok(None)` when Graph is not configured.
    pub fn from_env(
        env: impl Fn(&str) -> Option<String>,
        client_secret: Option<Secret>,
    ) -> Result<Option<Self>, SettingsError> {
        let get = |k: &str| env(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let Some(tenant) = get(ENV_TENANT_ID) else { return Ok(None) };
        let client = get(ENV_CLIENT_ID).ok_or(SettingsError::Incomplete(ENV_TENANT_ID, ENV_CLIENT_ID))?;
        let secret = client_secret.ok_or(SettingsError::NoSecret)?;
        let mut s = Self::new(tenant, client, secret);
        for (var, target) in [(ENV_GRAPH_URL, &mut s.graph_url), (ENV_LOGIN_URL, &mut s.login_url)] {
            if let Some(url) = get(var) {
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    return Err(SettingsError::BadUrl { var, value: url });
                }
                *target = url.trim_end_matches('/').to_owned();
            }
        }
        Ok(Some(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn graph_is_off_without_a_tenant_and_complete_with_tenant_client_and_secret() {
        assert!(GraphSettings::from_env(env(&[]), None).unwrap().is_none());
        let s = GraphSettings::from_env(
            env(&[(ENV_TENANT_ID, "t"), (ENV_CLIENT_ID, "c"), (ENV_GRAPH_URL, "http://127.0.0.1:9/v1.0/")]),
            Some(Secret::new("s")),
        )
        .unwrap()
        .unwrap();
        assert_eq!((s.tenant_id.as_str(), s.client_id.as_str()), ("t", "c"));
        assert_eq!(s.graph_url, "http://127.0.0.1:9/v1.0");
        assert_eq!(s.login_url, DEFAULT_LOGIN_URL);
        assert_eq!(s.timeout, Duration::from_secs(30));
    }

    #[test]
    fn a_half_configured_graph_is_an_error_naming_what_is_missing() {
        let e = GraphSettings::from_env(env(&[(ENV_TENANT_ID, "t")]), Some(Secret::new("s"))).unwrap_err();
        assert!(e.to_string().contains(ENV_CLIENT_ID), "{e}");
        let e = GraphSettings::from_env(env(&[(ENV_TENANT_ID, "t"), (ENV_CLIENT_ID, "c")]), None).unwrap_err();
        assert!(e.to_string().contains("CCM_GRAPH_CLIENT_SECRET_PARAMETER"), "{e}");
        let e = GraphSettings::from_env(
            env(&[(ENV_TENANT_ID, "t"), (ENV_CLIENT_ID, "c"), (ENV_LOGIN_URL, "file:///x")]),
            Some(Secret::new("s")),
        )
        .unwrap_err();
        assert!(e.to_string().contains(ENV_LOGIN_URL), "{e}");
    }
}
