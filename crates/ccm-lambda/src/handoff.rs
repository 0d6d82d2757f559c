//! The processor Lambda's time budget and hand-off (see `ccm_processor::batch`): the budget ends
//! `CCM_TIME_MARGIN_SECONDS` before the invocation's deadline, and a message whose fan-out ran out of
//! time is copied to the queue it came from as a new message (`GetQueueUrl` of the queue its
//! `eventSourceARN` names, then `SendMessage`), so a fan-out longer than one invocation carries on at
//! once instead of after the visibility timeout, without counting towards `maxReceiveCount`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use ccm_processor::{Budget, Requeue, SqsMessage};

/// The budget of an invocation whose deadline is `deadline_ms` (milliseconds since the epoch, as the
/// Lambda runtime gives it), `margin` before it.
pub fn budget(deadline_ms: u64, now: SystemTime, margin: Duration) -> Budget {
    let now_ms = now.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    let left = Duration::from_millis(u64::try_from(u128::from(deadline_ms).saturating_sub(now_ms)).unwrap_or(u64::MAX));
    Budget::until(tokio::time::Instant::now() + left.saturating_sub(margin))
}

/// The account and name of the queue `arn` names (`arn:{partition}:sqs:{region}:{account}:{name}`).
pub fn queue_of(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.split(':');
    let (Some("arn"), Some(_), Some("sqs"), Some(_), Some(account), Some(name), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (!account.is_empty() && !name.is_empty()).then_some((account, name))
}

/// Hands messages on through SQS.
pub struct SqsRequeue {
    pub sqs: aws_sdk_sqs::Client,
}

#[async_trait]
impl Requeue for SqsRequeue {
    async fn requeue(&self, message: &SqsMessage) -> Result<(), String> {
        let arn = message.event_source_arn.as_deref().ok_or("the message names no queue (eventSourceARN)")?;
        let (account, name) = queue_of(arn).ok_or_else(|| format!("{arn:?} is not an SQS queue ARN"))?;
        let body = message.body.as_deref().ok_or("the message has no body")?;
        let url = self
            .sqs
            .get_queue_url()
            .queue_name(name)
            .queue_owner_aws_account_id(account)
            .send()
            .await
            .map_err(|e| format!("GetQueueUrl {name}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?
            .queue_url
            .ok_or_else(|| format!("GetQueueUrl {name}: no URL"))?;
        self.sqs
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| format!("SendMessage {name}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        tracing::info!(queue = name, "message handed on to a new one");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_arn_names_its_account_and_queue() {
        assert_eq!(queue_of("arn:aws:sqs:us-east-1:123456789012:ccm-acme"), Some(("123456789012", "ccm-acme")));
        for bad in
            ["", "arn:aws:sns:us-east-1:1:t", "arn:aws:sqs:us-east-1:1", "arn:aws:sqs:r:1:q:extra", "arn:aws:sqs:r::q"]
        {
            assert_eq!(queue_of(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn the_budget_ends_the_margin_before_the_deadline() {
        let now = SystemTime::now();
        let ms = |t: SystemTime| u64::try_from(t.duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap();
        let far = ms(now + Duration::from_secs(300));
        let within = budget(far, now, Duration::from_secs(30));
        assert!(!within.run(async { ccm_processor::Budget::is_spent_here() }).await, "270 s are left");
        let near = ms(now + Duration::from_secs(20));
        let spent = budget(near, now, Duration::from_secs(30));
        assert!(spent.run(async { ccm_processor::Budget::is_spent_here() }).await, "inside the margin");
        let past = budget(0, now, Duration::from_secs(30));
        assert!(past.run(async { ccm_processor::Budget::is_spent_here() }).await, "a deadline in the past");
    }
}
