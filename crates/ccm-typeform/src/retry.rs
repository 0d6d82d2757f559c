//! Backoff for 429 and 5xx answers: exponential from `base`, at most `max_delay` per wait (a
//! `Retry-After` from Typeform is honoured up to that cap), `attempts` tries in all.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included (at least 1).
    pub attempts: u32,
    pub base: Duration,
    pub max_delay: Duration,
}

impl Default for Retry {
    /// Four tries over about 3.5 s (Typeform's Create API allows 2 requests per second per account).
    fn default() -> Self {
        Self { attempts: 4, base: Duration::from_millis(500), max_delay: Duration::from_secs(8) }
    }
}

impl Retry {
    /// The wait before try `n + 1` after try `n` (1-based) failed, given the server's `Retry-After`.
    pub fn delay(&self, n: u32, retry_after: Option<Duration>) -> Duration {
        let exponential = self.base.saturating_mul(2u32.saturating_pow(n.saturating_sub(1)));
        retry_after.unwrap_or(exponential).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_follow_retry_after() {
        let r = Retry::default();
        let waits: Vec<u128> = (1..=6).map(|n| r.delay(n, None).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000]);
        assert_eq!(r.delay(1, Some(Duration::from_secs(3))), Duration::from_secs(3));
        assert_eq!(r.delay(1, Some(Duration::from_secs(3600))), Duration::from_secs(8));
    }
}
