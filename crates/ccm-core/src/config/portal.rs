//! `portal` in config.json: who may sign in to the web portal and with which roles. New in ccm.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::checks;
use super::error::Problems;
use super::json_path::null_as_default;
use crate::ids::{CustomerCode, EmailAddress};
use crate::roles::Role;

/// A user of the local sign-in page (`ccm serve`), standing in for SAML in development.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoUser {
    pub email: EmailAddress,
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub roles: Vec<Role>,
    /// The customers this user may see; empty means all of them.
    #[serde(default, deserialize_with = "null_as_default")]
    pub customers: Vec<CustomerCode>,
    /// The identity-provider groups this user stands for (keys of `role_mappings`), as a SAML
    /// sign-in would carry them: approval policies and teams are groups.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PortalConfig {
    /// Lower-case domains whose users may sign in.
    #[serde(deserialize_with = "null_as_default")]
    pub allowed_email_domains: Vec<String>,
    /// Whether an approver may approve their own change; off by default (four-eyes principle).
    pub allow_self_approval: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub demo_users: Vec<DemoUser>,
    /// A SAML group or attribute value → the roles it grants.
    #[serde(deserialize_with = "null_as_default")]
    pub role_mappings: BTreeMap<String, Vec<Role>>,
    pub session_idle_minutes: u32,
    pub session_max_hours: u32,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            allowed_email_domains: Vec::new(),
            allow_self_approval: false,
            demo_users: Vec::new(),
            role_mappings: BTreeMap::new(),
            session_idle_minutes: 60,
            session_max_hours: 8,
        }
    }
}

impl PortalConfig {
    pub fn demo_user(&self, email: &EmailAddress) -> Option<&DemoUser> {
        self.demo_users.iter().find(|u| u.email == *email)
    }

    pub(crate) fn validate<T>(&self, customers: &BTreeMap<CustomerCode, T>, p: &mut Problems) {
        for (i, d) in self.allowed_email_domains.iter().enumerate() {
            if let Err(why) = checks::domain(d) {
                p.add(format!("portal.allowed_email_domains.{i}"), why);
            }
        }
        self.validate_demo_users(customers, p);
        for (group, roles) in &self.role_mappings {
            p.require(!group.trim().is_empty(), "portal.role_mappings", "a group name must not be empty");
            p.require(!roles.is_empty(), format!("portal.role_mappings.{group}"), "must grant at least one role");
        }
        p.require(self.session_idle_minutes > 0, "portal.session_idle_minutes", "must be greater than 0");
        p.require(self.session_max_hours > 0, "portal.session_max_hours", "must be greater than 0");
        p.require(
            u64::from(self.session_idle_minutes) <= u64::from(self.session_max_hours) * 60,
            "portal.session_idle_minutes",
            format!("must not exceed session_max_hours ({} h)", self.session_max_hours),
        );
    }

    fn validate_demo_users<T>(&self, customers: &BTreeMap<CustomerCode, T>, p: &mut Problems) {
        let mut seen = BTreeSet::new();
        for (i, u) in self.demo_users.iter().enumerate() {
            let at = |name: &str| format!("portal.demo_users.{i}.{name}");
            p.require(seen.insert(u.email.normalized()), at("email"), format!("{} is listed twice", u.email));
            p.require(!u.name.trim().is_empty(), at("name"), "must not be empty");
            p.require(!u.roles.is_empty(), at("roles"), "must list at least one role");
            for code in u.customers.iter().filter(|c| !customers.contains_key(*c)) {
                p.add(at("customers"), format!("customer {:?} is not in customer_mappings", code.as_str()));
            }
            for group in u.groups.iter().filter(|g| !self.role_mappings.contains_key(g.trim())) {
                p.add(at("groups"), format!("group {group:?} is not in portal.role_mappings"));
            }
        }
    }
}
