//! Reading a customer's IAM Identity Center directory: the instance and identity store (discovered
//! with SSO Admin ListInstances), users, groups and who is in which group.
//!
//! Memberships are read per group (ListGroupMemberships), not per user: a directory has far fewer
//! groups than users. Every failure fails the read; nothing is skipped silently (the original
//! ignored membership errors, §12 item 18).

use std::collections::{BTreeMap, BTreeSet};

use aws_config::SdkConfig;
use aws_sdk_identitystore::types::UserStatus;
use aws_sdk_ssoadmin::types::InstanceStatus;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;

use super::error::AdminError;
use super::limiter::Pacer;

/// A user of the directory, in the original's export format (`identity-center-users-*.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryUser {
    pub user_id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    /// The primary address, else the first.
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// Not disabled (a user without a status counts as active).
    pub active: bool,
    /// The user's `Timezone` attribute as the directory holds it (validated by the sync).
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instance {
    pub instance_arn: String,
    pub identity_store_id: String,
}

#[derive(Debug, Clone)]
pub struct IdentityCenter {
    sso: aws_sdk_ssoadmin::Client,
    store: aws_sdk_identitystore::Client,
}

impl IdentityCenter {
    /// Clients for `cfg`, typically the customer's `identity_center_role_arn` assumed.
    pub fn new(cfg: &SdkConfig) -> Self {
        Self { sso: aws_sdk_ssoadmin::Client::new(cfg), store: aws_sdk_identitystore::Client::new(cfg) }
    }

    /// The account's Identity Center instance: the first active one ListInstances returns.
    pub async fn discover(&self) -> Result<Instance, AdminError> {
        let found = self
            .sso
            .list_instances()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AdminError::from_sdk("SSO Admin ListInstances", e))?;
        found
            .iter()
            .find(|i| i.status().is_none_or(|s| *s == InstanceStatus::Active))
            .and_then(|i| {
                Some(Instance {
                    instance_arn: i.instance_arn()?.to_owned(),
                    identity_store_id: i.identity_store_id()?.to_owned(),
                })
            })
            .ok_or_else(|| {
                AdminError::new("SSO Admin ListInstances", "the account has no active Identity Center instance")
            })
    }

    /// Every user (all pages), or the one named `user_name` (ListUsers filters are deprecated).
    pub async fn users(&self, store_id: &str, user_name: Option<&str>) -> Result<Vec<DirectoryUser>, AdminError> {
        let listed = self
            .store
            .list_users()
            .identity_store_id(store_id)
            .max_results(100)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AdminError::from_sdk("Identity Store ListUsers", e))?;
        let mut users: Vec<DirectoryUser> = listed
            .iter()
            .map(|u| {
                let email =
                    u.emails().iter().find(|e| e.primary()).or_else(|| u.emails().first()).and_then(|e| e.value());
                DirectoryUser {
                    user_id: u.user_id().to_owned(),
                    user_name: u.user_name().unwrap_or_default().to_owned(),
                    display_name: u.display_name().map(str::to_owned),
                    email: email.map(|e| e.trim().to_owned()),
                    given_name: u.name().and_then(|n| n.given_name()).map(str::to_owned),
                    family_name: u.name().and_then(|n| n.family_name()).map(str::to_owned),
                    active: u.user_status() != Some(&UserStatus::Disabled),
                    timezone: u.timezone().map(|z| z.trim().to_owned()).filter(|z| !z.is_empty()),
                }
            })
            .collect();
        if let Some(name) = user_name {
            users.retain(|u| u.user_name == name);
        }
        users.sort_by(|a, b| a.user_name.cmp(&b.user_name));
        Ok(users)
    }

    /// Every group: id → display name.
    pub async fn groups(&self, store_id: &str) -> Result<BTreeMap<String, String>, AdminError> {
        let listed = self
            .store
            .list_groups()
            .identity_store_id(store_id)
            .max_results(100)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AdminError::from_sdk("Identity Store ListGroups", e))?;
        let groups: BTreeMap<String, String> = listed
            .iter()
            .map(|g| (g.group_id().to_owned(), g.display_name().unwrap_or(g.group_id()).to_owned()))
            .collect();
        Ok(groups)
    }

    /// The user ids in one group (all pages).
    pub async fn group_members(&self, store_id: &str, group_id: &str) -> Result<Vec<String>, AdminError> {
        let listed = self
            .store
            .list_group_memberships()
            .identity_store_id(store_id)
            .group_id(group_id)
            .max_results(100)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AdminError::from_sdk("Identity Store ListGroupMemberships", e))?;
        let members: Vec<String> = listed.iter().filter_map(|m| m.member_id()?.as_user_id().ok().cloned()).collect();
        Ok(members)
    }

    /// user id → names of the groups in `groups` the user belongs to, reading `concurrency` groups at
    /// a time through `pacer`; `on_group` is called after each group.
    pub async fn memberships(
        &self,
        store_id: &str,
        groups: &BTreeMap<String, String>,
        pacer: &Pacer,
        concurrency: usize,
        on_group: impl Fn() + Sync,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, AdminError> {
        let per_group: Vec<(String, Vec<String>)> = futures::stream::iter(groups.iter())
            .map(|(id, name)| {
                let on_group = &on_group;
                async move {
                    let members = pacer.run(|| self.group_members(store_id, id)).await?;
                    on_group();
                    Ok::<_, AdminError>((name.clone(), members))
                }
            })
            .buffer_unordered(concurrency.max(1))
            .try_collect()
            .await?;
        let mut by_user: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (group, members) in per_group {
            for user in members {
                by_user.entry(user).or_default().insert(group.clone());
            }
        }
        Ok(by_user)
    }
}
