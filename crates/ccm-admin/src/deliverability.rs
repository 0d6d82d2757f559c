//! `ccm ses deliverability`: a customer account's recent bounce and complaint rates against the
//! thresholds at which SES reviews an account (bounces 5 %, complaints 0.1 %) and may pause its
//! sending (bounces 10 %, complaints 0.5 %), with the account's sending status (GetAccount).
//! The rates come from the events ccm recorded (docs/processor.md); the judgement is pure.

use serde::Serialize;

use crate::domain::SesDomain;
use crate::error::AdminError;

pub const BOUNCE_REVIEW: f64 = 0.05;
pub const BOUNCE_PAUSE: f64 = 0.10;
pub const COMPLAINT_REVIEW: f64 = 0.001;
pub const COMPLAINT_PAUSE: f64 = 0.005;

/// Where a rate stands against SES's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Below the review threshold (or nothing sent).
    Healthy,
    /// At or above the review threshold: SES may put the account under review.
    Review,
    /// At or above the pause threshold: SES may pause the account's sending.
    Pause,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Review => "at risk of review",
            Self::Pause => "at risk of a sending pause",
        }
    }
}

/// One rate: how many of how many, the share, and its standing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    pub count: usize,
    pub sends: usize,
    /// `count / sends`; `None` when nothing was sent.
    pub rate: Option<f64>,
    pub standing: Standing,
    pub review_at: f64,
    pub pause_at: f64,
}

impl Rate {
    pub fn new(count: usize, sends: usize, review_at: f64, pause_at: f64) -> Self {
        let rate = (sends > 0).then(|| count as f64 / sends as f64);
        let standing = match rate {
            Some(r) if r >= pause_at => Standing::Pause,
            Some(r) if r >= review_at => Standing::Review,
            _ => Standing::Healthy,
        };
        Self { count, sends, rate, standing, review_at, pause_at }
    }

    pub fn bounces(count: usize, sends: usize) -> Self {
        Self::new(count, sends, BOUNCE_REVIEW, BOUNCE_PAUSE)
    }

    pub fn complaints(count: usize, sends: usize) -> Self {
        Self::new(count, sends, COMPLAINT_REVIEW, COMPLAINT_PAUSE)
    }

    /// `2 of 40 (5.00 %)`, or `0 of 0`.
    pub fn describe(&self) -> String {
        match self.rate {
            Some(r) => format!("{} of {} ({:.2} %)", self.count, self.sends, r * 100.0),
            None => format!("{} of 0", self.count),
        }
    }
}

/// What SES says about the account's sending (GetAccount).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountStatus {
    pub sending_enabled: bool,
    pub production_access: bool,
    /// `HEALTHY`, `PROBATION` (under review) or `SHUTDOWN`.
    pub enforcement_status: Option<String>,
    pub max_send_rate: Option<f64>,
    pub max_24_hour_send: Option<f64>,
    pub sent_last_24_hours: Option<f64>,
}

impl SesDomain {
    /// SES GetAccount.
    pub async fn account(&self) -> Result<AccountStatus, AdminError> {
        let out = self.v2.get_account().send().await.map_err(|e| AdminError::from_sdk("SES GetAccount", e))?;
        let quota = out.send_quota();
        Ok(AccountStatus {
            sending_enabled: out.sending_enabled(),
            production_access: out.production_access_enabled(),
            enforcement_status: out.enforcement_status().map(str::to_owned),
            max_send_rate: quota.map(|q| q.max_send_rate()),
            max_24_hour_send: quota.map(|q| q.max24_hour_send()),
            sent_last_24_hours: quota.map(|q| q.sent_last24_hours()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_judged_against_ses_review_and_pause_thresholds() {
        assert_eq!(Rate::bounces(4, 100).standing, Standing::Healthy);
        assert_eq!(Rate::bounces(5, 100).standing, Standing::Review);
        assert_eq!(Rate::bounces(10, 100).standing, Standing::Pause);
        assert_eq!(Rate::complaints(0, 1000).standing, Standing::Healthy);
        assert_eq!(Rate::complaints(1, 1000).standing, Standing::Review);
        assert_eq!(Rate::complaints(5, 1000).standing, Standing::Pause);
    }

    #[test]
    fn nothing_sent_is_healthy_without_a_rate() {
        let r = Rate::bounces(0, 0);
        assert_eq!((r.rate, r.standing), (None, Standing::Healthy));
        assert_eq!(r.describe(), "0 of 0");
        assert_eq!(Rate::bounces(2, 40).describe(), "2 of 40 (5.00 %)");
    }
}
