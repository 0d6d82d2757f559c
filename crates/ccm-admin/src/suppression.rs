//! The account-level SES suppression list: addresses SES no longer sends to (bounces, complaints).

use aws_sdk_sesv2::types::SuppressionListReason;
use serde::{Deserialize, Serialize};

use super::error::{AdminError, optional};
use super::ses::SesAdmin;

/// An address on the account's suppression list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    pub email: String,
    pub reason: SuppressionReason,
    pub last_update: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SuppressionReason {
    Bounce,
    Complaint,
}

impl SuppressionReason {
    fn to_sdk(self) -> SuppressionListReason {
        match self {
            Self::Bounce => SuppressionListReason::Bounce,
            Self::Complaint => SuppressionListReason::Complaint,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bounce => "BOUNCE",
            Self::Complaint => "COMPLAINT",
        }
    }
}

impl SesAdmin {
    pub async fn suppress(&self, email: &str, reason: SuppressionReason) -> Result<(), AdminError> {
        self.client()
            .put_suppressed_destination()
            .email_address(email)
            .reason(reason.to_sdk())
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("SES PutSuppressedDestination", e))?;
        Ok(())
    }

    /// Removes an address from the suppression list; `false` when it was not on it.
    pub async fn unsuppress(&self, email: &str) -> Result<bool, AdminError> {
        let out = optional(
            self.client()
                .delete_suppressed_destination()
                .email_address(email)
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("SES DeleteSuppressedDestination", e)),
        )?;
        Ok(out.is_some())
    }

    pub async fn get_suppressed(&self, email: &str) -> Result<Option<Suppressed>, AdminError> {
        let out = optional(
            self.client()
                .get_suppressed_destination()
                .email_address(email)
                .send()
                .await
                .map_err(|e| AdminError::from_sdk("SES GetSuppressedDestination", e)),
        )?;
        Ok(out.and_then(|o| {
            let d = o.suppressed_destination()?;
            Some(Suppressed {
                email: d.email_address().to_owned(),
                reason: reason_from_sdk(d.reason())?,
                last_update: ts(d.last_update_time()),
            })
        }))
    }

    /// The whole suppression list (all pages), optionally only one reason.
    pub async fn suppressed(&self, reason: Option<SuppressionReason>) -> Result<Vec<Suppressed>, AdminError> {
        let pages = self
            .client()
            .list_suppressed_destinations()
            .set_reasons(reason.map(|r| vec![r.to_sdk()]))
            .page_size(self.page_size())
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| AdminError::from_sdk("SES ListSuppressedDestinations", e))?;
        let mut out: Vec<Suppressed> = pages
            .iter()
            .flat_map(|page| page.suppressed_destination_summaries())
            .filter_map(|d| {
                Some(Suppressed {
                    email: d.email_address().to_owned(),
                    reason: reason_from_sdk(d.reason())?,
                    last_update: ts(d.last_update_time()),
                })
            })
            .collect();
        out.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(out)
    }
}

fn reason_from_sdk(r: &SuppressionListReason) -> Option<SuppressionReason> {
    match r {
        SuppressionListReason::Bounce => Some(SuppressionReason::Bounce),
        SuppressionListReason::Complaint => Some(SuppressionReason::Complaint),
        _ => None,
    }
}

fn ts(t: &aws_smithy_types::DateTime) -> Option<String> {
    t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()
}
