//! SAML settings from the environment (read once at start-up; a missing or bad value names its
//! variable). config.json is left alone: these are per-deployment, the IdP metadata is an XML file.
//!
//! | variable | default |
//! | --- | --- |
//! | `CCM_SAML_IDP_METADATA_FILE` or `CCM_SAML_IDP_METADATA` (the XML itself) | required |
//! | `CCM_SAML_SP_ENTITY_ID` | `email_config.portal_base_url` |
//! | `CCM_SAML_ACS_URL` | `{portal_base_url}/saml/acs` |
//! | `CCM_SAML_GROUPS_ATTRIBUTE` / `CCM_SAML_CUSTOMER_ATTRIBUTE` / `CCM_SAML_NAME_ATTRIBUTE` | `groups` / `customerCode` / `name` |
//! | `CCM_SAML_CLOCK_SKEW_SECONDS` | 120 |

use chrono::Duration;

use super::access::AttributeNames;
use super::metadata::{IdpMetadata, MetadataError};

/// This service provider and its IdP.
#[derive(Debug, Clone)]
pub struct ServiceProvider {
    pub entity_id: String,
    pub acs_url: String,
    pub idp: IdpMetadata,
    pub clock_skew: Duration,
}

/// Where the IdP metadata XML comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataSource {
    File(String),
    Inline(String),
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("{var}: {why}")]
    Invalid { var: &'static str, why: String },
    #[error("{var}: {source}")]
    Metadata { var: &'static str, source: MetadataError },
}

/// Everything the SAML routes read from the environment.
#[derive(Debug, Clone)]
pub struct SamlSettings {
    pub sp: ServiceProvider,
    pub attributes: AttributeNames,
}

impl SamlSettings {
    /// `env` looks a variable up (`|k| std::env::var(k).ok()` in binaries, a map in tests);
    /// `portal_base_url` is config.json's `email_config.portal_base_url`.
    pub fn from_env(env: impl Fn(&str) -> Option<String>, portal_base_url: &str) -> Result<Self, SettingsError> {
        let get = |k: &str| env(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let source = match (get("CCM_SAML_IDP_METADATA_FILE"), get("CCM_SAML_IDP_METADATA")) {
            (Some(path), _) => MetadataSource::File(path),
            (None, Some(xml)) => MetadataSource::Inline(xml),
            (None, None) => return Err(SettingsError::Missing("CCM_SAML_IDP_METADATA_FILE or CCM_SAML_IDP_METADATA")),
        };
        let (var, xml) = match source {
            MetadataSource::File(path) => (
                "CCM_SAML_IDP_METADATA_FILE",
                std::fs::read_to_string(&path).map_err(|e| SettingsError::Invalid {
                    var: "CCM_SAML_IDP_METADATA_FILE",
                    why: format!("reading {path}: {e}"),
                })?,
            ),
            MetadataSource::Inline(xml) => ("CCM_SAML_IDP_METADATA", xml),
        };
        let idp = IdpMetadata::parse(&xml).map_err(|source| SettingsError::Metadata { var, source })?;

        let base = portal_base_url.trim_end_matches('/');
        let entity_id = get("CCM_SAML_SP_ENTITY_ID").unwrap_or_else(|| base.to_owned());
        let acs_url = get("CCM_SAML_ACS_URL").unwrap_or_else(|| format!("{base}/saml/acs"));
        if !acs_url.starts_with("https://") && !acs_url.starts_with("http://") {
            return Err(SettingsError::Invalid {
                var: "CCM_SAML_ACS_URL",
                why: "must be an absolute http(s) URL".into(),
            });
        }
        let skew = match get("CCM_SAML_CLOCK_SKEW_SECONDS") {
            None => 120,
            Some(s) => s
                .parse::<u16>()
                .map_err(|e| SettingsError::Invalid { var: "CCM_SAML_CLOCK_SKEW_SECONDS", why: e.to_string() })?,
        };
        let defaults = AttributeNames::default();
        let attributes = AttributeNames {
            groups: get("CCM_SAML_GROUPS_ATTRIBUTE").unwrap_or(defaults.groups),
            customer_code: get("CCM_SAML_CUSTOMER_ATTRIBUTE").unwrap_or(defaults.customer_code),
            name: get("CCM_SAML_NAME_ATTRIBUTE").unwrap_or(defaults.name),
        };
        Ok(Self {
            sp: ServiceProvider { entity_id, acs_url, idp, clock_skew: Duration::seconds(i64::from(skew)) },
            attributes,
        })
    }
}
