//! `approval_policies` in config.json: who must approve a customer's changes and announcements.
//!
//! ```json
//! "approval_policies": {
//!   "default":   { "approver_groups": [], "quorum": 1, "author_team_may_approve": true },
//!   "customers": { "umbrella": { "approver_groups": ["umbrella-change-board", "ccm-approvers"],
//!                                "quorum": 2, "author_team_may_approve": false } },
//!   "teams": ["team-platform", "team-network"]
//! }
//! ```
//!
//! Groups are identity-provider groups mapped to roles in `portal.role_mappings` (only mapped
//! groups reach a session). An approver group must grant the approver (or admin) role there.
//! Without this section every customer has the default policy: one approval by anyone with the
//! approver role, which is what ccm did before policies existed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::error::Problems;
use super::json_path::null_as_default;
use crate::ids::CustomerCode;
use crate::roles::Role;

/// The most distinct approvers a policy may ask for.
pub const MAX_QUORUM: u8 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalPolicy {
    /// Groups whose members' approvals count; empty = anyone with the approver role. Admins count
    /// only through a group when groups are listed (a change board is not bypassed by an admin).
    #[serde(deserialize_with = "null_as_default")]
    pub approver_groups: Vec<String>,
    /// Distinct approvers needed (1 to 20).
    pub quorum: u8,
    /// Whether an approver who shares a team (`approval_policies.teams`) with the author counts.
    pub author_team_may_approve: bool,
}

impl Default for ApprovalPolicy {
    fn default() -> Self {
        Self { approver_groups: Vec::new(), quorum: 1, author_team_may_approve: true }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalPolicies {
    /// The policy of every customer without an entry in `customers`.
    pub default: ApprovalPolicy,
    #[serde(deserialize_with = "null_as_default")]
    pub customers: BTreeMap<CustomerCode, ApprovalPolicy>,
    /// Groups that are teams, for `author_team_may_approve`.
    #[serde(deserialize_with = "null_as_default")]
    pub teams: Vec<String>,
}

impl ApprovalPolicies {
    pub fn for_customer(&self, customer: &CustomerCode) -> &ApprovalPolicy {
        self.customers.get(customer).unwrap_or(&self.default)
    }

    pub(crate) fn validate<T>(
        &self,
        customers: &BTreeMap<CustomerCode, T>,
        role_mappings: &BTreeMap<String, Vec<Role>>,
        p: &mut Problems,
    ) {
        let base = "approval_policies";
        self.default.validate(&format!("{base}.default"), role_mappings, !self.teams.is_empty(), p);
        for (code, policy) in &self.customers {
            let at = format!("{base}.customers.{code}");
            if !customers.contains_key(code) {
                p.add(at.clone(), format!("customer {:?} is not in customer_mappings", code.as_str()));
            }
            policy.validate(&at, role_mappings, !self.teams.is_empty(), p);
        }
        let mut seen = BTreeSet::new();
        for (i, team) in self.teams.iter().enumerate() {
            let at = format!("{base}.teams.{i}");
            if team.trim().is_empty() {
                p.add(at, "a team group name must not be empty");
            } else if !role_mappings.contains_key(team.trim()) {
                p.add(at, format!("group {team:?} is not in portal.role_mappings, so no session carries it"));
            } else if !seen.insert(team.trim()) {
                p.add(at, format!("group {team:?} is listed twice"));
            }
        }
    }
}

impl ApprovalPolicy {
    fn validate(&self, at: &str, role_mappings: &BTreeMap<String, Vec<Role>>, has_teams: bool, p: &mut Problems) {
        p.require(
            (1..=MAX_QUORUM).contains(&self.quorum),
            format!("{at}.quorum"),
            format!("must be between 1 and {MAX_QUORUM} distinct approvers"),
        );
        let mut seen = BTreeSet::new();
        for (i, group) in self.approver_groups.iter().enumerate() {
            let field = format!("{at}.approver_groups.{i}");
            match role_mappings.get(group.trim()) {
                None => p.add(field, format!("group {group:?} is not in portal.role_mappings")),
                Some(roles) if !roles.iter().any(|r| matches!(r, Role::Approver | Role::Admin)) => {
                    p.add(field, format!("group {group:?} does not grant the approver role in portal.role_mappings"))
                }
                Some(_) if !seen.insert(group.trim()) => p.add(field, format!("group {group:?} is listed twice")),
                Some(_) => {}
            }
        }
        if !self.author_team_may_approve && !has_teams {
            p.add(
                format!("{at}.author_team_may_approve"),
                "is false, but approval_policies.teams names no team group, so no team could be told apart",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::config::AppConfig;

    fn with(edit: impl FnOnce(&mut Value)) -> Result<AppConfig, crate::config::ConfigError> {
        let mut raw: Value = serde_json::from_str(include_str!("../../../../config.json")).unwrap();
        edit(&mut raw);
        AppConfig::from_json(&raw.to_string())
    }

    #[test]
    fn the_example_config_gives_umbrella_a_two_person_change_board_policy() {
        let config = with(|_| {}).unwrap();
        let umbrella = crate::CustomerCode::parse("umbrella").unwrap();
        let p = config.approval_policies.for_customer(&umbrella);
        assert_eq!((p.quorum, p.author_team_may_approve), (2, false));
        let acme = crate::CustomerCode::parse("acme").unwrap();
        assert_eq!(config.approval_policies.for_customer(&acme).quorum, 1, "others get the default");
    }

    #[test]
    fn a_config_without_policies_keeps_one_approval_by_any_approver() {
        let config = with(|c| {
            c.as_object_mut().unwrap().remove("approval_policies");
        })
        .unwrap();
        assert_eq!(config.approval_policies, crate::config::ApprovalPolicies::default());
    }

    #[test]
    fn bad_policies_are_refused_with_every_field_named() {
        let err = with(|c| {
            c["approval_policies"] = json!({
                "default": {"quorum": 0},
                "customers": {
                    "nobody": {"quorum": 1},
                    "acme": {"approver_groups": ["no-such-group", "ccm-authors", "ccm-approvers", "ccm-approvers"], "quorum": 21}
                },
                "teams": ["", "ghost-team"]
            });
            c["portal"]["demo_users"][0]["groups"] = json!(["not-mapped"]);
        })
        .unwrap_err();
        for field in [
            "approval_policies.default.quorum",
            "approval_policies.customers.nobody",
            "approval_policies.customers.acme.quorum",
            "approval_policies.customers.acme.approver_groups.0",
            "approval_policies.customers.acme.approver_groups.1",
            "approval_policies.customers.acme.approver_groups.3",
            "approval_policies.teams.0",
            "approval_policies.teams.1",
            "portal.demo_users.0.groups",
        ] {
            assert!(err.mentions(field), "{field} not named in:\n{err}");
        }
        assert!(!err.mentions("approval_policies.customers.acme.approver_groups.2"));
    }

    #[test]
    fn a_policy_refusing_the_authors_team_needs_teams() {
        let err = with(|c| {
            c["approval_policies"] = json!({"default": {"quorum": 1, "author_team_may_approve": false}});
        })
        .unwrap_err();
        assert!(err.mentions("approval_policies.default.author_team_may_approve"), "{err}");
    }
}
