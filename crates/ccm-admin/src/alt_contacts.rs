//! Alternate contacts (security, billing, operations) on every account of an AWS Organization,
//! through the organization's management account (Organizations ListAccounts, Account API
//! Get/Put/DeleteAlternateContact).

use aws_config::SdkConfig;
use aws_sdk_account::types::AlternateContactType;
use ccm_core::config::AlternateContact;
use serde::{Deserialize, Serialize};

use super::error::{AdminError, optional};

/// One entry of OrgConfig.json (§10.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgEntry {
    pub mocb_org_friendly_name: String,
    pub mocb_org_prefix: String,
    #[serde(default)]
    pub environment: String,
    pub management_account_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    Security,
    Billing,
    Operations,
}

impl ContactKind {
    pub const ALL: [ContactKind; 3] = [Self::Security, Self::Billing, Self::Operations];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Security => "SECURITY",
            Self::Billing => "BILLING",
            Self::Operations => "OPERATIONS",
        }
    }

    fn to_sdk(self) -> AlternateContactType {
        match self {
            Self::Security => AlternateContactType::Security,
            Self::Billing => AlternateContactType::Billing,
            Self::Operations => AlternateContactType::Operations,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct Organization {
    org: aws_sdk_organizations::Client,
    account: aws_sdk_account::Client,
    management_account_id: String,
}

impl Organization {
    /// Clients for `cfg`: credentials in the management account (us-east-1, both APIs are global).
    pub fn new(cfg: &SdkConfig, management_account_id: &str) -> Self {
        Self {
            org: aws_sdk_organizations::Client::new(cfg),
            account: aws_sdk_account::Client::new(cfg),
            management_account_id: management_account_id.to_owned(),
        }
    }

    /// Every account of the organization (all pages).
    pub async fn accounts(&self) -> Result<Vec<OrgAccount>, AdminError> {
        let pages = self
            .org
            .list_accounts()
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| AdminError::from_sdk("Organizations ListAccounts", e))?;
        let mut out: Vec<OrgAccount> = pages
            .iter()
            .flat_map(|page| page.accounts())
            .map(|a| OrgAccount {
                id: a.id().unwrap_or_default().to_owned(),
                name: a.name().unwrap_or_default().to_owned(),
                status: a.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// The Account API takes no AccountId for the caller's own (management) account.
    fn account_param(&self, account: &str) -> Option<String> {
        (account != self.management_account_id).then(|| account.to_owned())
    }

    pub async fn get(&self, account: &str, kind: ContactKind) -> Result<Option<AlternateContact>, AdminError> {
        let out = optional(
            self.account
                .get_alternate_contact()
                .set_account_id(self.account_param(account))
                .alternate_contact_type(kind.to_sdk())
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("Account GetAlternateContact", e)),
        )?;
        Ok(out.and_then(|o| {
            let c = o.alternate_contact()?;
            Some(AlternateContact {
                email: c.email_address().unwrap_or_default().to_owned(),
                name: c.name().unwrap_or_default().to_owned(),
                title: c.title().unwrap_or_default().to_owned(),
                phone: c.phone_number().unwrap_or_default().to_owned(),
            })
        }))
    }

    pub async fn put(&self, account: &str, kind: ContactKind, contact: &AlternateContact) -> Result<(), AdminError> {
        self.account
            .put_alternate_contact()
            .set_account_id(self.account_param(account))
            .alternate_contact_type(kind.to_sdk())
            .email_address(&contact.email)
            .name(&contact.name)
            .title(&contact.title)
            .phone_number(&contact.phone)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("Account PutAlternateContact", e))?;
        Ok(())
    }

    pub async fn delete(&self, account: &str, kind: ContactKind) -> Result<(), AdminError> {
        self.account
            .delete_alternate_contact()
            .set_account_id(self.account_param(account))
            .alternate_contact_type(kind.to_sdk())
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("Account DeleteAlternateContact", e))?;
        Ok(())
    }
}

/// What to do with one contact type on one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Set,
    /// Already as configured.
    Unchanged,
    /// Another contact is set and `--overwrite` was not given.
    KeptExisting,
    Delete,
    Absent,
}

/// Setting `wanted` over `existing`.
pub fn decide_set(existing: Option<&AlternateContact>, wanted: &AlternateContact, overwrite: bool) -> Decision {
    match existing {
        None => Decision::Set,
        Some(e) if e == wanted => Decision::Unchanged,
        Some(_) if overwrite => Decision::Set,
        Some(_) => Decision::KeptExisting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(email: &str) -> AlternateContact {
        AlternateContact { email: email.into(), name: "n".into(), title: "t".into(), phone: "p".into() }
    }

    #[test]
    fn an_existing_different_contact_is_only_replaced_with_overwrite() {
        let (old, new) = (contact("old@x.com"), contact("new@x.com"));
        assert_eq!(decide_set(None, &new, false), Decision::Set);
        assert_eq!(decide_set(Some(&old), &new, false), Decision::KeptExisting);
        assert_eq!(decide_set(Some(&old), &new, true), Decision::Set);
        assert_eq!(decide_set(Some(&new), &new, true), Decision::Unchanged);
    }

    #[test]
    fn org_config_entries_read_the_original_keys() {
        let e: Vec<OrgEntry> = serde_json::from_str(
            r#"[{"mocb_org_friendly_name": "Prod", "mocb_org_prefix": "prd", "environment": "prod", "management_account_id": "111111111111"}]"#,
        )
        .unwrap();
        assert_eq!(e[0].mocb_org_prefix, "prd");
    }
}
