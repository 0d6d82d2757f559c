//! The one back-off every retry loop of the project waits with (SES throttling, the operator CLI's
//! paced calls, the HTTP clients of Graph and Typeform): exponential from `base`, capped at 30 s,
//! plus up to one `base` of jitter so that retries of many callers spread out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest single wait.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How long to wait before retry number `attempt` (0 for the first retry).
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(2u32.saturating_pow(attempt)).min(MAX_BACKOFF);
    // Jitter from the clock's nanoseconds: no RNG dependency for this.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let span = u64::try_from(base.as_millis()).unwrap_or(u64::MAX).max(1);
    exp.saturating_add(Duration::from_millis(u64::from(nanos) % span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_the_base_with_at_most_one_base_of_jitter_and_is_capped() {
        let b = Duration::from_millis(100);
        for attempt in 0..4 {
            let wait = backoff(b, attempt);
            let exp = b * 2u32.pow(attempt);
            assert!(wait >= exp && wait < exp + b, "attempt {attempt}: {wait:?}");
        }
        assert!(backoff(b, 40) <= MAX_BACKOFF + b);
        assert!(backoff(Duration::ZERO, 3) < Duration::from_millis(1));
    }
}
