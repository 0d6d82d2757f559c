//! Who may sign in and with what: a verified assertion becomes a [`SessionUser`] through the
//! portal configuration (allowed e-mail domains, group → role mappings, known customers).

use std::collections::{BTreeMap, BTreeSet};

use ccm_core::config::AppConfig;
use ccm_core::{CustomerCode, EmailAddress, Role};

use super::response::VerifiedAssertion;
use crate::session::SessionUser;

/// The SAML attribute names ccm reads (Identity Center: "attribute mappings" of the application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeNames {
    /// Group names or ids, mapped to roles by `portal.role_mappings`.
    pub groups: String,
    /// Optional comma-separated customer codes scoping the user.
    pub customer_code: String,
    /// Optional display name.
    pub name: String,
}

impl Default for AttributeNames {
    fn default() -> Self {
        Self { groups: "groups".into(), customer_code: "customerCode".into(), name: "name".into() }
    }
}

/// The authorization rules, taken from config.json once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRules {
    pub allowed_email_domains: Vec<String>,
    pub role_mappings: BTreeMap<String, Vec<Role>>,
    pub known_customers: BTreeSet<CustomerCode>,
    pub attributes: AttributeNames,
}

impl AccessRules {
    pub fn from_config(config: &AppConfig, attributes: AttributeNames) -> Self {
        Self {
            allowed_email_domains: config.portal.allowed_email_domains.iter().map(|d| d.to_lowercase()).collect(),
            role_mappings: config.portal.role_mappings.clone(),
            known_customers: config.customer_codes().cloned().collect(),
            attributes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("NameID is not an e-mail address")]
    NotAnEmail,
    #[error("e-mail domain {0} is not in portal.allowed_email_domains")]
    DomainNotAllowed(String),
    #[error("none of the user's groups is mapped to a role in portal.role_mappings")]
    NoRole,
    #[error("customerCode lists no configured customer, and an unscoped user would see every customer")]
    NoKnownCustomer,
}

/// The session user for a verified assertion. Unknown customer codes are dropped with a log line;
/// if the attribute is present but none of its codes is known the user is refused, never widened
/// to "all customers".
pub fn session_user(assertion: &VerifiedAssertion, rules: &AccessRules) -> Result<SessionUser, AccessError> {
    let email = EmailAddress::parse(&assertion.name_id).map_err(|_| AccessError::NotAnEmail)?;
    let domain = email.domain().to_lowercase();
    if !rules.allowed_email_domains.contains(&domain) {
        return Err(AccessError::DomainNotAllowed(domain));
    }
    let values = |name: &str| assertion.attributes.get(name).map(Vec::as_slice).unwrap_or_default();

    let roles: BTreeSet<Role> = values(&rules.attributes.groups)
        .iter()
        .filter_map(|group| rules.role_mappings.get(group.trim()))
        .flatten()
        .copied()
        .collect();
    if roles.is_empty() {
        return Err(AccessError::NoRole);
    }

    let raw_codes: Vec<&str> = values(&rules.attributes.customer_code)
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let customers = if raw_codes.is_empty() {
        None
    } else {
        let mut known = Vec::new();
        for raw in raw_codes {
            match CustomerCode::parse(raw) {
                Ok(code) if rules.known_customers.contains(&code) => {
                    if !known.contains(&code) {
                        known.push(code);
                    }
                }
                _ => tracing::warn!(
                    user = %email.masked(),
                    code = %raw.chars().take(32).collect::<String>(),
                    "ignoring a customerCode that is not configured"
                ),
            }
        }
        if known.is_empty() {
            return Err(AccessError::NoKnownCustomer);
        }
        Some(known)
    };

    let name = values(&rules.attributes.name)
        .first()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.as_str().to_owned());
    Ok(SessionUser { email: email.as_str().to_owned(), name, roles: roles.into_iter().collect(), customers })
}
