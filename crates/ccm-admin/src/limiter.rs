//! Pacing for bulk administration: a requests-per-second limit shared by every concurrent task,
//! and retries with exponential back-off and jitter on throttling and server errors.

use std::future::Future;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::error::AdminError;

#[derive(Debug)]
pub struct Pacer {
    limiter: Option<DefaultDirectRateLimiter>,
    retries: u32,
    backoff: Duration,
}

impl Pacer {
    /// At most `per_second` calls per second (no limit when not positive), bursts of one; `retries`
    /// further attempts after a retryable failure, waiting `backoff`, then twice that, and so on.
    pub fn new(per_second: f64, retries: u32, backoff: Duration) -> Self {
        let limiter = (per_second.is_finite() && per_second > 0.0).then(|| {
            let period = Duration::from_secs_f64(1.0 / per_second.min(100_000.0));
            RateLimiter::direct(Quota::with_period(period).unwrap_or(Quota::per_second(NonZeroU32::MIN)))
        });
        Self { limiter, retries, backoff }
    }

    pub fn unlimited() -> Self {
        Self::new(0.0, 0, Duration::ZERO)
    }

    /// Runs `call` when the rate allows, again after retryable failures.
    pub async fn run<T, F, Fut>(&self, mut call: F) -> Result<T, AdminError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AdminError>>,
    {
        let mut attempt = 0;
        loop {
            if let Some(l) = &self.limiter {
                l.until_ready().await;
            }
            match call().await {
                Err(e) if e.is_retryable() && attempt < self.retries => {
                    tokio::time::sleep(backoff(self.backoff, attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

pub use ccm_core::retry::backoff;

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn throttled() -> AdminError {
        AdminError {
            op: "x".into(),
            code: Some("TooManyRequestsException".into()),
            status: Some(429),
            message: "x".into(),
        }
    }

    #[tokio::test]
    async fn retryable_failures_are_tried_again_up_to_the_limit() {
        let pacer = Pacer::new(0.0, 2, Duration::from_millis(1));
        let calls = AtomicU32::new(0);
        let out: Result<(), _> = pacer
            .run(|| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(throttled()) }
            })
            .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn other_failures_are_returned_at_once() {
        let pacer = Pacer::new(0.0, 5, Duration::from_millis(1));
        let calls = AtomicU32::new(0);
        let out: Result<(), _> = pacer
            .run(|| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(AdminError::new("x", "refused")) }
            })
            .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn back_off_grows_and_is_capped() {
        let b = Duration::from_secs(1);
        assert!(backoff(b, 0) >= b && backoff(b, 0) < 2 * b);
        assert!(backoff(b, 10) <= Duration::from_secs(31));
    }
}
