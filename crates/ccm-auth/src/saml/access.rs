//! Who may sign in and with what: a verified assertion becomes a [`SessionUser`] through the
//! portal configuration (allowed e-mail domains, group → role mappings, known customers).

use std::collections::{BTreeMap, BTreeSet};

use ccm_core::config::AppConfig;
use ccm_core::{CustomerCode, EmailAddress, Role};

use super::response::VerifiedAssertion;
use crate::log_value::{truncated, untrusted, untrusted_capped};
use crate::session::SessionUser;

/// The SAML attribute names ccm reads (Identity Center: "attribute mappings" of the application).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeNames {
    /// Group names or ids, mapped to roles by `portal.role_mappings`.
    pub groups: String,
    /// Optional comma-separated customer codes scoping the user. Absent or empty: every customer;
    /// present with only separators or unknown codes: refused.
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
    #[error(
        "customerCode holds only separators ({0:?}): it names no customer, and an unscoped user would see every customer"
    )]
    OnlySeparators(String),
}

impl AccessError {
    /// What the refused user is told: what to ask an administrator for, never the assertion's content.
    pub fn user_message(&self) -> &'static str {
        match self {
            Self::NotAnEmail => {
                "Your identity provider did not send an e-mail address as your user name. Ask an administrator to \
                 check the application's attribute mappings."
            }
            Self::DomainNotAllowed(_) => "Your e-mail domain may not sign in to ccm. Ask an administrator for access.",
            Self::NoRole => {
                "Your account is not in a group that has access to ccm. Ask an administrator to add you to one."
            }
            Self::NoKnownCustomer | Self::OnlySeparators(_) => {
                "Your account's customer assignment (customerCode) names no customer that ccm knows, so you cannot \
                 be signed in. Ask an administrator to correct it."
            }
        }
    }
}

/// The session user for a verified assertion, with the e-mail address lower-cased (addresses
/// compare case-insensitively everywhere). Unknown customer codes are dropped with a log line; if
/// the attribute is present with anything but white space and names no known code (only
/// separators, or unknown codes) the user is refused, never widened to "all customers".
pub fn session_user(assertion: &VerifiedAssertion, rules: &AccessRules) -> Result<SessionUser, AccessError> {
    let email = EmailAddress::parse(&assertion.name_id).map_err(|_| AccessError::NotAnEmail)?;
    let address = email.normalized();
    let domain = email.domain().to_lowercase();
    if !rules.allowed_email_domains.contains(&domain) {
        return Err(AccessError::DomainNotAllowed(truncated(&domain, 100)));
    }
    let values = |name: &str| assertion.attributes.get(name).map(Vec::as_slice).unwrap_or_default();

    let roles: BTreeSet<Role> = values(&rules.attributes.groups)
        .iter()
        .filter_map(|group| rules.role_mappings.get(group.trim()))
        .flatten()
        .copied()
        .collect();
    // Only mapped groups are kept: they are the ones approval policies and teams may name, and an
    // identity provider may send hundreds of others.
    let groups: BTreeSet<String> = values(&rules.attributes.groups)
        .iter()
        .map(|g| g.trim())
        .filter(|g| rules.role_mappings.contains_key(*g))
        .map(str::to_owned)
        .collect();
    if roles.is_empty() {
        return Err(AccessError::NoRole);
    }

    // Empty values are what an IdP sends for an unset user attribute: the same as no attribute.
    let scoping: Vec<&str> =
        values(&rules.attributes.customer_code).iter().map(String::as_str).filter(|v| !v.trim().is_empty()).collect();
    let raw_codes: Vec<&str> =
        scoping.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|c| !c.is_empty()).collect();
    let customers = if scoping.is_empty() {
        None
    } else if raw_codes.is_empty() {
        return Err(AccessError::OnlySeparators(truncated(&scoping.join(" | "), 40)));
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
                    user = %untrusted(&email.masked()),
                    code = %untrusted_capped(raw, 32),
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
        .unwrap_or_else(|| address.clone());
    Ok(SessionUser {
        email: address,
        name,
        roles: roles.into_iter().collect(),
        customers,
        groups: groups.into_iter().collect(),
    })
}
