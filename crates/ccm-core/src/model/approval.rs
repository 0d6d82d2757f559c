//! What an object records about its approval: each approver's approval (who, when, the groups and
//! customers they held then), the groups of its author, and every override of a blackout window.
//! The approval policy (`crate::policy`) decides from these which customers' approvals are complete.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::CustomerCode;

/// One person's approval of the current version. Kept until the object is edited (an edit resets
/// them: people approved what they read, not what it became).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub user_id: String,
    pub at: DateTime<Utc>,
    /// The approver's mapped groups (`portal.role_mappings` keys) when they approved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// The customers the approver could act for; absent = all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub customers: Option<Vec<CustomerCode>>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub extra: Map<String, Value>,
}

impl Approval {
    pub fn new(user: &str, at: DateTime<Utc>, groups: Vec<String>, customers: Option<Vec<CustomerCode>>) -> Self {
        Self { user_id: user.to_owned(), at, groups, customers, extra: Map::new() }
    }
}

/// A submission or approval that went ahead through a blackout window, with the reason given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlackoutOverride {
    /// `submit` or `approve`.
    pub action: String,
    pub user_id: String,
    pub at: DateTime<Utc>,
    pub reason: String,
    /// The blackout windows it went through (ids and names).
    #[serde(default)]
    pub blackouts: Vec<OverriddenBlackout>,
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverriddenBlackout {
    pub id: String,
    pub name: String,
    /// The customers it applies to; empty = every customer (a customer's copy of a notification
    /// mentions only the blackouts that apply to that customer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub customers: Vec<CustomerCode>,
}

impl OverriddenBlackout {
    pub fn applies_to(&self, customer: &CustomerCode) -> bool {
        self.customers.is_empty() || self.customers.contains(customer)
    }
}
